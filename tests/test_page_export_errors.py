"""An export that fails says so in the page, beside its button, and logs the traceback.

The file of a download button is made when the browser asks for it after the click (a
deferred download); here the test calls that callable as the browser would, then runs the
click's rerun. The exporters are made to fail the way a bad text once made them (mathtext).
"""

from __future__ import annotations

import logging

import pytest

from xiancheng import export
from xiancheng.export import ledger
from xiancheng.ui import downloads, widgets

from test_app import run_page


@pytest.fixture
def made(monkeypatch):
    """Button key → the callable the browser's click runs on the server (the latest run's)."""
    callables = {}
    original = downloads.guarded

    def capture(make, file_name, session, key):
        callables[key] = original(make, file_name, session, key)
        return callables[key]

    monkeypatch.setattr(downloads, "guarded", capture)
    return callables


def broken(*args, **kwargs):
    raise ValueError(r"Unknown symbol: \undefined, found '\'  (at char 0), (line:1, col:1)")


def button(app, key):
    return next(b for b in app.get("download_button") if b.key == key)


def test_a_failing_one_pager_shows_a_message_beside_its_button(monkeypatch, made, caplog):
    monkeypatch.setattr(export, "render_county_profile", broken)
    widgets.clear_export_caches()
    app = run_page("pages/county.py", county="141024")
    assert not app.error
    key = "county-export-export.profile_png"
    with caplog.at_level(logging.ERROR, logger=downloads.EXPORT_ERRORS.name), pytest.raises(downloads.ExportFailed):
        made[key]()  # the click: the browser asks for the file
    (record,) = [r for r in caplog.records if r.name == downloads.EXPORT_ERRORS.name]
    assert record.exc_info[0] is ValueError and "概况.png" in record.getMessage()
    reference = record.getMessage().split("error ")[1].rstrip(")")

    button(app, key).click().run()
    (message,) = [e.value for e in app.error]
    assert message.startswith("未能生成 洪洞县") and "概况" in message and f"错误编号 {reference}" in message
    assert "Traceback" not in message and "ValueError" not in message and "/work" not in message
    app.run()  # told once: the next run of the page is quiet again
    assert not app.error


def test_a_failing_excel_says_so_in_english_and_a_good_one_says_nothing(monkeypatch, made, caplog):
    app = run_page("pages/indicators.py", indicator="derived-key-towns", lang="en")
    key = "indicator-values-xlsx"
    assert made[key]()[:2] == b"PK"  # a real workbook: a build that worked
    button(app, key).click().run()
    assert not app.error

    monkeypatch.setattr(ledger, "table_xlsx", broken)
    app.run()
    with caplog.at_level(logging.ERROR, logger=downloads.EXPORT_ERRORS.name), pytest.raises(downloads.ExportFailed):
        made[key]()
    button(app, key).click().run()
    (message,) = [e.value.replace("\\", "") for e in app.error]  # (Markdown-escaped: the name is shown as written)
    assert message.startswith("指标数值_重点镇数量_山西省_") and ".xlsx could not be made (error " in message
