"""In a meeting, at a projector's 1366×768: presentation mode, first screens (browser)."""

import re
import time
from pathlib import Path

import pytest

from appserver import MAP_ELEMENT, MAP_DIV, map_scope
pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def projector(browser, app_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


CENTER = "() => [window.map_div.getCenter().lat, window.map_div.getCenter().lng]"


def map_window(page):
    """Where the map's elements and globals are (the page), once its counties are drawn."""
    page = map_scope(page, timeout_ms=45000)
    page.wait_for_selector(f"{MAP_DIV} path.leaflet-interactive", state="attached", timeout=45000)
    return page


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
    # The address follows the run's query parameters, which can reach the page a moment after
    # the sidebar is drawn (the map is drawn in between, on the same thread): wait for it.
    page.wait_for_function("() => !location.search.includes('mode=present')", timeout=20000)
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
    # The slide map's style rules left with it: the page has only the overview map's rules
    # (a leftover would pile up with every slideshow, and is hidden only while the later
    # map's rules happen to name the same things).
    map_window(projector)
    projector.wait_for_function("""() => document.querySelectorAll('#map_div').length === 1
        && getComputedStyle(document.querySelector('.xc-legend') || document.body).fontSize === '12px'""", timeout=30000)
    assert projector.evaluate(LEGEND_RULES) == ["12px"], "the slide map's style rules stayed in the page"


LEGEND_RULES = """() => [...document.styleSheets].flatMap(sheet => {
  try { return [...sheet.cssRules]; } catch (error) { return []; }
}).filter(rule => rule.selectorText === '.xc-legend').map(rule => rule.style.fontSize)"""


def test_a_slide_fits_the_projector_with_the_card_beside_the_map(projector, app_url):
    projector.goto(app_url + "/?mode=present&set=city:140800&county=140827&lang=en")
    slide_shown(projector, "垣曲县")
    map_window(projector)
    width, height, scroll = projector.evaluate("() => [innerWidth, innerHeight, document.scrollingElement.scrollHeight]")
    assert scroll <= height, "the slide scrolls"
    # The map fills the slide below the title: its element, and the map's own container in it.
    box = projector.locator(MAP_ELEMENT).bounding_box()
    assert box["y"] + box["height"] <= height and box["height"] >= height - 150, box
    inner = projector.locator(MAP_DIV).bounding_box()
    assert inner["y"] + inner["height"] <= height and inner["height"] >= height - 150, inner
    # ... and all of it is seen: nothing around it cuts off its bottom (the scale bar there)
    seen = projector.evaluate("""() => {
        const map = document.querySelector('#map_div'), box = map.getBoundingClientRect();
        const scale = document.querySelector('#map_div .leaflet-control-scale').getBoundingClientRect();
        const at = (x, y) => document.elementFromPoint(x, y);
        return [map.contains(at(box.x + box.width / 2, box.bottom - 3)),
                !!at(scale.x + scale.width / 2, scale.y + scale.height / 2).closest('.leaflet-control-scale')]; }""")
    assert seen == [True, True], seen
    # the panel beside the map (legend, card) may be as tall as the map, not the 600 px it was built with
    side = projector.locator(f"{MAP_ELEMENT} .xc-side").evaluate("""e => {
        const tall = document.createElement('div'); tall.style.height = '5000px'; e.appendChild(tall);
        const height = e.getBoundingClientRect().height; tall.remove(); return height; }""")
    assert abs(side - inner["height"]) <= 1, (side, inner)
    title = projector.get_by_role("heading", name="垣曲县", exact=True).bounding_box()
    assert title["x"] >= box["x"] + box["width"] - 1 and title["y"] < height / 3  # beside, at the top
    counts = projector.get_by_text("own 0 · city-wide").first.bounding_box()
    assert counts["y"] + counts["height"] <= height
    label = projector.get_by_role("button", name="Exit presentation").locator("p").first
    cut = label.evaluate("e => e.scrollWidth > e.clientWidth || e.getBoundingClientRect().right > e.closest('button').getBoundingClientRect().right")
    assert not cut
    legend = projector.locator(f"{MAP_ELEMENT} .xc-legend")
    sizes = legend.evaluate("l => [...l.querySelectorAll('.xc-row span, .xc-title, .xc-note')].map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16, sizes
    ARTIFACTS.mkdir(exist_ok=True)
    projector.screenshot(path=str(ARTIFACTS / "slide-1366.png"))


def test_arrow_keys_step_after_a_map_click_and_keep_the_map(projector, app_url):
    projector.goto(app_url + "/?mode=present&set=type:ecological")
    slide_shown(projector, "垣曲县")
    map_window(projector)
    projector.wait_for_load_state("networkidle")
    # on the map object and its container: a reload replaces both (the page's window stays)
    projector.evaluate("() => { window.map_div.xcSameMap = true; document.querySelector('#map_div').dataset.xcSameMap = '1'; }")
    before = projector.evaluate(CENTER)
    projector.evaluate("() => { window.xcClicked = null; document.addEventListener('mousedown', e => { window.xcClicked = e.target; }, {once: true, capture: true}); }")
    projector.locator(MAP_DIV).click(position={"x": 60, "y": 400})  # a click on the map itself
    assert projector.evaluate("() => !!window.xcClicked && document.querySelector('#map_div').contains(window.xcClicked)")
    projector.keyboard.press("ArrowRight")
    slide_shown(projector, "平陆县")
    projector.keyboard.press("ArrowRight")
    slide_shown(projector, "古县")
    # zoomed to 古县 in place (the card paints first, the map follows)
    projector.wait_for_function(f"(before) => JSON.stringify(({CENTER})()) !== JSON.stringify(before)", arg=before, timeout=10000)
    assert projector.evaluate("() => window.map_div.xcSameMap === true && document.querySelectorAll('#map_div').length === 1"
                              " && document.querySelector('#map_div').dataset.xcSameMap === '1'"), "the step reloaded the map"
    projector.keyboard.press("ArrowLeft")
    slide_shown(projector, "平陆县")
    assert "county=140829" in projector.url


COLOURED_IN_VIEW = """() => {
  const grey = new Set(['#d9d9d9', '#eeeeee', '#ffffff', 'transparent', 'none']);
  return [...document.querySelectorAll('#map_div path.leaflet-interactive')].filter(p => {
    const fill = (p.getAttribute('fill') || '').toLowerCase();
    return fill && !grey.has(fill) && !fill.startsWith('url(#xc-hatch');
  }).map(p => { const r = p.getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right]; });
}"""


@pytest.mark.parametrize("path, painted", [("/", 12), ("/indicators", 6)])
def test_the_coloured_map_is_on_a_projector_first_screen(projector, app_url, path, painted):
    projector.goto(app_url + path)
    map_window(projector)
    projector.wait_for_selector(f"{MAP_ELEMENT} .xc-legend", timeout=30000)
    projector.wait_for_timeout(500)
    box = projector.locator(MAP_ELEMENT).bounding_box()
    assert box["y"] + box["height"] <= 768, "a tall head pushes the map below the first screen"
    coloured = projector.evaluate(COLOURED_IN_VIEW)  # in the page's viewport, as the boxes above
    assert len(coloured) >= painted
    below = [r for r in coloured if r[1] > 768]
    assert not below, f"{len(below)} coloured counties below the first screen"
    ARTIFACTS.mkdir(exist_ok=True)
    projector.screenshot(path=str(ARTIFACTS / f"first-screen{path.replace('/', '-')}.png"))


def test_city_and_county_travel_with_the_sidebar_navigation(projector, app_url):
    projector.goto(app_url + "/?city=140800")
    map_window(projector)
    label = projector.locator(f"{MAP_DIV} .xc-label span").get_by_text("垣曲县", exact=True).first
    box = label.bounding_box()
    projector.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    projector.get_by_text("140827").wait_for(timeout=30000)
    projector.get_by_test_id("stSidebarNavItems").get_by_role("link", name="县域详情").click()  # no parameters of its own
    slide_shown(projector, "垣曲县")
    assert "county=140827" in projector.url
    projector.get_by_test_id("stSidebarNavItems").get_by_role("link", name="指标").click()
    projector.wait_for_url("**/indicators?**city=140800**", timeout=30000)
    projector.wait_for_function("() => (document.querySelector('input[aria-label=\"城市\"]') || {}).value === '运城市'", timeout=30000)
