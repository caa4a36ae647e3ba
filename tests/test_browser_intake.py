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


def make_admin(name: str, password: str) -> None:
    """An administrator account, made with the store's command line as an operator would."""
    import subprocess
    import sys

    from appserver import ROOT

    subprocess.run(
        [sys.executable, "-m", "xiancheng", "user", "add", name, "--role", "admin", "--password-stdin"],
        input=password + "\n", text=True, check=True, capture_output=True, cwd=ROOT, timeout=120,
    )


def test_an_administrator_adds_a_plan_and_its_county_page_shows_the_tasks(tab, intake_app, tmp_path):
    from plan_factory import county_plan, docx_of
    from playwright.sync_api import expect

    url, plans = intake_app
    make_admin("intake_admin", "intake password 1")
    source = tmp_path / "长子县行动方案.docx"
    source.write_bytes(docx_of(county_plan("长子县", number="长子政办发〔2024〕15号", date="二〇二四年十月八日")))

    tab.goto(url)
    tab.get_by_text("登录", exact=True).first.click()  # the sidebar's sign-in expander
    tab.get_by_label("用户名").fill("intake_admin")
    tab.get_by_label("密码").fill("intake password 1")
    tab.get_by_role("button", name="登录").click()
    tab.get_by_text("已登录：").wait_for(timeout=30000)
    # the manage page is listed for an administrator only; the click keeps the signed-in session
    tab.locator("[data-testid='stSidebarNav']").get_by_text("管理", exact=True).click()
    tab.get_by_role("heading", name="管理").wait_for(timeout=30000)
    tab.locator("input[type='file']").set_input_files(str(source))
    # what was read from the text, each field filled in for checking
    expect(tab.get_by_label("标题")).to_have_value("长子县推进以县城为重要载体的新型城镇化建设实施方案", timeout=30000)
    expect(tab.get_by_label("文号")).to_have_value("长子政办发〔2024〕15号", timeout=10000)
    expect(tab.get_by_label("日期（YYYY-MM-DD 或年份）")).to_have_value("2024-10-08", timeout=10000)
    tab.get_by_text("第15行：二〇二四年十月八日").wait_for(timeout=10000)  # each value beside its line
    tab.get_by_role("button", name=re.compile("确认并添加")).click()
    tab.get_by_text(re.compile(r"已添加 \d{3}_[0-9a-f]{16}\.txt：3 项任务")).wait_for(timeout=60000)
    assert any(p.name.endswith(".docx") for p in (plans / "originals").iterdir())
    # the county's page, with no restart: its three tasks
    tab.get_by_role("link", name="打开 长治市长子县 页面").click()
    tab.get_by_text(re.compile(r"重点任务（本县 3 项")).wait_for(timeout=60000)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "manage-added-county.png"))
