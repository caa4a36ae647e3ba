"""On paper (browser): a printed page is an A4 landscape sheet with the page's content and
without the sidebar, toolbar and buttons, and its map fitted whole to the sheet, not cut
off (ui.widgets.COMPACT_CSS's print rules; maps._View's beforeprint / afterprint)."""

import unicodedata
from io import BytesIO

import pytest
from pypdf import PdfReader

from appserver import wait_for_counties

pytestmark = pytest.mark.browser

# The map's element, its map and panel, and whether the view's target is wholly in view.
_GEOMETRY = """() => {
    const map = window.map, box = map.getContainer().parentNode;
    const target = L.latLngBounds(map.xcTarget());
    return {element: box.getBoundingClientRect().width, map: map.getSize().x,
            side: map.xcSide.getBoundingClientRect().width,
            legend: getComputedStyle(map.xcSide.querySelector('.xc-legend')).display,
            fitted: map.getBounds().pad(0.001).contains(target)};
}"""


@pytest.fixture
def wide_overview(browser, app_url):
    # A wide screen: its map (~1000 px) is wider than a sheet leaves it.
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.goto(app_url + "/")
    wait_for_counties(page)
    page.locator(".st-key-xc-after-map").wait_for(state="detached", timeout=45000)  # the rest of the page
    page.get_by_role("heading", name="各市县城类型统计").wait_for(timeout=30000)
    page.wait_for_timeout(1000)
    yield page
    context.close()


def test_the_map_fits_the_sheet_while_printing_and_is_as_before_after(wide_overview):
    page = wide_overview
    before = page.evaluate(_GEOMETRY)
    assert before["element"] > 900 and before["fitted"]
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    printing = page.evaluate(_GEOMETRY)
    assert printing["element"] == 720
    assert printing["map"] == pytest.approx(720 - printing["side"] - 8, abs=1)  # the legend beside it
    assert printing["legend"] != "none" and printing["fitted"]
    assert page.locator("[data-testid=stSidebar]").is_hidden()
    assert page.locator(".leaflet-control-zoom").is_hidden()
    page.emulate_media(media="screen")  # the sheet is done, then afterprint (as in a browser)
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    after = page.evaluate(_GEOMETRY)
    assert after["element"] == pytest.approx(before["element"], abs=1) and after["map"] == before["map"]
    assert after["fitted"]


def test_the_printed_overview_is_a_landscape_sheet_without_the_sidebar(wide_overview):
    # What the map's element measured on the sheet (this listener runs after the map's own).
    wide_overview.evaluate("""() => addEventListener('beforeprint', () => {
        window.__printedWidth = window.map.getContainer().parentNode.getBoundingClientRect().width; })""")
    pdf = PdfReader(BytesIO(wide_overview.pdf(print_background=True, prefer_css_page_size=True)))
    first = pdf.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    assert width == pytest.approx(842, abs=2) and height == pytest.approx(595, abs=2)  # A4 landscape, points
    # NFKC: the CJK font's glyphs map some characters to their Kangxi radical forms (⼀ for 一)
    pages = [unicodedata.normalize("NFKC", page.extract_text()) for page in pdf.pages]
    text = "\n".join(pages)
    assert "县城一张图" in pages[0]
    assert "各市县城类型统计" in text  # the page's content, all of it
    for chrome in ("催报提醒", "演示模式", "English", "登录"):  # sidebar, buttons
        assert chrome not in text, chrome
    assert wide_overview.evaluate("window.__printedWidth") == 720
    assert wide_overview.evaluate("() => window.map.getContainer().parentNode.style.width") == ""  # and back
