"""Real browser (issue 13): an editor imports a workbook through the page, corrects the mapping,
saves, and sees the indicator on the map with its legend and a county's value on its page."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from appserver import MAP, MAP_ELEMENT, map_scope, running_app

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def yearbook() -> bytes:
    """A yearbook-style sheet whose second value column has no indicator name (only a year)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2023"
    sheet.append(["临汾市各县主要指标（2023年）"])
    sheet.merge_cells("A1:C1")
    sheet.append(["县（市、区）", "城镇化率（%）", "2023"])
    for name, rate, income in (("古县", 41.5, 3.2), ("洪洞县", 47.0, 12.5), ("浮山县", 39.0, "暂缺"), ("城区", 90, 1)):
        sheet.append([name, rate, income])
    sheet.append(["合计", 45.0, 30.0])
    sheet.append(["注：城镇化率为常住人口城镇化率。"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def own_app(tmp_path, monkeypatch):
    """The app on a store of this test alone, with an editor for 临汾 created here."""
    from xiancheng import store

    url = f"sqlite:///{tmp_path}/browser.sqlite"
    monkeypatch.setenv("XIANCHENG_DATABASE_URL", url)
    workspace = store.open(url)
    workspace.add_user(store.system_user("test"), "zhang", "correct horse 9", "editor", display_name="张", areas=["141000"])
    with running_app() as (app_url, _process, _seconds):
        yield app_url, workspace
    store.forget(url)


def test_editor_imports_corrects_saves_and_sees_the_indicator(browser, own_app, tmp_path):
    app_url, workspace = own_app
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{app_url}/imports")
    page.get_by_text("此页需要登录").wait_for(timeout=45000)  # opened by URL: a calm message
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("总览", exact=True).wait_for(timeout=15000)
    assert nav.get_by_text("数据导入", exact=True).count() == 0  # not listed for a visitor
    page.get_by_text("登录", exact=True).first.click()
    page.get_by_label("用户名").fill("zhang")
    page.get_by_label("密码").fill("correct horse 9")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录：张").wait_for(timeout=30000)
    nav.get_by_text("数据导入", exact=True).wait_for(timeout=15000)  # listed for an editor

    path = tmp_path / "临汾2023.xlsx"
    path.write_bytes(yearbook())
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.get_by_text("列的对应关系").wait_for(timeout=30000)
    # detected: column C holds a year only; the user names it and gives its unit
    name_c = page.get_by_role("textbox", name="C · 指标名称")
    assert name_c.input_value() == ""
    name_c.fill("一般公共预算收入")
    name_c.press("Enter")
    unit_c = page.get_by_role("textbox", name="C · 单位")
    unit_c.fill("亿元")
    unit_c.press("Enter")
    # once the column is named, its text cell is listed (the preview follows the corrected mapping)
    page.get_by_text("数值列中是文字（一般公共预算收入）").wait_for(timeout=30000)
    page.get_by_text("只保存可保存的行（2 行不能保存").wait_for(timeout=30000)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "暂缺" in body and "数值列中是文字" in body
    assert "名称对应多个单位" in body  # 城区 without a city
    page.get_by_text("只保存可保存的行").click()
    page.get_by_role("button", name="保存导入").click()
    page.get_by_text("已保存“临汾2023”第 1 版").wait_for(timeout=30000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "imports-saved.png"), full_page=True)

    from xiancheng import imported
    from xiancheng.store import imports as stored

    assert {(v.adcode, v.indicator, v.unit, v.year, v.value) for v in stored.values(workspace)} >= {
        ("141025", "一般公共预算收入", "亿元", 2023, 3.2), ("141024", "城镇化率", "%", 2023, 47.0)}
    key = imported.indicator_key("一般公共预算收入", "亿元", "value", False)
    page.goto(f"{app_url}/indicators?indicator={key}")
    # the legend of the map's own element (the one holding the map's container)
    legend = map_scope(page, timeout_ms=45000).locator(f"{MAP_ELEMENT}:has(> {MAP}) .xc-legend")
    legend.wait_for(timeout=45000)
    assert "一般公共预算收入（亿元）" in legend.inner_text()
    page.screenshot(path=str(ARTIFACTS / "imports-map.png"))
    page.goto(f"{app_url}/county?county=141024")
    page.get_by_text("导入的统计数据").wait_for(timeout=45000)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "一般公共预算收入" in body and "12.5 亿元" in body
    assert "临汾2023.xlsx 第4行" in body
    context.close()
