"""Spreadsheet formula injection: text from a plan never becomes a live formula in an export.

A plan is written here whose responsible units and task text begin with the characters
spreadsheets read as formulas (OWASP's CSV-injection list); it goes through the real ingest
pipeline and out through every Excel and CSV writer the app offers (the explorer's exports
and the county 台账). Workbooks are read back with openpyxl.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import yaml

from xiancheng import tables
from xiancheng.export import ledger
from xiancheng.ingest.pipeline import build_dataset

DOCUMENT = "950_injection.txt"
# Each unit list ends a task, as the county plans print them: "（县住建局、县财政局）".
UNITS = ["=SUM(1+2)局", "+CMD()局", "-2+3局", "@SUM(A1)局", "县住建局"]
TASK_TEXT = "=1+1推进老旧小区改造。完成老旧小区改造120个。"


def injection_plans(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    lines = [
        "某县推进以县城为重要载体的城镇化建设行动方案",
        "（一）实施城市更新行动",
        f"{TASK_TEXT}（{'、'.join(UNITS)}）",
        "2.推进管网改造。投资3.5亿元的=HYPERLINK(1)管网改造项目建成投用。（县住建局）",
    ]
    (plans / DOCUMENT).write_text("\n".join(lines) + "\n", encoding="utf-8")
    entry = {"title": "=HYPERLINK(\"http://evil.example\")某县行动方案", "issuer": "@县政府", "scope_adcode": "141025",
             "scope_level": "county", "kind": "action-plan", "title_lines": [1, 1]}
    (plans / "manifest.yaml").write_text(yaml.safe_dump({"documents": {DOCUMENT: entry}}, allow_unicode=True), encoding="utf-8")
    return plans


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    dataset, report = build_dataset(injection_plans(tmp_path_factory.mktemp("injection")))
    assert report.documents[0].status == "ok", report.to_dict()
    task = next(t for t in dataset.tasks if t.responsible_units[0] == UNITS[0])
    assert task.responsible_units == UNITS  # the plan really carries them
    return dataset


def workbook_cells(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def check_workbook(data: bytes) -> list[str]:
    cells = workbook_cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    joined_units = "、".join(UNITS)
    assert joined_units in texts  # kept as printed, not altered
    unit_cell = next(c for c in cells if c.value == joined_units)
    assert unit_cell.data_type == "s" and unit_cell.quotePrefix  # Excel's own "this is text" mark
    return texts


def test_explorer_excel_has_no_formula(injected):
    table = tables.build_table(injected, "zh")
    filters = tables.Filters(unit=UNITS[0])
    rows = tables.apply_filters(table, filters)
    texts = check_workbook(tables.export_xlsx(table, rows, filters, injected, "zh"))
    assert any(t.startswith(TASK_TEXT) for t in texts)  # task text starting with "=", kept as text


def test_county_ledger_has_no_formula(injected):
    tasks, projects = list(injected.tasks), list(injected.projects)
    assert any(p.name.startswith("=HYPERLINK") for p in projects)
    data = ledger.ledger_xlsx(tasks, projects, title="=1+1", filters={"责任单位": "=SUM(1)"}, sources=["@x"],
                              documents=injected.documents)
    texts = check_workbook(data)
    assert "=1+1" in texts  # the title too is text
    assert any(t.startswith("=HYPERLINK") for t in texts)


@pytest.mark.parametrize("kind", ["task", "project"])
def test_explorer_csv_prefixes_formula_cells(injected, kind):
    table = tables.build_table(injected, "zh")
    rows = tables.apply_filters(table, tables.Filters())
    data = tables.export_csv(table, rows, kind, injected, "zh")
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    assert not [c for c in cells if c.startswith(ledger.FORMULA_TRIGGERS)]
    expected = "'=1+1" if kind == "task" else "'=HYPERLINK(1)管网改造项目"
    assert any(c.startswith(expected) for c in cells), cells
    if kind == "task":
        assert "'" + "、".join(UNITS) in cells


@pytest.mark.parametrize("text, written", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("县住建局", "县住建局"), ("1=1", "1=1"), ("'=1", "'=1"), ("", ""), (2027, 2027),
])
def test_csv_cell_rule(text, written):
    assert ledger.csv_cell(text) == written


def test_indicator_values_table_exports_are_inert():
    # The indicator page's CSV/Excel of shown values: units, text as written and sources come
    # from documents; numbers (negative too) stay numbers.
    rows = [{"单位": unit, "数值": -2.5, "原文": TASK_TEXT, "来源": "@来源"} for unit in UNITS]
    cells = workbook_cells(ledger.table_xlsx(rows, "指标数值"))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells if c.column == 1][1:] == UNITS  # kept as printed
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value.startswith(ledger.FORMULA_TRIGGERS))
    assert [c.value for c in cells if c.data_type == "n"] == [-2.5] * len(UNITS)
    read = list(csv.reader(io.StringIO(ledger.table_csv(rows).decode("utf-8-sig"))))
    assert read[0] == list(rows[0])
    assert [r[0] for r in read[1:]] == [ledger.csv_cell(u) for u in UNITS]
    assert {r[2] for r in read[1:]} == {"'" + TASK_TEXT}
