"""Real browser: loading problems are shown to everyone (issue 12 item 2, issue 9 item 8),
on an app server of its own with a plans folder made in the test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from appserver import running_app
from test_manifest_entries import BROKEN, SEEDS, broken_plans

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def intake_app(tmp_path_factory):
    """The app serving a plans folder of the test's own: the seeds, one broken entry of
    each kind and one good new plan."""
    tmp = tmp_path_factory.mktemp("browser-intake")
    plans = broken_plans(tmp)
    env = {"XIANCHENG_PLANS_DIR": str(plans), "XIANCHENG_DATASET_PATH": str(tmp / "build" / "dataset.json")}
    with running_app(env=env) as (url, _process, _seconds):
        yield url, plans


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_documents_page_names_the_broken_entries_and_the_sidebar_counts_them(tab, intake_app):
    url, _plans = intake_app
    tab.goto(f"{url}/documents")
    banner = tab.get_by_text(re.compile(r"有 \d+ 处问题使部分文件未能载入"))
    banner.wait_for(timeout=60000)
    n = int(re.search(r"有 (\d+) 处问题", banner.inner_text()).group(1))
    assert n >= len(BROKEN)
    # the good documents are all there
    tab.get_by_text(f"已载入文件（{len(SEEDS) + 1} 份）").wait_for(timeout=20000)
    # the sidebar count, on every page, leads to the documents page
    tab.goto(f"{url}/explorer")
    link = tab.get_by_role("link", name=f"{n} 个载入问题")
    link.wait_for(timeout=60000)
    link.click()
    tab.get_by_text(re.compile(r"处问题使部分文件未能载入")).wait_for(timeout=30000)
    assert tab.url.rstrip("/").endswith("/documents")
    tab.get_by_text(f"载入问题（{n}）").click()  # the details open on demand
    tab.locator("[data-testid='stDataFrame']").first.wait_for(timeout=20000)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "documents-loading-problems.png"))
