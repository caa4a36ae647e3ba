"""The 调度会 briefing (PDF and .docx), reminders, the one-pager rows and the progress
indicators (issue 14), from a plan built here and reports saved in the test."""

from __future__ import annotations

import io
from datetime import date

import pytest
from plan_builder import county_plan as county_entry
from plan_builder import write_plans
from plan_factory import county_plan

from xiancheng import progress as pg
from xiancheng import store as store_module
from xiancheng.export import briefing
from xiancheng.ingest.pipeline import build_dataset
from xiancheng.store import progress as sp

QINSHUI, JINCHENG = "140521", "140500"
TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = write_plans(tmp_path_factory.mktemp("plans"), {"900_qinshui.txt": (county_entry(QINSHUI), county_plan("沁水县", tasks=3, extra=2))})
    built, _report = build_dataset(folder)
    return built


@pytest.fixture
def reported(store, dataset):
    admin = store_module.system_user("test")
    items = pg.build_items(dataset)
    titles = {i.title: i for i in items.values()}
    risk, industry = titles["增强城乡风险防控能力"], titles["完善县城产业平台"]
    sp.report(store, admin, risk.scope, sp.check_values("2026-10", "in-progress", percent=50))
    sp.report(store, admin, risk.scope, sp.check_values("2026-11", "done", percent=100))
    sp.report(store, admin, industry.scope, sp.check_values("2026-11", "paused", note="资金未到位"))
    return titles, pg.snapshot(dataset, store, today=TODAY)


def test_the_briefing_has_the_overview_the_late_items_by_department_and_the_changes(store, dataset, reported):
    titles, snap = reported
    made = briefing.gather(dataset, snap, store, JINCHENG, "2026-11")
    green = titles["推进县城绿色低碳建设"]  # planned for 2025, no report: late in 2026
    assert made.title == "晋城市县城建设调度会材料（2026-11）"
    assert made.overview.startswith("共 5 项任务，已完成 1 项（20%）；滞后事项 1 项；已报告 2 项")
    assert made.completion[QINSHUI] == 20.0 and made.completion["140522"] is None
    assert {unit: [i.title for i in items] for unit, items in made.late.items()} == {
        "县住建局": [green.title], "县发改局": [green.title]}
    assert [(c["title"], c["before"], c["after"]) for c in made.changes] == [
        ("增强城乡风险防控能力", "in-progress", "done"), ("完善县城产业平台", None, "paused")]

    from pypdf import PdfReader

    pdf = briefing.briefing_pdf(made)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("晋城市县城建设调度会材料（2026-11）", "滞后事项（按责任单位）", "县住建局（1）", green.title,
                     "增强城乡风险防控能力：推进中 → 已完成", "完善县城产业平台：— → 暂缓"):
        assert expected.replace(" ", "") in text.replace(" ", ""), expected
    # Only the packaged font is embedded (headings too): never whatever CJK font the system has.
    import re

    from xiancheng.export import fonts

    embedded = {name.split(b"+", 1)[-1].decode() for name in re.findall(rb"/BaseFont /([\w+-]+)", pdf)}
    assert embedded == {fonts.FONT_FILE.rsplit(".", 1)[0]}, embedded

    from docx import Document

    document = Document(io.BytesIO(briefing.briefing_docx(made)))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == made.title and made.overview in paragraphs
    assert any("增强城乡风险防控能力：推进中 → 已完成" in p for p in paragraphs)
    (table,) = document.tables
    assert [[c.text for c in row.cells] for row in table.rows][1:] == [["县住建局", green.title, "1"], ["县发改局", green.title, "1"]]
    assert len(document.inline_shapes) == 1  # the completion map


def test_reminders_list_per_department_the_items_with_no_report_this_period(dataset, reported):
    titles, snap = reported
    items = pg.items_of_place(snap.items, QINSHUI)
    waiting = pg.unreported_by_department(items, snap.status_of, "2026-11")
    # Done (risk) and reported this period (industry) are not listed; the rest are, per department.
    assert {unit: sorted(i.title for i in listed) for unit, listed in waiting.items()} == {
        "县住建局": ["推进县城绿色低碳建设"],
        "县发改局": sorted(["推进县城绿色低碳建设", "推进第1项重点工作", "推进第2项重点工作"]),
    }
    december = pg.unreported_by_department(items, snap.status_of, "2026-12")
    assert "完善县城产业平台" in [i.title for i in december["县工信局"]]


def test_the_one_pager_rows_put_late_items_first(dataset, reported):
    _titles, snap = reported
    line, rows = pg.one_pager(snap, QINSHUI)
    assert line.startswith("共 5 项任务，已完成 1 项")
    assert rows == [("推进县城绿色低碳建设", "滞后", "县住建局、县发改局"), ("完善县城产业平台", "暂缓", "县工信局、县商务局"),
                    ("增强城乡风险防控能力", "已完成", "县住建局、县应急局")]
    from xiancheng.export import render_county_profile

    assert render_county_profile(dataset, QINSHUI, fmt="pdf", progress=(line, rows))[:4] == b"%PDF"


def test_progress_indicators_per_county_and_city(store, dataset, reported):
    from xiancheng import indicators, progress_map

    _titles, snap = reported
    catalogue = indicators.catalogue(dataset)
    assert set(progress_map.KEYS) <= set(catalogue)
    done = progress_map.view(dataset, catalogue["progress-done-share"], snap)
    late = progress_map.view(dataset, catalogue["progress-late"], snap)
    assert done.counties[QINSHUI].value == 20.0 and done.cities[JINCHENG].value == 20.0
    assert late.counties[QINSHUI].value == 1.0
    assert done.counties["140522"].value is None and done.counties["140522"].reason  # nothing applies: no value, not 0
