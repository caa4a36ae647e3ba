"""The indicator page in a real browser: switching the indicator redraws the legend; a URL
with state reproduces the view; a click shows the county's value. All offline."""

import re
from pathlib import Path

import pytest

from appserver import MAP, MAP_ELEMENT, MAP_DIV, map_scope
from xiancheng import indicators

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PREFAB = indicators.indicator_key("新开工装配式建筑占城镇新建建筑面积比例", "%")

# Marks on what a redraw would replace: the Leaflet map object and its container element
# (the page's window stays whatever happens to the map, so a mark there would prove nothing).
MARK = "() => { window.map_div._xcMark = 1; document.querySelector('#map_div').dataset.xcMark = '1'; }"
MARKED = ("() => !!window.map_div && window.map_div._xcMark === 1"
          " && document.querySelectorAll('#map_div').length === 1"
          " && document.querySelector('#map_div').dataset.xcMark === '1'")


def legend(page, has_text: str, timeout: float = 45000):
    """The map's legend once its title reads has_text."""
    title = page.locator(f"{MAP_ELEMENT} .xc-legend .xc-title", has_text=has_text)
    title.wait_for(timeout=timeout)
    return page.locator(f"{MAP_ELEMENT} .xc-legend")


def wait_for_param(page, pair: str) -> None:
    """Streamlit changes the query string in place (no navigation): poll location.search."""
    page.wait_for_function("pair => location.search.includes(pair)", arg=pair, timeout=20000)


def stable_box(page, locator, quiet_ms: int = 1200, limit_ms: int = 20000):
    """The element's box once it has not moved for quiet_ms (the map fits its bounds and the
    page may re-lay out after the first script run)."""
    box, still, waited = locator.bounding_box(), 0, 0
    while still < quiet_ms and waited < limit_ms:
        page.wait_for_timeout(200)
        waited += 200
        again = locator.bounding_box()
        still = still + 200 if again == box else 0
        box = again
    return box


def selectbox(page, label: str):
    """A Streamlit selectbox's input (a combobox named by its label; its value is the choice)."""
    return page.get_by_role("combobox", name=label, exact=True)


def choose(page, label: str, option_text: str) -> None:
    """Pick an option in a Streamlit selectbox by typing part of its text."""
    selectbox(page, label).click()
    page.keyboard.type(option_text)
    page.get_by_role("option", name=option_text).first.click()


def test_changing_the_indicator_changes_the_legend_and_back_restores_it(page, app_url):
    page.goto(app_url + "/indicators?indicator=derived-tasks")
    before = legend(page, "适用任务数").inner_text()
    assert "33 项" in before and "43 项" in before and "无数据" in before
    # The switch repaints the indicator layer in place: the same map and container, one legend.
    map_scope(page).wait_for_function("() => !!window.map_div", timeout=20000)
    page.evaluate(MARK)
    choose(page, "指标", "重点镇数量")
    after = legend(page, "重点镇数量").inner_text()
    assert after != before and "个" in after
    assert page.evaluate(MARKED), "the switch redrew the base map"
    assert page.evaluate("() => document.querySelectorAll('.xc-legend').length") == 1
    wait_for_param(page, "indicator=derived-key-towns")
    page.locator(f"{MAP_DIV} path.leaflet-interactive").nth(116).wait_for(state="attached", timeout=20000)
    # The back button returns to the previous indicator: URL, widget and legend.
    page.go_back()
    wait_for_param(page, "indicator=derived-tasks")
    assert "43 项" in legend(page, "适用任务数").inner_text()
    page.wait_for_function("() => document.querySelector('input[aria-label=\"指标\"]').value.includes('适用任务数')", timeout=20000)
    assert page.outside_requests == [], page.outside_requests


def test_a_url_with_state_reproduces_widgets_and_legend(page, app_url):
    page.goto(app_url + f"/indicators?indicator={PREFAB}&year=2027-target&method=equal_interval&k=3")
    box = legend(page, "新开工装配式建筑占城镇新建建筑面积比例")
    text = box.inner_text()
    assert "2027年 · 目标值" in text and "等间距" in text and "2 级" in text  # two values: k 3 → 2
    assert "34 %" in text and "36 %" in text
    assert "新开工装配式建筑占城镇新建建筑面积比例" in selectbox(page, "指标").input_value()
    assert selectbox(page, "年份").input_value() == "2027年 · 目标值"
    assert selectbox(page, "分级方法").input_value() == "等间距"
    assert selectbox(page, "分级数").input_value() == "3"
    page.get_by_text("只有 2 个不同数值，分级数由 3 减为 2").wait_for(timeout=20000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "indicators-url-state.png"))


def test_a_city_level_value_and_a_click_on_a_county(page, app_url):
    water = indicators.indicator_key("全市县城公共供水普及率", "%")
    page.goto(app_url + f"/indicators?indicator={water}&year=2027-target&city=140800")
    text = legend(page, "全市县城公共供水普及率").inner_text()
    assert "市级数值" in text
    label = page.locator(f"{MAP_DIV} .xc-label", has_text=re.compile("^绛县$")).first  # not 新绛县
    label.wait_for(timeout=20000)
    if label.locator("span").count():  # the name is drawn in an inner span, shifted onto the point
        label = label.locator("span").first
    box = stable_box(page, label)
    # Mark the map: if the click made Streamlit remount or redraw the map, the mark goes.
    page.evaluate(MARK)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_for_param(page, "county=140826")
    page.get_by_role("heading", name="绛县").wait_for(timeout=20000)
    page.get_by_text("仅有市级数值（运城市），不代表本县").first.wait_for(timeout=20000)
    page.wait_for_timeout(1000)  # let any further rerun land
    assert page.locator(MAP_ELEMENT).count() == 1 and page.locator(MAP).count() == 1
    assert page.evaluate(MARKED), "the click redrew the map"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "indicators-city-level.png"))
    assert page.outside_requests == [], page.outside_requests


SPAN = """() => { const b = window.map_div.getBounds();
                  return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }"""


def map_span(page, test: str, timeout: float = 20000):
    """The map's [south, west, north, east] once test (JS over s, w, n, e) holds for them."""
    page = map_scope(page, timeout_ms=45000)
    page.wait_for_function(f"() => {{ const b = window.map_div && window.map_div.getBounds(); if (!b) return false;"
                           f" const [s, w, n, e] = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; return {test}; }}",
                           timeout=timeout)
    return page.evaluate(SPAN)


def test_an_indicator_with_a_handful_of_units_zooms_to_them_and_the_next_goes_back(page, app_url):
    # Own-plan tasks: only 洪洞县 and 古县 (临汾) have a plan of their own loaded.
    page.goto(app_url + "/indicators?indicator=derived-tasks-own")
    south, west, north, east = map_span(page, "n - s < 2.5 && s < 36.3 && n > 36.3 && w < 111.8 && e > 111.8")
    assert north - south < 2.5, "the map shows the two counties, not the 6° of the province"
    # an indicator with values across the province: back to the view the map opened with
    choose(page, "指标", "重点镇数量")
    legend(page, "重点镇数量")
    south, west, north, east = map_span(page, "n - s > 5")
    assert south < 34.8 and north > 40.5, (south, north)
