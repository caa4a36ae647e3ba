"""Bad URLs and unexpected errors: no page shows a traceback or a server path.

The documents page is opened with line numbers that str.isdigit() accepts but int() refuses,
or that int() refuses for their length; an exception inside a page is turned by the error
boundary (ui.run_page) into a calm message with a reference, and the details go to the log.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from xiancheng import tables

TIMEOUT = 60
YUNCHENG_PLAN = "000_6ee266aaec99fe33.txt"


def run(page: str, **params) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    return app


def shown_text(app: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "info", "warning", "error", "text", "code")
             for e in getattr(app, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("bad", ["²", "¹²", "١٢", "9" * 4300, "-3", "1e3", " 12 ", "０"])
def test_documents_page_ignores_line_numbers_that_are_not_plain_digits(bad):
    app = run("pages/documents.py", doc=YUNCHENG_PLAN, **{"from": bad, "to": bad})
    assert not app.exception, app.exception
    assert not app.error
    text = shown_text(app)
    assert "Traceback" not in text and ".py" not in text


def test_documents_page_still_reads_plain_line_numbers():
    app = run("pages/documents.py", doc=YUNCHENG_PLAN, **{"from": "93", "to": "95"})
    assert not app.exception
    assert "第93–95行" in shown_text(app)


@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("0", 0), ("²", None), ("١٢", None), ("9" * 4300, None), ("-1", None), ("", None), (None, None),
    ("10000001", None), ("10000000", 10**7), ("０", None),
])
def test_url_number(text, expected):
    assert tables.url_number(text, 0, tables.MAX_LINE_NUMBER) == expected


def test_explorer_year_from_the_url_is_plain_digits_only():
    assert tables.Filters.from_params({"year": "²²²²"}).year is None
    assert tables.Filters.from_params({"year": "2025"}).year == 2025


def test_an_unexpected_error_in_a_page_shows_a_calm_message(monkeypatch, expected_page_errors):
    # The overview, opened through app.py as a browser does (AppTest's switch_page runs a page
    # file on its own, outside app.py and so outside the boundary).
    from xiancheng import queries

    def broken(*args, **kwargs):
        raise RuntimeError("boom at /srv/secret/xiancheng/queries.py")

    monkeypatch.setattr(queries, "counts_by_type", broken)
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    app.query_params["county"] = "140821"
    app.run()
    assert not app.exception
    [message] = [e.value for e in app.error]
    assert "此页面暂时无法显示" in message
    text = shown_text(app)
    assert "boom" not in text and "/srv/secret" not in text and "Traceback" not in text
    assert "临猗县" in text  # what the page drew before the error stays
    assert app.sidebar.toggle  # navigation and language are still there
    # the details are in the log, under the reference the user sees
    [record] = expected_page_errors
    reference = message.split("错误编号 ")[1][:8]
    assert reference in record.getMessage() and "overview" in record.getMessage()
    assert "boom at /srv/secret" in str(record.exc_info[1])
