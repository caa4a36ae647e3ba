"""The map as it is read on office screens and projectors (issue 10), measured in Chromium:
labels never overlap and stay readable on every fill, the legend never covers a county, the
attribution has no flag and the scale is metric, the map opens where the data is, and a
click shows the county's card inside the map at once."""

import io
import re
from urllib.parse import urlsplit

import pytest
from PIL import Image

from appserver import MAP, MAP_BOX, label_point, map_scope, wait_for_counties
pytestmark = pytest.mark.browser
SCREENS = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}

# The map's element, in the page's scripts below (ROOT in them).
_ROOT = "document.getElementById('map_div').parentElement"


def _js(script: str) -> str:
    return script.replace("ROOT", _ROOT)


# Pairs of visible label boxes that intersect (labels hidden by culling or zoom excluded).
_OVERLAPS = _js("""() => {
  const boxes = [...ROOT.querySelectorAll('.xc-label span')]
    .filter(s => s.offsetParent && getComputedStyle(s).visibility !== 'hidden')
    .map(s => ({name: s.textContent, r: s.getBoundingClientRect()}));
  const pairs = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) pairs.push([boxes[i].name, boxes[j].name]);
  }
  return {visible: boxes.length, pairs};
}""")

# Points on a 4 px grid over the legend where a county shape lies underneath it.
_UNDER_LEGEND = _js("""() => {
  const legend = ROOT.querySelector('.xc-legend').getBoundingClientRect();
  const hits = new Set();
  for (let x = legend.left; x <= legend.right; x += 4) for (let y = legend.top; y <= legend.bottom; y += 4) {
    for (const el of document.elementsFromPoint(x, y)) {
      if (el.matches('path.leaflet-interactive')) { hits.add(x + ',' + y); break; }
    }
  }
  return {width: legend.width, covered: hits.size};
}""")


