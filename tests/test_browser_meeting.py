"""In a meeting, at a projector's 1366×768: presentation mode, first screens (browser)."""

import re
import time
from pathlib import Path

import pytest

from appserver import MAP_FRAME
pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MAP = MAP_FRAME


@pytest.fixture
def projector(browser, app_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


CENTER = "() => [window.map_div.getCenter().lat, window.map_div.getCenter().lng]"


def map_window(page):
    """The map iframe's own frame (to mark it and see that a step keeps it)."""
    page.wait_for_selector(MAP, timeout=45000)
    frame = page.locator(MAP).first.element_handle().content_frame()
    frame.wait_for_selector("path.leaflet-interactive", state="attached", timeout=45000)
    return frame


def slide_shown(page, name):
    page.get_by_role("heading", name=name, exact=True).wait_for(timeout=30000)


def enter_from_sidebar(page):
    button = page.get_by_role("button", name="演示模式")
    button.wait_for(timeout=45000)
    page.wait_for_load_state("networkidle")
    # On the overview's first view the rest of the page follows the painted map in a second
    # run: click once that run has ended, as a person reaching for the button would.
    page.locator(".st-key-xc-after-map").wait_for(state="detached", timeout=45000)
    button.click()
    page.get_by_role("button", name="退出演示").wait_for(timeout=45000)
    page.wait_for_load_state("networkidle")


def leave(page, how):
    if how == "esc":
        page.keyboard.press("Escape")
    else:
        page.get_by_role("button", name="退出演示").click()
    page.get_by_role("button", name="演示模式").wait_for(timeout=30000)
    assert page.locator("[data-testid='stSidebar']").is_visible()
    assert "mode=present" not in page.url


def test_leaving_from_the_default_view_returns_to_the_overview(projector, app_url):
    projector.goto(app_url + "/")
    enter_from_sidebar(projector)
    leave(projector, "esc")
    assert re.fullmatch(r"http://[^/]+/(\?)?", projector.url), projector.url


def test_leaving_from_a_city_returns_to_that_city(projector, app_url):
    projector.goto(app_url + "/?city=141000")
    enter_from_sidebar(projector)
    assert "set=city%3A141000" in projector.url
    leave(projector, "esc")
    # the overview URL follows the switch back a moment later under load: wait for it
    projector.wait_for_url(app_url + "/?city=141000", timeout=20000)


def test_leaving_after_choosing_a_type_set_returns_to_the_view(projector, app_url):
    projector.goto(app_url + "/?city=140800")
    enter_from_sidebar(projector)
    projector.locator("[data-testid=stSelectbox]").first.click()
    projector.get_by_role("option", name="重点生态功能区县城").click()
    projector.wait_for_url("**set=type%3Aecological**", timeout=30000)
    slide_shown(projector, "垣曲县")
    leave(projector, "button")
    assert projector.url.endswith("/?city=140800"), projector.url


def test_leaving_from_a_county_page_returns_to_it(projector, app_url):
    projector.goto(app_url + "/county?county=140827")
    slide_shown(projector, "垣曲县")
    enter_from_sidebar(projector)
    slide_shown(projector, "垣曲县")
    leave(projector, "button")
    assert "/county?county=140827" in projector.url
    slide_shown(projector, "垣曲县")


def test_leaving_a_deep_link_opens_the_overview_of_its_county(projector, app_url):
    projector.goto(app_url + "/?mode=present&county=140827&set=city:140800")
    slide_shown(projector, "垣曲县")
    map_window(projector)
    projector.wait_for_load_state("networkidle")
    leave(projector, "esc")
    assert "/?" in projector.url and "city=140800" in projector.url and "county=140827" in projector.url


def test_a_slide_fits_the_projector_with_the_card_beside_the_map(projector, app_url):
    projector.goto(app_url + "/?mode=present&set=city:140800&county=140827&lang=en")
    slide_shown(projector, "垣曲县")
    frame = map_window(projector)
    width, height, scroll = projector.evaluate("() => [innerWidth, innerHeight, document.scrollingElement.scrollHeight]")
    assert scroll <= height, "the slide scrolls"
    box = projector.locator(MAP).first.bounding_box()
    assert box["y"] + box["height"] <= height and box["height"] >= height - 150, box
    title = projector.get_by_role("heading", name="垣曲县", exact=True).bounding_box()
    assert title["x"] >= box["x"] + box["width"] - 1 and title["y"] < height / 3  # beside, at the top
    counts = projector.get_by_text("own 0 · city-wide").first.bounding_box()
    assert counts["y"] + counts["height"] <= height
    label = projector.get_by_role("button", name="Exit presentation").locator("p").first
    cut = label.evaluate("e => e.scrollWidth > e.clientWidth || e.getBoundingClientRect().right > e.closest('button').getBoundingClientRect().right")
    assert not cut
    sizes = frame.evaluate("() => [...document.querySelectorAll('.xc-legend .xc-row span, .xc-legend .xc-title, .xc-legend .xc-note')].map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16, sizes
    ARTIFACTS.mkdir(exist_ok=True)
    projector.screenshot(path=str(ARTIFACTS / "slide-1366.png"))


def test_arrow_keys_step_after_a_map_click_and_keep_the_map(projector, app_url):
    projector.goto(app_url + "/?mode=present&set=type:ecological")
    slide_shown(projector, "垣曲县")
    frame = map_window(projector)
    projector.wait_for_load_state("networkidle")
    frame.evaluate("() => { window.xcSameMap = true; }")
    before = frame.evaluate(CENTER)
    projector.locator(MAP).first.click(position={"x": 60, "y": 400})  # focus goes into the map
    assert projector.evaluate("() => document.activeElement.tagName") == "IFRAME"
    projector.keyboard.press("ArrowRight")
    slide_shown(projector, "平陆县")
    projector.keyboard.press("ArrowRight")
    slide_shown(projector, "古县")
    # zoomed to 古县 in place (the card paints first, the map follows)
    frame.wait_for_function(f"(before) => JSON.stringify(({CENTER})()) !== JSON.stringify(before)", arg=before, timeout=10000)
    assert frame.evaluate("() => window.xcSameMap === true"), "the step reloaded the map"
    projector.keyboard.press("ArrowLeft")
    slide_shown(projector, "平陆县")
    assert "county=140829" in projector.url


COLOURED_IN_VIEW = """() => {
  const grey = new Set(['#d9d9d9', '#eeeeee', '#ffffff', 'transparent', 'none']);
  return [...document.querySelectorAll('path.leaflet-interactive')].filter(p => {
    const fill = (p.getAttribute('fill') || '').toLowerCase();
    return fill && !grey.has(fill) && !fill.startsWith('url(#xc-hatch');
  }).map(p => { const r = p.getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right]; });
}"""


@pytest.mark.parametrize("path, painted", [("/", 12), ("/indicators", 6)])
def test_the_coloured_map_is_on_a_projector_first_screen(projector, app_url, path, painted):
    projector.goto(app_url + path)
    frame = map_window(projector)
    frame.wait_for_selector(".xc-legend", timeout=30000)
    projector.wait_for_timeout(500)
    box = projector.locator(MAP).first.bounding_box()
    assert box["y"] + box["height"] <= 768, "a tall head pushes the map below the first screen"
    coloured = frame.evaluate(COLOURED_IN_VIEW)
    assert len(coloured) >= painted
    below = [r for r in coloured if box["y"] + r[1] > 768]
    assert not below, f"{len(below)} coloured counties below the first screen"
    ARTIFACTS.mkdir(exist_ok=True)
    projector.screenshot(path=str(ARTIFACTS / f"first-screen{path.replace('/', '-')}.png"))


def test_city_and_county_travel_with_the_sidebar_navigation(projector, app_url):
    projector.goto(app_url + "/?city=140800")
    map_window(projector)
    frame = projector.frame_locator(MAP).first
    label = frame.locator(".xc-label span").get_by_text("垣曲县", exact=True).first
    box = label.bounding_box()
    projector.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    projector.get_by_text("140827").wait_for(timeout=30000)
    projector.get_by_test_id("stSidebarNavItems").get_by_role("link", name="县域详情").click()  # no parameters of its own
    slide_shown(projector, "垣曲县")
    assert "county=140827" in projector.url
    projector.get_by_test_id("stSidebarNavItems").get_by_role("link", name="指标").click()
    projector.wait_for_url("**/indicators?**city=140800**", timeout=30000)
    projector.wait_for_function("() => (document.querySelector('input[aria-label=\"城市\"]') || {}).value === '运城市'", timeout=30000)
