"""Projects: annex project tables row by row, and projects named in running text with an investment."""

from __future__ import annotations

import re
from typing import Optional

from ..dataset import Project, Task
from .context import Context
from .segment import Block, split_units
from .tasks import ActionTaxonomy, load_actions

INVESTMENT = re.compile(
    r"(?:总投资|投资)\s*(?:约|达|超过)?\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元)(?:的|建设|实施)\s*(?P<name>[^，。；、]+)"
)
ALL_COUNTIES = re.compile(r"各县[（(]市[)）]|每个县[（(]市[)）]|全市各县|每县|各县市")


def to_yi(amount: float, unit: str) -> float:
    """Investment in 亿元 (万元 ÷ 10 000), rounded to the precision the text allows."""
    return round(amount / 10000, 6) if unit == "万元" else amount


def is_project_table(block: Block) -> bool:
    return block.kind == "table" and bool(block.rows) and any("项目名称" in c for c in block.rows[0].cells)


def _column(header: list[str], *names: str) -> Optional[int]:
    for i, cell in enumerate(header):
        flat = re.sub(r"\s+", "", cell)
        if any(n in flat for n in names):
            return i
    return None


def parse_project_table(ctx: Context, block: Block, taxonomy: ActionTaxonomy) -> list[Project]:
    header = list(block.rows[0].cells)
    name_col = _column(header, "项目名称")
    desc_col = _column(header, "项目内容", "建设内容", "主要内容")
    unit_col = _column(header, "责任单位", "牵头单位", "单位")
    invest_col = _column(header, "投资")
    period_col = _column(header, "建设期限", "年限", "起止年限", "建设年限")
    records = []
    category = ""
    for row in block.rows[1:]:
        cells = list(row.cells) + [""] * max(0, len(header) - len(row.cells))
        filled = [c for c in cells if c.strip()]
        if not filled:
            continue
        if len(filled) == 1 and cells[0].strip() and not cells[0].strip().isdigit():
            category = cells[0].strip()
            continue
        if len(row.cells) < len(header):
            ctx.unparsed_fragment(row.line, row.text, f"project table row has {len(row.cells)} cells, the header has {len(header)} (cut off?)",
                                  "project-cells", cells=len(row.cells), header=len(header))
            continue
        name = cells[name_col].strip() if name_col is not None else ""
        if not name:
            ctx.unparsed_fragment(row.line, row.text, "project table row without a project name", "project-name")
            continue
        description = cells[desc_col].strip() if desc_col is not None else ""
        units_text = cells[unit_col].strip() if unit_col is not None else ""
        units = [u for u in re.split(r"[、，,；;]", units_text) if u.strip()]
        investment = None
        investment_text = ""
        if invest_col is not None and cells[invest_col].strip():
            investment_text = cells[invest_col].strip()
            m = re.search(r"(\d+(?:\.\d+)?)\s*(亿元|万元)?", investment_text)
            if m:
                unit = m.group(2) or ("万元" if "万元" in header[invest_col] else "亿元")
                investment = to_yi(float(m.group(1)), unit)
        adcodes = ctx.counties_in(description + "、" + units_text, row.line)
        if ALL_COUNTIES.search(units_text) or ALL_COUNTIES.search(description):
            adcodes = sorted(set(adcodes) | set(ctx.default_units()))
        records.append(
            Project(
                name=name,
                description=description,
                adcodes=sorted(adcodes),
                scope_adcode=ctx.entry.scope_adcode,
                investment_yi=investment,
                investment_text=investment_text,
                responsible_units=units,
                period=cells[period_col].strip() if period_col is not None else "",
                category=category,
                action_key=taxonomy.by_keyword(category) if category else None,
                source="annex-table",
                citation=ctx.cite_lines(row.line, row.line, row.text),
            )
        )
    return records


def _first_task_by_line(tasks: list[Task]) -> dict[int, Task]:
    """Line -> the first task (in list order) whose span covers it: one pass, not one scan per paragraph."""
    found: dict[int, Task] = {}
    for task in tasks:
        for line in range(task.citation.line_start, task.citation.line_end + 1):
            found.setdefault(line, task)
    return found


def parse_running_projects(ctx: Context, tasks: list[Task]) -> list[Project]:
    """Projects named with an investment in running text ("投资30.4亿元的山焦144万吨机焦")."""
    records = []
    task_at = _first_task_by_line(tasks)
    for block in ctx.seg.blocks:
        if block.kind != "paragraph":
            continue
        task = task_at.get(block.line_start)
        for m in INVESTMENT.finditer(block.text):
            name = m.group("name").strip()
            name = re.sub(r"等(项目|工程)?$", "", name)
            cut = name.find("项目")
            if cut >= 0:
                name = name[: cut + 2]
            if len(name) < 2:
                continue
            citation = ctx.cite(block, m.start(), m.end())
            named = ctx.counties_in(name, citation.line_start)
            adcodes = named or ([ctx.entry.scope_adcode] if ctx.entry.scope_level == "county" else [])
            records.append(
                Project(
                    name=name,
                    adcodes=sorted(adcodes),
                    scope_adcode=ctx.entry.scope_adcode,
                    investment_yi=to_yi(float(m.group("amount")), m.group("unit")),
                    investment_text=f"{m.group('amount')}{m.group('unit')}",
                    responsible_units=list(task.responsible_units) if task else [],
                    action_key=task.action_key if task else None,
                    category=task.action_zh if task else "",
                    source="running-text",
                    citation=citation,
                )
            )
    return records


def parse_projects(ctx: Context, tasks: list[Task], taxonomy: Optional[ActionTaxonomy] = None) -> tuple[list[Project], set[int]]:
    taxonomy = taxonomy or load_actions()
    records = []
    used = set()
    for block in ctx.seg.blocks:
        if is_project_table(block):
            used.add(id(block))
            records.extend(parse_project_table(ctx, block, taxonomy))
    records.extend(parse_running_projects(ctx, tasks))
    return records, used
