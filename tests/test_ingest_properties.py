"""Property tests: parsers never crash on arbitrary text, citations always quote their lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiancheng.ingest.checks import quote_in
from xiancheng.ingest.classify import parse_classifications, parse_positionings, parse_towns
from xiancheng.ingest.context import Context
from xiancheng.ingest.manifest import ManifestEntry
from xiancheng.ingest.pipeline import build_dataset
from xiancheng.ingest.projects import parse_projects
from xiancheng.ingest.segment import clean_line, compact, segment, split_units, units_paren
from xiancheng.ingest.targets import parse_targets
from xiancheng.ingest.tasks import parse_tasks, years_in
from xiancheng.settings import ROOT

FRAGMENTS = [
    "一、总体要求", "（一）实施“安全韧性”的城乡基础设施提档升级行动", "(二) 实施“低碳绿色”行动", "1. 健全城乡风险防控体系",
    "2．提升防洪排涝能力。围绕补齐短板，", "到2025年，常住人口城镇化率达到90%以上。", "（市住建局、县发改局、各乡镇）",
    "（责任单位：县住建局、", "局、各乡镇）", "城市融合型县城：临猗县、夏县", "重点生态功能区县城：垣曲县、平陆县",
    "序号\t项目名称\t项目内容\t单位", "1\t城市生命线安全项目\t建设平台\t市住建局", "序号\t指标名称\t2021年 基准值\t2025年 目标值\t指标 属性",
    "1\t常住人口城镇化率（%）\t63.55\t68\t预期性", "# 第一章 规划背景", "## 专栏2 重点镇", "城区：南村铸造小镇",
    "前 言 .....\t4", "目 录", "<b>第二章</b>", "km/km <sup>2</sup>", "投资30.4亿元的山焦144万吨机焦，", "附件 1",
    "古县属于生态功能区县城。", "2024年工作目标", " 页", "", "  ", "高平市建设成为示范区。", "（", "）", "\t",
]

ENTRY = ManifestEntry(
    document="999_prop.txt", title="t", scope_adcode="140800", scope_level="city", kind="action-plan",
    title_lines=(1, 1), task_scope="county-towns",
)
COUNTY_ENTRY = ENTRY.model_copy(update={"scope_adcode": "141025", "scope_level": "county", "task_scope": "scope"})

lines_strategy = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), min_size=1, max_size=40)


def all_records(ctx):
    tasks = parse_tasks(ctx)
    targets, _ = parse_targets(ctx)
    projects, _ = parse_projects(ctx, tasks)
    return tasks + targets + projects + parse_classifications(ctx) + parse_positionings(ctx) + parse_towns(ctx)


def assert_cited(records, lines):
    for record in records:
        c = record.citation
        assert 1 <= c.line_start <= c.line_end <= len(lines)
        cited = "".join(clean_line(line)[0] for line in lines[c.line_start - 1 : c.line_end])
        assert quote_in(c.quote, cited), (c, cited)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=lines_strategy, county=st.booleans())
def test_parsers_never_crash_and_citations_hold(lines, county):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    entry = COUNTY_ENTRY if county else ENTRY
    ctx = Context(entry, segment(entry.document, lines))
    assert_cited(all_records(ctx), lines)


@given(st.text(max_size=300))
def test_segment_any_text(text):
    seg = segment("x.txt", text.split("\n"))
    for block in seg.blocks:
        assert 1 <= block.line_start <= block.line_end <= len(seg.lines)


@given(st.text(max_size=80))
def test_unit_helpers_any_text(text):
    units_paren(text)
    split_units(text)
    years_in(text)


def test_every_published_quote_is_in_its_document():
    dataset, report = build_dataset(ROOT / "plans")
    assert report.ok
    documents = {d.document: (ROOT / "plans" / d.document).read_text(encoding="utf-8").split("\n") for d in dataset.documents}
    for kind in ("classifications", "positionings", "tasks", "targets", "projects", "towns"):
        records = getattr(dataset, kind)
        assert records or kind == "towns"
        for record in records:
            assert record.citation.quote
        for document, lines in documents.items():
            assert_cited([r for r in records if r.citation.document == document], lines)


def test_same_inputs_same_bytes():
    from xiancheng.ingest.pipeline import dataset_json

    first, _ = build_dataset(ROOT / "plans")
    second, _ = build_dataset(ROOT / "plans")
    assert dataset_json(first) == dataset_json(second)


def test_units_parenthesis_table():
    cases = {
        "……（市应急局、市规划和自然资源局、市体育局）": ["市应急局", "市规划和自然资源局", "市体育局"],
        "……(县教体局、各乡镇)": ["县教体局", "各乡镇"],
        "……（责任单位：县住建局、县发改局）。": ["县住建局", "县发改局"],
        "……（市能源局、市城市管理局等有关单位）": ["市能源局", "市城市管理局"],
        "……（2023—2027年）": None,
        "没有括号": None,
    }
    for text, expected in cases.items():
        found = units_paren(text)
        assert (found[1] if found else None) == expected, text


def test_ingest_never_imports_ui_or_maps():
    forbidden = re.compile(r"^(streamlit|folium|streamlit_folium|branca|xiancheng\.(ui|maps|export))|^\.\.(ui|maps|export)")
    for path in (ROOT / "xiancheng" / "ingest").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." * node.level + (node.module or "")]
            for name in names:
                assert not forbidden.match(name), f"{path.name} imports {name}"


@pytest.mark.parametrize("dropped", ["前 言 .....\t4", "- 4 -", "4", "第 4 页"])
def test_a_paragraph_joined_across_a_dropped_line_still_quotes_its_lines(dropped):
    # "（责任单位：…" left open, a page number or TOC entry, then the next line: the segmenter
    # joins the two and drops the line between; the quote must still be found in lines 2-4.
    lines = ["（一）实施“安全韧性”的城乡基础设施提档升级行动", "（责任单位：县住建局、", dropped, "到2025年，常住人口城镇化率达到90%以上。"]
    ctx = Context(ENTRY, segment(ENTRY.document, lines))
    records = all_records(ctx)
    task = next(r for r in records if r.citation.line_start == 2)
    assert (task.citation.line_start, task.citation.line_end) == (2, 4)
    assert_cited(records, lines)