def open_map(browser, app_url, path, size, lang="zh"):
    width, height = SCREENS[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.goto(app_url + path)
    scope = map_scope(page, timeout_ms=45000).locator(MAP_BOX)
    scope.locator("path.leaflet-interactive").nth(0).wait_for(state="attached", timeout=45000)
    scope.locator(".xc-legend").wait_for(timeout=45000)
    page.wait_for_timeout(1500)  # fonts, fitting beside the legend, label culling
    return context, page, scope


@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("path", ["/", "/indicators"])
def test_labels_never_overlap_and_hidden_ones_show_on_zoom(browser, app_url, size, path):
    context, page, scope = open_map(browser, app_url, path, size)
    try:
        shown = page.evaluate(_OVERLAPS)
        assert shown["pairs"] == [], shown["pairs"]
        assert shown["visible"] >= 12, shown  # not zero overlaps by showing nothing
        hidden = page.evaluate(_js("""() => [...ROOT.querySelectorAll('.xc-label:not(.xc-label-d) span')]
            .filter(s => getComputedStyle(s).visibility === 'hidden').map(s => s.textContent)"""))
        if not hidden:
            return
        # Zoom in on a hidden label: it gets room and is shown, still without overlaps.
        name = hidden[0]
        page.evaluate(_js("""(name) => {
            const span = [...ROOT.querySelectorAll('.xc-label span')].find(s => s.textContent === name);
            const marker = Object.values(window.map._layers).find(l => l.getElement && l.getElement() && l.getElement().firstChild === span);
            window.map.setView(marker.getLatLng(), window.map.getZoom() + 2, {animate: false});
        }"""), name)
        page.wait_for_timeout(500)
        visible = page.evaluate(_js("""(name) => [...ROOT.querySelectorAll('.xc-label span')]
            .some(s => s.textContent === name && getComputedStyle(s).visibility !== 'hidden')"""), name)
        assert visible, name
        assert page.evaluate(_OVERLAPS)["pairs"] == []
    finally:
        context.close()


def _luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_label_is_readable_on_the_darkest_fill(browser, app_url):
    """Contrast of each label's text against what is behind its letters, from the pixels.

    The indicator page's top class is the darkest fill (芮城县 among them); the text colour is
    the darkest 5 % of a label's pixels, the background the median.
    """
    context, page, scope = open_map(browser, app_url, "/indicators?indicator=derived-tasks", "1366x768")
    try:
        # The shot is of the map's container: label boxes relative to it (taken after the shot,
        # which scrolls the container into view).
        shot = Image.open(io.BytesIO(page.locator(MAP).screenshot())).convert("RGB")
        boxes = page.evaluate(_js("""() => {
            const m = document.getElementById('map_div').getBoundingClientRect();
            return [...ROOT.querySelectorAll('.xc-label span')]
              .filter(s => s.offsetParent && getComputedStyle(s).visibility !== 'hidden')
              .map(s => { const r = s.getBoundingClientRect(); return [s.textContent, r.left - m.left, r.top - m.top, r.width, r.height]; });
        }"""))
        size = page.evaluate("() => { const m = document.getElementById('map_div').getBoundingClientRect(); return [m.width, m.height]; }")
        assert all(abs(a - b) <= 1 for a, b in zip(shot.size, size)), (shot.size, size)  # the shot is the container
        names = [b[0] for b in boxes]
        assert "芮城县" in names, names
        worst = []
        for name, x, y, width, height in boxes:
            crop = shot.crop((round(x), round(y), round(x + width), round(y + height)))
            levels = sorted(_luminance(p) for p in crop.get_flattened_data())
            text = sum(levels[: max(1, len(levels) // 20)]) / max(1, len(levels) // 20)
            background = levels[len(levels) // 2]
            ratio = (background + 0.05) / (text + 0.05)
            worst.append((round(ratio, 2), name))
        worst.sort()
        assert worst[0][0] >= 4.5, worst[:5]
    finally:
        context.close()


@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_legend_never_covers_a_county(browser, app_url, size, lang):
    query = "?lang=en" if lang == "en" else ""
    for path in ("/", "/indicators"):
        context, page, scope = open_map(browser, app_url, path + query, size)
        try:
            under = page.evaluate(_UNDER_LEGEND)
            assert under["covered"] == 0, (path, under)
        finally:
            context.close()


@pytest.mark.parametrize("path", ["/", "/indicators?lang=en"])
def test_on_a_narrow_screen_the_map_keeps_its_width_and_the_legend_folds(browser, app_url, path):
    # At 1024 px the legend beside the map left the map 142 px of a 390 px element. There the
    # map takes the whole width and the legend waits behind a button, over the map's edge.
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(app_url + path)
        scope = map_scope(page, timeout_ms=45000).locator(MAP_BOX)
        scope.locator("path.leaflet-interactive").nth(0).wait_for(state="attached", timeout=45000)
        page.wait_for_timeout(1500)
        element, inner = scope.bounding_box(), scope.locator("#map_div").bounding_box()
        assert inner["width"] >= element["width"] - 1 and element["width"] < 600, (element, inner)
        legend, toggle = scope.locator(".xc-legend"), scope.locator(".xc-legend-toggle")
        assert legend.is_hidden() and toggle.is_visible()
        assert toggle.inner_text() == ("图例" if path == "/" else "Legend")
        toggle.click()
        legend.wait_for(state="visible", timeout=5000)
        assert toggle.get_attribute("aria-expanded") == "true"
        box = legend.bounding_box()  # over the map's right edge, inside it
        assert box["x"] + box["width"] <= inner["x"] + inner["width"] and box["x"] > inner["x"], (box, inner)
        toggle.click()
        legend.wait_for(state="hidden", timeout=5000)
        # a wide screen keeps the legend beside the map, with no button
        page.set_viewport_size({"width": 1920, "height": 1080})
        legend.wait_for(state="visible", timeout=5000)
        page.wait_for_timeout(500)
        inner, box = scope.locator("#map_div").bounding_box(), legend.bounding_box()
        assert toggle.is_hidden() and box["x"] >= inner["x"] + inner["width"], (box, inner)
    finally:
        context.close()


def test_attribution_without_flag_and_metric_scale(browser, app_url):
    context, page, scope = open_map(browser, app_url, "/", "1366x768")
    try:
        attribution = scope.locator(".leaflet-control-attribution")
        assert attribution.locator("svg, img").count() == 0
        assert "Leaflet" in attribution.inner_text()
        lines = scope.locator(".leaflet-control-scale-line").all_inner_texts()
        assert len(lines) == 1 and lines[0].strip().endswith(("km", " m")), lines
    finally:
        context.close()


def _on_screen(page, name):
    """Whether a county's shape is inside the map's visible area (its box centre)."""
    return page.evaluate("""(name) => {
        const layer = Object.values(window.map._layers).find(l => l.feature && l.feature.properties.name === name && l._path);
        const c = window.map.latLngToContainerPoint(layer.getBounds().getCenter());
        const size = window.map.getSize();
        return c.x >= 0 && c.y >= 0 && c.x <= size.x && c.y <= size.y;
    }""", name)


def test_overview_opens_where_the_data_is_and_one_click_shows_the_province(browser, app_url):
    # The loaded documents classify 运城's counties only: the map opens on them, not on a
    # screen of grey, and the 全省 button shows the whole province.
    context, page, scope = open_map(browser, app_url, "/", "1366x768")
    try:
        assert _on_screen(page, "芮城县") and _on_screen(page, "河津市")
        assert not _on_screen(page, "天镇县")
        scope.get_by_role("button", name="全省").click()
        page.wait_for_timeout(400)
        assert _on_screen(page, "天镇县") and _on_screen(page, "芮城县")
        assert page.evaluate(_UNDER_LEGEND)["covered"] == 0
    finally:
        context.close()


def test_a_click_shows_the_county_card_inside_the_map(browser, app_url):
    context, page, scope = open_map(browser, app_url, "/", "1366x768")
    try:
        # A real click at the county's label point (labels let clicks through to the shape).
        # The whole map in view first: a press on a map cut off by the window's edge scrolls
        # the page (focus), and the release then lands elsewhere.
        page.locator(MAP).scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        x, y = label_point(page, "稷山县")
        page.mouse.click(x, y)
        card = scope.locator(".xc-card")
        card.wait_for(timeout=2000)
        text = card.inner_text()
        assert "稷山县" in text and "运城市" in text
        assert page.evaluate(_UNDER_LEGEND)["covered"] == 0
        page.get_by_role("heading", name="稷山县").wait_for(timeout=20000)  # the side panel follows
    finally:
        context.close()


def test_the_maps_own_look_wins_over_leaflets_defaults(browser, app_url):
    # Leaflet's sheet is in the page's head and the map's own rules come after it: the map's
    # ground is off-white, its text in a CJK font, the attribution and scale small.
    context, page, scope = open_map(browser, app_url, "/", "1366x768")
    try:
        look = page.evaluate(_js("""() => {
          const style = (selector) => getComputedStyle(ROOT.querySelector(selector));
          return {ground: style('.leaflet-container').backgroundColor, font: style('.leaflet-container').fontFamily,
                  attribution: style('.leaflet-control-attribution').fontSize, scale: style('.leaflet-control-scale-line').fontSize,
                  pane: style('.leaflet-pane').position};
        }"""))
        assert look["ground"] == "rgb(251, 251, 248)"
        assert look["font"].startswith('"Noto Sans CJK SC"')
        assert look["attribution"] == look["scale"] == "12px"
        assert look["pane"] == "absolute"  # Leaflet's own rules apply too
    finally:
        context.close()


def test_the_first_map_takes_the_pages_geometry_and_later_maps_fetch_their_own(browser, app_url):
    # The page's head fetches the geometry while it waits for the server; the first map takes
    # it from there. Here that early fetch fails: the map fetches the file again and draws.
    # A later map (another page in the same document) finds nothing left and fetches its own.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    requests = []
    failed = []

    def geometry(route):
        requests.append(route.request.url)
        if "counties-web" in route.request.url and not failed:
            failed.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r".*/app/static/geo/.*"), geometry)
    try:
        page.goto(app_url + "/")
        wait_for_counties(page)
        assert failed and sum("counties-web" in u for u in requests) == 2  # the head's, then the map's
        assert page.evaluate("() => Object.keys(window.xcGeometry)") == []  # taken by the first map
        page.get_by_role("link", name="指标").click()
        for _ in range(200):  # the indicator map's own request
            if sum("counties-web" in u for u in requests) == 3:
                break
            page.wait_for_timeout(100)
        page.wait_for_function("""() => location.pathname.endsWith('/indicators') && document.querySelectorAll('#map_div').length === 1
                                  && document.querySelectorAll('#map_div path.leaflet-interactive').length >= 117""", timeout=30000)
        assert sum("counties-web" in u for u in requests) == 3
    finally:
        context.close()


def test_a_first_visit_to_a_page_without_a_map_does_not_fetch_leaflet_or_the_geometry(browser, app_url):
    # The documents page draws no map: its first visit leaves Leaflet and the boundaries
    # alone. The overview opened from its navigation then loads them for its map.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url.rsplit("/", 1)[1])
            if "/app/static/geo/" in request.url or request.url.endswith("/leaflet.js") else None)
    try:
        page.goto(app_url + "/documents")
        page.get_by_role("link", name="总览").wait_for(timeout=45000)
        page.wait_for_timeout(1000)
        assert requests == [] and page.evaluate("() => [window.xcGeometry, typeof window.L]") == [{}, "undefined"]
        page.get_by_role("link", name="总览").click()
        wait_for_counties(page)
        assert sorted(u.split("-web")[0] for u in requests) == ["city-lines", "counties", "leaflet.js"]
    finally:
        context.close()


def test_a_leaflet_script_that_did_not_arrive_is_asked_for_once_more(browser, app_url):
    # The page's head asks for Leaflet's script; that request fails (a dropped connection).
    # The map asks once more and draws.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    requests = []

    def leaflet(route):
        requests.append(route.request.url)
        route.abort() if len(requests) == 1 else route.continue_()

    page.route(re.compile(r".*/leaflet\.js$"), leaflet)
    try:
        page.goto(app_url + "/")
        wait_for_counties(page)
        assert len(requests) == 2
        assert page.locator(".xc-map-failed").count() == 0
    finally:
        context.close()


def _failed_map(browser, app_url, pattern, answer):
    """The overview with every request matching pattern answered by answer(route): the box in
    the map's place, and the page's rest (the counts per type), which follows without a click."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    asked = []
    page.route(pattern, lambda route: (asked.append(route.request.url), answer(route)))
    page.goto(app_url + "/")
    box = page.locator(f"{MAP_BOX} .xc-map-failed")
    box.wait_for(timeout=45000)
    page.get_by_text("各类型县级单位数").wait_for(timeout=30000)
    assert page.locator(".st-key-xc-after-map").count() == 0  # the waiting note is gone
    return context, page, box, asked


def test_a_map_whose_leaflet_never_arrives_says_so_and_the_page_goes_on(browser, app_url):
    context, page, box, asked = _failed_map(browser, app_url, re.compile(r".*/leaflet\.js$"), lambda route: route.abort())
    try:
        lines = box.locator("div").all_inner_texts()
        assert lines[0] == "地图未能载入：地图程序（Leaflet）没有取到。请刷新页面重试；若仍不行，请联系系统管理员。"
        assert lines[1] == urlsplit(asked[0]).path and lines[1].endswith("/leaflet.js")
        assert len(asked) == 2  # the head's request, then the map's once more
        assert page.locator("path.leaflet-interactive").count() == 0
    finally:
        context.close()


def test_a_map_whose_boundaries_never_arrive_names_the_file_and_keeps_its_legend(browser, app_url):
    from xiancheng.offline import geometry_url

    counties = geometry_url("counties_web.geojson")
    context, page, box, asked = _failed_map(browser, app_url, re.compile(re.escape(counties) + "$"),
                                            lambda route: route.fulfill(status=500, body="server error"))
    try:
        lines = box.locator("div").all_inner_texts()
        assert lines[0] == "地图未能载入：边界数据没有取到。请刷新页面重试；若仍不行，请联系系统管理员。"
        assert lines[1:] == [f"{counties}: HTTP 500"]
        assert len(asked) == 2  # the head's early request, then the map's own
        assert page.locator(f"{MAP_BOX} .xc-legend").count() == 1  # the rest of the map is there
        assert page.locator("path.leaflet-interactive").count() == 0
    finally:
        context.close()


# Moments (Date.now) when the map's container is created, its 117 county shapes exist, and
# the overview's per-city table (its last element) appears, watched in every animation frame.
_ORDER = """(() => {
  if (window !== window.top) return;
  window.__order = {};
  const check = () => {
    const o = window.__order, now = Date.now();
    const container = document.getElementById('map_div');
    const box = () => { const r = container.getBoundingClientRect(); return [r.x, r.y, r.width]; };
    if (container && !o.container) o.container = now;
    const root = container && container.parentElement;
    if (root && !o.drawn && root.querySelectorAll('path.leaflet-interactive').length >= 117) { o.drawn = now; o.drawnBox = box(); }
    if (!o.sidebarWidget && document.querySelector('[data-testid=stSidebar] .stButton, [data-testid=stSidebar] .stCheckbox')) o.sidebarWidget = now;
    if (!o.navigation && document.querySelector('[data-testid=stSidebarNav]')) o.navigation = now;
    if (!o.table && document.querySelectorAll('[data-testid=stMain] table').length >= 2) { o.table = now; o.tableBox = box(); }
    if (!o.table || !o.navigation || !o.sidebarWidget) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();"""


@pytest.mark.parametrize("width", [1024, 1366, 1920])
def test_overview_draws_the_map_first_and_the_rest_once_it_is_painted(browser, app_url, width):
    # The page's other elements no longer hold up the map: on a first view they are
    # sent once the map reports its counties painted, and then all of them arrive.
    # The title among them, in the place kept for it: the map does not move.
    context = browser.new_context(viewport={"width": width, "height": 768}, locale="zh-CN")
    context.add_init_script(_ORDER)
    page = context.new_page()
    try:
        page.goto(app_url + "/")
        page.wait_for_function("() => window.__order.table > 0 && window.__order.navigation > 0 && window.__order.sidebarWidget > 0", timeout=60000)
        order = page.evaluate("() => window.__order")
        assert order["container"] and order["drawn"], order
        assert order["drawn"] <= order["table"], order
        # the sidebar's own widgets (language, 演示模式, sign-in) come with the rest: nothing
        # there can be clicked in the moment the map reports itself painted
        assert order["drawn"] <= order["sidebarWidget"], order
        # and so do the navigation's links, which the browser would render before the map
        assert order["drawn"] <= order["navigation"], order
        # the map does not move as the rest arrives (the sidebar is there from the start)
        assert order["drawnBox"] == order["tableBox"], order
        for text in ("所选县区", "各类型县级单位数", "已载入文件（", "各市县城类型统计", "点击地图上的县区查看信息。"):
            page.get_by_text(text, exact=False).first.wait_for(timeout=10000)
        assert page.locator(".st-key-xc-after-map").count() == 0  # the waiting note is gone
        assert "县域详情" in page.get_by_test_id("stSidebarNav").inner_text()
    finally:
        context.close()


# The waiting container (ui.mapview.rest_waits_for_map) reaching the page only after the
# map has painted, as when the server sends the two in separate messages: the container's
# key class is held back until 0.8 s after the 117 shapes are on screen.
_LATE_CONTAINER = """(() => {
  const KEY = 'st-key-xc-after-map';
  let held = null, painted = false;
  window.__restored = 0;
  const watch = new MutationObserver(() => {
    if (!held) { const box = document.querySelector('.' + KEY); if (box) { held = box; box.classList.remove(KEY); } }
    if (held && !painted && document.querySelectorAll('path.leaflet-interactive').length >= 117) {
      painted = true;
      setTimeout(() => { held.classList.add(KEY); window.__restored = Date.now(); watch.disconnect(); }, 800);
    }
  });
  document.addEventListener('DOMContentLoaded', () => watch.observe(document.body, {childList: true, subtree: true}));
})();"""


def test_overview_rest_follows_a_waiting_note_that_arrives_after_the_map(browser, app_url):
    # The map reports itself painted only to a page that waits for it; a page whose waiting
    # note came after the painting was left waiting for good (a CI run saw it: the sidebar's
    # 演示模式 never came). The map now watches for the note a while.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.add_init_script(_LATE_CONTAINER)
    page = context.new_page()
    try:
        page.goto(app_url + "/")
        page.wait_for_function("() => window.__restored > 0", timeout=60000)
        page.wait_for_function("() => document.querySelectorAll('[data-testid=stMain] table').length >= 2", timeout=30000)
        page.get_by_role("button", name="演示模式").wait_for(timeout=10000)
        assert page.locator("[data-testid=stMain] table").count() >= 2
    finally:
        context.close()


def test_overview_rest_follows_by_itself_when_the_map_cannot_paint(browser, app_url):
    # A map that never paints must not hide the counts and lists for good: after
    # REST_WAITS_AT_MOST seconds the page stops waiting for it, and the map says it is still
    # loading until its counties are drawn. Here the boundaries' requests stall, answered only
    # at the end (a file that fails is named in the map, and the rest follows at once: the
    # tests above).
    from xiancheng.ui.mapview import REST_WAITS_AT_MOST

    held = []
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.route(re.compile(r".*/app/static/geo/.*"), lambda route: held.append(route))
    page = context.new_page()
    try:
        page.goto(app_url + "/")
        note = page.get_by_text("地图显示后载入统计与文件列表", exact=False)
        note.wait_for(timeout=60000)
        assert page.locator("[data-testid=stMain] table").count() == 0
        assert page.locator(".xc-map-slow").count() == 0
        # plain text in a caption's look (widgets.COMPACT_CSS), not the body's 16 px
        look = "(el) => { const s = getComputedStyle(el.closest('[data-testid=stText]')); return [s.fontSize, s.opacity]; }"
        assert note.evaluate(look) == ["14px", "0.6"]
        page.get_by_text("各市县城类型统计", exact=False).first.wait_for(timeout=(REST_WAITS_AT_MOST + 30) * 1000)
        page.wait_for_function("() => document.querySelectorAll('[data-testid=stMain] table').length >= 2", timeout=30000)
        page.locator(".st-key-xc-after-map").wait_for(state="detached", timeout=30000)  # when the run ends
        page.get_by_role("button", name="演示模式").wait_for(timeout=10000)  # the sidebar's widgets too
        slow = page.locator(f"{MAP_BOX} .xc-map-slow[role=status]")
        assert slow.inner_text() == "地图仍在载入：网络较慢，所需文件还没有全部取到。"
        assert page.locator("path.leaflet-interactive").count() == 0
        for route in held:  # the files arrive at last: the counties are drawn, the notice goes
            route.continue_()
        wait_for_counties(page)
        slow.wait_for(state="detached", timeout=10000)
        assert page.locator(".xc-map-failed").count() == 0
    finally:
        context.close()
