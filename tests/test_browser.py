"""Real browser against the real app on localhost: the map draws offline and a click works.

CI has no internet, so this passing is the proof that the map needs none.
"""

from pathlib import Path

import pytest

from appserver import MAP_BOX, map_scope

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def county_label(scope, name):
    """The map label of one county (exact: 绛县 must not match 新绛县)."""
    return scope.locator(".xc-label span").get_by_text(name, exact=True)


def wait_for_counties(page, count=117):
    """The map's element, once count county shapes are drawn in it."""
    scope = map_scope(page, timeout_ms=45000).locator(MAP_BOX)
    scope.locator("path.leaflet-interactive").nth(count - 1).wait_for(state="attached", timeout=45000)
    return scope


def test_map_draws_117_counties_offline_and_a_click_shows_the_county(page, app_url):
    page.goto(app_url)
    frame = wait_for_counties(page)
    assert frame.locator("path.leaflet-interactive").count() == 117
    label = county_label(frame, "绛县").first
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text("140826").wait_for(timeout=20000)
    body = page.locator("body").inner_text()
    assert "绛县" in body and "运城市" in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview-click.png"))
    assert page.outside_requests == [], page.outside_requests


def test_city_filter_zooms_to_that_city(page, app_url):
    page.goto(app_url + "/?city=140500")
    frame = wait_for_counties(page)
    # Zoomed to 晋城市: its labels are on screen, far-away 大同 counties are not.
    county_label(frame, "泽州县").first.wait_for(timeout=20000)
    width = page.viewport_size["width"]
    inside = county_label(frame, "泽州县").first.bounding_box()
    outside = county_label(frame, "天镇县").first.bounding_box()
    assert 0 < inside["x"] < width
    assert outside is None or outside["y"] < 0


def test_click_a_county_then_open_its_page(page, app_url):
    page.goto(app_url)
    frame = wait_for_counties(page)
    box = county_label(frame, "垣曲县").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text("140827").wait_for(timeout=20000)
    page.get_by_text("打开县域详情").click()
    page.wait_for_url("**/county?*county=140827*", timeout=20000)
    page.get_by_role("heading", name="垣曲县").wait_for(timeout=20000)
    page.get_by_text("文件中的表述不一致").wait_for(timeout=20000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "county-page.png"))
    assert page.outside_requests == [], page.outside_requests


def test_download_button_delivers_the_map_png(page, app_url):
    page.goto(app_url + "/?city=140800")
    wait_for_counties(page)
    page.get_by_text("导出", exact=True).click()
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name="PNG", exact=True).click()
    download = info.value
    data = Path(download.path()).read_bytes()
    assert download.suggested_filename.startswith("县城类型图_运城市_") and download.suggested_filename.endswith(".png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "exported-type-map.png").write_bytes(data)


def test_presentation_keys_step_through_counties(page, app_url):
    page.goto(app_url + "/?mode=present&set=type:ecological")
    page.get_by_role("heading", name="垣曲县").wait_for(timeout=45000)
    assert page.locator("[data-testid='stSidebar']").is_hidden()
    # The shortcut listener is attached once the button is drawn.
    page.get_by_role("button", name="下一个").wait_for(timeout=20000)
    page.wait_for_load_state("networkidle")
    page.get_by_role("heading", name="垣曲县").click()
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="平陆县").wait_for(timeout=20000)
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="古县").wait_for(timeout=20000)
    assert "county=141025" in page.url
    # No focus ring framing the slide after the keys (Streamlit draws it on stMain::before).
    ring = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stMain]'), '::before').display")
    assert ring == "none"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "presentation.png"))
    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name="平陆县").wait_for(timeout=20000)


# What a map leaves in the page (it is drawn in the page, not in a frame of its own): its
# containers and shapes, the page globals its scripts use, and its style rules.
_MAP_TRACES = """() => ({
  containers: document.querySelectorAll('#map_div').length,
  shapes: document.querySelectorAll('path.leaflet-interactive').length,
  globals: ['map', 'map_div', '__GLOBAL_DATA__', 'Streamlit', 'feature_group', 'layer_control', 'initComponent']
    .filter(name => window[name] !== undefined),
  styles: [...document.head.querySelectorAll('style')].filter(s => s.textContent.includes('.xc-label')).length,
})"""


def test_a_map_leaving_the_page_takes_its_traces_and_comes_back_whole(page, app_url):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(app_url)
    wait_for_counties(page)
    shown = page.evaluate(_MAP_TRACES)
    assert shown["containers"] == 1 and shown["shapes"] == 117 and shown["styles"] == 1, shown
    assert {"map", "map_div", "__GLOBAL_DATA__", "Streamlit"} <= set(shown["globals"]), shown
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("文件", exact=False).first.click()  # a page without a map, in the same tab
    page.wait_for_url("**/documents*", timeout=20000)
    page.wait_for_function("() => !document.querySelector('#map_div')", timeout=20000)
    page.wait_for_timeout(500)
    assert page.evaluate(_MAP_TRACES) == {"containers": 0, "shapes": 0, "globals": [], "styles": 0}
    nav.get_by_text("总览", exact=True).click()
    wait_for_counties(page)
    again = page.evaluate(_MAP_TRACES)
    assert again["containers"] == 1 and again["shapes"] == 117 and again["styles"] == 1, again
    # the map drawn again answers clicks
    box = county_label(page.locator(MAP_BOX), "绛县").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text("140826").wait_for(timeout=20000)
    assert errors == [], errors
    assert page.outside_requests == [], page.outside_requests
