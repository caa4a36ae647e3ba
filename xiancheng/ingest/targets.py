"""Quantitative targets: sentences like "到2025年…达到90%以上" and indicator tables row by row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..dataset import Target
from .context import Context
from .segment import Block, Row

VERBS = (
    "提高到|提升到|提高至|提升至|增长到|增加到|降低到|下降到|降低至|下降至|控制在|保持在|稳定在|"
    "不低于|不超过|不少于|不高于|达到|超过|突破|降至|高于|低于"
)
UNITS = (
    "个百分点|公里/平方公里|公里/百平方公里|km/km²|万平方米|平方公里|平方米|万千瓦|万吨|万亩|万人|万户|亿元|万元|亿美元|元|"
    "公里|千米|米|%|％|‰|座|个|家|所|户|套|张|处|条|辆|人|天|分钟|小时|吨|公顷|亩|项|次|MW|GW"
)
TARGET = re.compile(
    rf"(?P<verb>{VERBS})\s*(?P<value>\d+(?:\.\d+)?)(?![\d.])(?!\s*年)\s*(?P<unit>{UNITS})?\s*(?P<suffix>及以上|以上|以下|以内|左右)?"
)
YEAR_PHRASE = re.compile(r"(?:到|至|在)?\s*(20\d{2})\s*年(?:底|末)?")
LEADING_NOISE = re.compile(r"^(?:[，、\s]|力争|确保|争取|基本|全面|实现|使|将|其中|同时|并|且|到\s*20\d{2}\s*年(?:底|末)?|20\d{2}\s*年(?:底|末)?)+")
PAST_SECTION = re.compile(r"基础|成就|回顾|现状|完成情况")
KNOWN_UNITS = frozenset(
    "% ‰ 个百分点 万人 人 万吨 吨 万亩 亩 公顷 万平方米 平方公里 平方米 公里 千米 米 公里/平方公里 公里/百平方公里 km/km² "
    "亿元 万元 亿美元 座 个 家 所 户 套 张 处 条 辆 天 分钟 小时 项 次 件 岁 年 万千瓦 MW GW 1/10万 人/亿元 人/百万吨 "
    "立方米 亿立方米 亿吨标准煤 万户 元".split()
)


def normalise_unit(unit: str) -> str:
    return {"％": "%", "km/km2": "km/km²"}.get(unit, unit)


def _doc_year(ctx: Context) -> Optional[int]:
    m = re.match(r"(\d{4})", ctx.entry.date)
    return int(m.group(1)) if m else None


def _scope(ctx: Context, text: str, line: int) -> list[tuple[str, str]]:
    counties = ctx.counties_in(text, line)
    if counties:
        return [(a, "county") for a in counties]
    return [(ctx.entry.scope_adcode, ctx.entry.scope_level)]


def parse_sentence_targets(ctx: Context) -> list[Target]:
    """Targets stated in running text: indicator, comparator, value, unit, year, scope."""
    records: list[Target] = []
    doc_year = _doc_year(ctx)
    for block in ctx.seg.blocks:
        if block.kind != "paragraph":
            continue
        heading_year = None
        year_heading = block.under(lambda h: h.kind == "year")
        if year_heading:
            heading_year = int(re.match(r"(20\d{2})", year_heading.marker).group(1))
        past = block.under(lambda h: bool(PAST_SECTION.search(h.title))) is not None
        records.extend(_targets_in(ctx, block, heading_year, doc_year, past))
    return records


# Compiled once: these run for every sentence of a document.
SENTENCE_ENDS = re.compile(r"(?<=[。；！？])")
BY_YEAR = re.compile(r"(?:到|至)\s*(20\d{2})\s*年")
THREE_DIGITS = re.compile(r"\d{3,}")


def _targets_in(ctx: Context, block: Block, heading_year, doc_year, past) -> list[Target]:
    text = block.text
    found = []
    sentence_start = 0
    carried_year = None  # "到2025年" carries over the paragraph's later sentences
    for sentence in SENTENCE_ENDS.split(text):
        base = sentence_start
        sentence_start += len(sentence)
        first_year = BY_YEAR.search(sentence)
        for m in TARGET.finditer(sentence):
            clause_start = max(sentence.rfind(c, 0, m.start()) for c in "，。；：,;:") + 1
            raw_indicator = sentence[clause_start : m.start()]
            indicator = LEADING_NOISE.sub("", raw_indicator).strip(" ，、")
            if len(indicator) < 2 or THREE_DIGITS.search(indicator[-4:] or ""):
                continue
            years = [int(y.group(1)) for y in YEAR_PHRASE.finditer(sentence[: m.start()])]
            year = years[-1] if years else (carried_year or heading_year)
            unit = normalise_unit(m.group("unit") or "")
            suffix = m.group("suffix") or ""
            comparator = suffix or m.group("verb")
            kind = "target"
            if (year is not None and doc_year is not None and year < doc_year) or (year is None and past):
                kind = "value"
            start, end = base + clause_start, base + m.end()
            citation = ctx.cite(block, start, end)
            for adcode, level in _scope(ctx, raw_indicator, citation.line_start):
                found.append(
                    Target(
                        indicator=indicator,
                        scope_adcode=adcode,
                        scope_level=level,
                        year=year,
                        comparator=comparator,
                        value=float(m.group("value")),
                        value_text=m.group(0).strip(),
                        unit=unit,
                        kind=kind,
                        citation=citation,
                    )
                )
        if first_year:
            carried_year = int(first_year.group(1))
    return found


# ---------------------------------------------------------------- indicator tables

ATTRIBUTES = ("预期性", "约束性")
VALUE = re.compile(
    r"^(?P<pre>[<>≤≥＞＜]|不低于|不超过)?\s*[\[［]?(?P<num>-?\d+(?:\.\d+)?)[\]］]?\s*\*?\s*(?P<unit>%|‰)?\s*(?P<suf>以上|以下|左右|以内)?\s*\*?$"
)
UNIT_PAREN = re.compile(r"[（(]([^（）()]{1,12})[)）]")


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    kind: str  # indicator / number / category / attribute / baseline / target / value / other
    year: Optional[int] = None


def table_columns(rows: list[Row]) -> tuple[list[Column], int]:
    """Columns of an indicator table from its header row(s); returns (columns, header rows)."""
    header = list(rows[0].cells)
    n_header = 1
    if len(rows) > 1 and not rows[1].cells[0].strip() and not any(re.fullmatch(r"[\d.\-\[\]*%]+", c.strip()) for c in rows[1].cells if c.strip()):
        # a two-row header: group labels on the first row, column labels below them
        second = list(rows[1].cells) + [""] * (len(header) - len(rows[1].cells))
        carried = ""
        combined = []
        for top, bottom in zip(header, second):
            carried = top or carried
            combined.append((top or carried) + bottom if bottom else top)
        header = combined
        n_header = 2
    columns = []
    for i, name in enumerate(header):
        flat = re.sub(r"\s+", "", name)
        year_match = re.search(r"(20\d{2})年", flat)
        year = int(year_match.group(1)) if year_match else None
        if "指标" in flat and ("名称" in flat or "内容" in flat) or flat == "指标":
            kind = "indicator"
        elif flat in ("序号", "编号"):
            kind = "number"
        elif flat in ("类别", "分类", "类型"):
            kind = "category"
        elif "属性" in flat:
            kind = "attribute"
        elif year and re.search(r"基准|基期|现状|完成", flat):
            kind = "baseline"
        elif re.search(r"目标", flat) and year:
            kind = "target"
        elif year:
            kind = "baseline" if re.fullmatch(r"20\d{2}年", flat) else "value"
        elif re.search(r"完成", flat):
            kind = "value"
        else:
            kind = "other"
        columns.append(Column(i, flat, kind, year))
    return columns, n_header


def is_indicator_table(block: Block) -> bool:
    return block.kind == "table" and bool(block.rows) and any("指标" in c for c in block.rows[0].cells)


def split_indicator(name: str) -> tuple[str, str]:
    """("常住人口城镇化率", "%") from "常住人口城镇化率（%）"; other parentheses stay."""
    unit = ""
    for m in UNIT_PAREN.finditer(name):
        content = m.group(1).strip().replace(" ", "")
        if normalise_unit(content) in KNOWN_UNITS or re.fullmatch(r"[A-Za-z]+/[A-Za-z²]+", content):
            unit = normalise_unit(content)
            name = name[: m.start()] + name[m.end() :]
            break
    return re.sub(r"\s+", "", name).strip(), unit


def parse_cell(cell: str) -> tuple[str, Optional[float]]:
    """(comparator, value) of a table cell; value None when the cell is words."""
    m = VALUE.match(cell.strip())
    if not m:
        return "", None
    comparator = m.group("pre") or m.group("suf") or ""
    comparator = {"＞": ">", "＜": "<"}.get(comparator, comparator)
    return comparator, float(m.group("num"))


def parse_table_targets(ctx: Context, block: Block) -> list[Target]:
    """One Target per value cell of an indicator table (the row's citation is its line)."""
    columns, n_header = table_columns(block.rows)
    by_kind = {c.kind: c for c in columns}
    if "indicator" not in by_kind:
        return []
    records = []
    category = ""
    value_columns = [c for c in columns if c.kind in ("baseline", "target", "value") or (c.kind == "other" and c.name)]
    for row in block.rows[n_header:]:
        cells = list(row.cells)
        while len(cells) > len(columns) and not cells[-1].strip():
            cells.pop()
        filled = [c for c in cells if c.strip()]
        if not filled:
            continue
        if len(filled) == 1 and cells[0].strip():
            text = cells[0].strip()
            if text.startswith(("注", "备注", "说明")):
                continue  # a footnote row
            category = text
            continue
        attribute_col = by_kind.get("attribute")
        aligned = len(cells) == len(columns) and (
            attribute_col is None or cells[attribute_col.index].strip() in ATTRIBUTES
        )
        if not aligned:
            ctx.unparsed_fragment(row.line, row.text, "indicator table row does not line up with the header", "indicator-cells")
            continue
        if "category" in by_kind and cells[by_kind["category"].index].strip():
            category = cells[by_kind["category"].index].strip()
        indicator, unit = split_indicator(cells[by_kind["indicator"].index])
        if not indicator:
            ctx.unparsed_fragment(row.line, row.text, "indicator table row without an indicator name", "indicator-name")
            continue
        attribute = cells[attribute_col.index].strip() if attribute_col else ""
        citation = ctx.cite_lines(row.line, row.line, row.text)
        target_year = max((c.year for c in columns if c.kind == "target" and c.year), default=None)
        for column in value_columns:
            cell = cells[column.index].strip()
            if not cell or cell in ("-", "—", "－", "/"):
                continue
            comparator, value = parse_cell(cell)
            kind = {"baseline": "baseline", "target": "target"}.get(column.kind, "value")
            year = column.year
            column_unit = unit
            if column.kind == "other":
                kind, year = "target", target_year
                comparator = column.name  # e.g. 年均增长/累计: the value is a rate, not a level
                column_unit = split_indicator(column.name)[1]
            records.append(
                Target(
                    indicator=indicator,
                    scope_adcode=ctx.entry.scope_adcode,
                    scope_level=ctx.entry.scope_level,
                    year=year,
                    comparator=comparator,
                    value=value,
                    value_text=cell,
                    unit=column_unit,
                    kind=kind,
                    attribute=attribute,
                    category=category,
                    citation=citation,
                )
            )
    return records


def parse_targets(ctx: Context) -> tuple[list[Target], set[int]]:
    """All targets of a document; also the ids of the table blocks consumed."""
    records = parse_sentence_targets(ctx)
    used = set()
    for block in ctx.seg.blocks:
        if is_indicator_table(block):
            used.add(id(block))
            records.extend(parse_table_targets(ctx, block))
    return records, used
