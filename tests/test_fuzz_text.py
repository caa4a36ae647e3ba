"""Fuzz (hypothesis): random Unicode with $, backslashes, Markdown/HTML metacharacters, RTL
marks and NUL in titles, task text, units and URL parameters. No page raises (AppTest) and
every Excel/CSV written reads back with the same text, and every map export and one-pager
renders (controls such as DEL have no glyph; they once killed the export)."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from xiancheng import indicators, ui
from xiancheng.dataset import Citation, Task
from xiancheng.export import ledger, profile, staticmap
from xiancheng.text import WORD_JOINER, markdown_text

NASTY = "$\\`*_{}[]()#+-.!|<>~&;:=@\t\r\n\x00\u200f\u202e\u2066\ufeff'\"%"
text = st.text(alphabet=st.one_of(st.sampled_from(NASTY), st.characters(blacklist_categories=("Cs",))), max_size=40)
SLOW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@given(text)
@settings(max_examples=300)
def test_markdown_text_shows_the_text_as_written(value):
    escaped = markdown_text(value)
    # every markup character is escaped, and un-escaping gives back exactly the text
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.S).replace(WORD_JOINER, "") == value.replace(WORD_JOINER, "")
    assert not re.search(r"(?<!\\)(?:\\\\)*[\[\]<>`*$]", escaped.replace("\\\\", ""))
    assert not re.search(r"(?i)https?:|www\.", escaped)  # no autolink can start


def task(value: str, units: list[str]) -> Task:
    return Task(id="x.txt:1", document="x.txt", text=value or "x", responsible_units=units, years=[], adcodes=[],
                scope_adcode="140800", citation=Citation(document="x.txt", line_start=1, line_end=1, quote=value or "x"))


@given(text, st.lists(text, min_size=1, max_size=3))
@settings(max_examples=60, deadline=None)
def test_excel_and_csv_read_back_the_same_text(value, units):
    tasks = [task(value, units)]
    workbook = openpyxl.load_workbook(io.BytesIO(ledger.ledger_xlsx(tasks, [], title=value, filters={"q": value})))
    cells = [c for row in workbook.worksheets[0].iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert ledger.xlsx_text(value) in values if value.strip() else True
    assert ledger.xlsx_text("、".join(units)) in values or not "、".join(units).strip()
    rows = list(csv.reader(io.StringIO(ledger.tasks_csv(tasks).decode("utf-8-sig"), newline="")))
    assert rows[1][1] == ledger.csv_cell(ledger.task_text(tasks[0]))
    assert rows[1][2] == ledger.csv_cell("、".join(units))


def run(page: str, **params) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    return app


@given(text, text, text)
@SLOW
def test_url_parameters_never_raise(doc, line, query):
    for page, params in (("pages/documents.py", {"doc": doc, "from": line, "to": line}),
                         ("pages/explorer.py", {"q": query, "unit": doc, "year": line}),
                         ("pages/indicators.py", {"indicator": doc, "year": line, "k": query, "county": doc})):
        app = run(page, **{k: v.replace("\x00", "") for k, v in params.items()})  # a URL cannot carry NUL
        assert not app.exception, (page, params, app.exception)


@given(text, text, st.lists(text, min_size=1, max_size=2))
@SLOW
def test_county_page_with_any_title_task_text_and_units(monkeypatch, title, value, units):
    data = ui.dataset()
    linyi = [t for t in data.tasks if "140821" in t.adcodes][:2]
    assert linyi
    changed = data.model_copy(update={
        "documents": [d.model_copy(update={"title": title or "t", "issuer": title}) for d in data.documents],
        "tasks": [t.model_copy(update={"text": value or "x", "responsible_units": units}) if t in linyi else t for t in data.tasks],
    })
    monkeypatch.setattr(ui, "dataset", lambda: changed)
    app = run("pages/county.py", county="140821")
    assert not app.exception, app.exception


CONTROLS = "".join(map(chr, [*range(0x00, 0x20), *range(0x7F, 0xA0)])) + "\u200b\u2028\ufffe"
drawn_text = st.text(alphabet=st.one_of(st.sampled_from(NASTY + CONTROLS), st.characters(blacklist_categories=("Cs",))),
                     min_size=1, max_size=40)


@given(drawn_text, drawn_text, st.sampled_from(["png", "pdf", "svg"]))
@settings(max_examples=6, deadline=None)
def test_every_export_renders_any_title_unit_and_source(title, unit, fmt):
    data = ui.dataset()
    view = indicators.values(data, "derived-tasks", None)
    data = data.model_copy(update={"documents": [d.model_copy(update={"title": title, "issuer": unit}) for d in data.documents]})
    sources = [staticmap.document_label(d, "zh") for d in data.documents[:2]]
    indicator_map = staticmap.render_indicator_map(view.county_values(), title=title, indicator=title, unit=unit,
                                                   sources=sources, fmt=fmt, city_adcode="140800")
    type_map = staticmap.render_type_map(data, city_adcode="140800", fmt=fmt)
    for made in (indicator_map, type_map):
        assert made.startswith({"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}[fmt])
    if fmt != "svg":
        one_pager = profile.render_county_profile(data, "140821", fmt=fmt)
        assert one_pager.startswith({"png": b"\x89PNG", "pdf": b"%PDF"}[fmt])
