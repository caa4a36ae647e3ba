import logging
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
# The app and CLI under test write to a throw-away store, never to the developer's data/.
os.environ["XIANCHENG_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='xiancheng-test-')}/app.sqlite"

from appserver import CHROMIUM, launch_browser, running_app  # noqa: E402
from storefixtures import admin, postgres_cluster, postgres_url, sqlite_url, store, store_url  # noqa: E402,F401


# Browser tests share one app server and one Chromium for the whole run.
@pytest.fixture(scope="session")
def app_url():
    with running_app() as (url, _process, _seconds):
        yield url


# One Playwright for the run: its sync API runs one instance at a time, and the old-browser
# test (test_browser_compat) launches a second Chromium beside the shared one.
@pytest.fixture(scope="session")
def playwright_session():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `bash scripts/install-browser.sh`")
    browser = launch_browser(playwright_session)
    yield browser
    browser.close()


def _outside(url: str) -> bool:
    return urlparse(url).hostname not in ("127.0.0.1", "localhost") and not url.startswith(("data:", "blob:", "about:"))


@pytest.fixture
def page(browser, app_url):
    """A fresh page; page.outside_requests lists every request that left localhost."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.outside_requests = []
    page.on("request", lambda r: page.outside_requests.append(r.url) if _outside(r.url) else None)
    yield page
    context.close()


# --- the app's error boundary (ui.run_page) turns a page's exception into a calm message, so
# AppTest no longer lists it in app.exception: every test fails if the boundary caught one,
# unless it asks for expected_page_errors.
class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(autouse=True)
def _page_errors(request):
    from xiancheng.ui import PAGE_ERRORS

    handler = _Records()
    PAGE_ERRORS.addHandler(handler)
    yield handler.records
    PAGE_ERRORS.removeHandler(handler)
    if handler.records and "expected_page_errors" not in request.fixturenames:
        record = handler.records[0]
        pytest.fail(f"a page failed inside the error boundary: {record.getMessage()}\n{logging.Formatter().formatException(record.exc_info)}")


@pytest.fixture
def expected_page_errors(_page_errors):
    """The log records of page errors the boundary caught during this test."""
    return _page_errors


@pytest.fixture
def app_on(monkeypatch, tmp_path):
    """Point the app under AppTest at a plans folder of the test's own: app_on(plans) sets it,
    with a dataset path in tmp_path, and rebuilds; the repository's own come back afterwards."""
    from xiancheng import settings, ui

    def use(plans):
        monkeypatch.setattr(settings, "PLANS_DIR", plans)
        monkeypatch.setattr(ui, "DATASET_PATH", tmp_path / "build" / "dataset.json")
        ui.refresh_dataset()

    yield use
    monkeypatch.undo()
    ui.refresh_dataset()
