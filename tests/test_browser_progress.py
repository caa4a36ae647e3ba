"""Progress reporting in a real browser (issue 14): an editor of 市住建局 signs in, reports a
task as 已完成 and sees it on the county page and in the progress indicator on the map; a
viewer cannot report."""

from __future__ import annotations

import secrets

import pytest
from test_browser_indicators import legend

from xiancheng import indicators
from xiancheng import progress as pg
from xiancheng import store as store_module
from xiancheng.ingest.pipeline import load_or_build
from xiancheng.store import progress as sp

pytestmark = pytest.mark.browser
LINYI = "140821"  # 临猗县: the 运城 city plan's tasks apply to it


def account(role: str, **scope) -> tuple[str, str]:
    name, password = f"{role}-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    store_module.open().add_user(store_module.system_user("test"), name, password, role, **scope)
    return name, password


def sign_in(page, name: str, password: str) -> None:
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("登录", exact=True).first.click()
    sidebar.get_by_label("用户名").fill(name)
    sidebar.get_by_label("密码").fill(password)
    sidebar.get_by_role("button", name="登录").click()
    sidebar.get_by_text("已登录：").wait_for(timeout=20000)


def pick(page, label: str, text: str) -> None:
    """Choose in a Streamlit selectbox by typing (the first option that matches) and Enter."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    page.keyboard.type(text)
    page.get_by_role("option", name=text).first.wait_for(timeout=20000)
    page.keyboard.press("Enter")
    page.wait_for_function("([label, text]) => [...document.querySelectorAll('input[role=combobox]')]"
                           ".some(e => e.getAttribute('aria-label') === label && e.value.includes(text))",
                           arg=[label, text], timeout=20000)


def test_an_editor_reports_a_task_done_and_sees_it_on_the_county_page_and_the_map(page, app_url):
    name, password = account("editor", units=["市住建局"])
    workspace = store_module.open()
    items = pg.build_items(load_or_build())
    reported = set(sp.current(workspace))
    task = next(i for i in pg.items_of_place(items, LINYI)
                if i.kind == "task" and "市住建局" in i.units and i.key not in reported)
    page.goto(app_url + f"/county?county={LINYI}")
    page.get_by_role("heading", name="临猗县").wait_for(timeout=45000)
    sign_in(page, name, password)
    page.get_by_text("填报进展").first.wait_for(timeout=30000)
    pick(page, "选择事项", task.title)
    pick(page, "状态", "已完成")
    page.get_by_role("button", name="保存报告").click()
    page.get_by_text(f"已保存：{task.title} → 已完成").wait_for(timeout=20000)
    row = sp.current(workspace)[task.key]
    assert (row.status, row.created_by, row.unit) == ("done", name, "市住建局")
    # On the county page: the progress table lists the task as 已完成, reported by the editor.
    table_row = page.locator("tr", has_text=task.title).filter(has_text="已完成")
    table_row.first.wait_for(timeout=20000)
    assert name in table_row.first.inner_text()
    # On the map: the completion share indicator now counts it for 临猗县.
    view = indicators.values(load_or_build(), "progress-done-share")
    expected = indicators.value_label(view.counties[LINYI], view.indicator)
    assert view.counties[LINYI].value > 0
    page.goto(app_url + f"/indicators?indicator=progress-done-share&county={LINYI}")
    legend(page, "任务完成率")
    page.locator("tr", has_text="临猗县").filter(has_text=expected).first.wait_for(timeout=20000)
    assert page.outside_requests == [], page.outside_requests


def test_a_viewer_cannot_report(page, app_url):
    name, password = account("viewer")
    page.goto(app_url + f"/county?county={LINYI}")
    page.get_by_role("heading", name="临猗县").wait_for(timeout=45000)
    sign_in(page, name, password)
    page.get_by_text("您的账号为“查看”角色，不能填报进展。").wait_for(timeout=20000)
    assert page.get_by_role("button", name="保存报告").count() == 0
    assert page.get_by_role("combobox", name="选择事项").count() == 0
