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
    # nothing is selected: the panel's head and its hint to click the map are for the screen
    assert "点击地图上的县区" not in text and "所选县区" not in text
    assert wide_overview.get_by_text("点击地图上的县区查看信息。").is_visible()  # there, on screen
    assert wide_overview.evaluate("window.__printedWidth") == 720
    assert wide_overview.evaluate("() => window.map.getContainer().parentNode.style.width") == ""  # and back


def _as_printed(text: str) -> str:
    """Text as the PDF's text layer compares: NFKC (the font maps some characters to radical
    forms, and full-width punctuation to its narrow form), without spaces (pypdf spaces out
    numbers and Latin words in CJK lines); 页 has a radical form NFKC leaves (U+2EDA)."""
    return "".join(unicodedata.normalize("NFKC", text).replace("\u2eda", "页").split())


def _printed_text(page) -> str:
    pdf = PdfReader(BytesIO(page.pdf(print_background=True, prefer_css_page_size=True)))
    return "".join(_as_printed(p.extract_text()) for p in pdf.pages)


_TABLES_APP = '''
import pandas as pd
import streamlit as st

from xiancheng.ui import widgets

widgets.page_styles()  # the project's page rules (served pages have them in their head)
for rows in (25, 40):
    widgets.table(pd.DataFrame({"序号": range(1, rows + 1), "名称": [f"第{i}项" for i in range(1, rows + 1)]}),
                  name=f"t{rows}", whole_elsewhere="本页的下载")
'''


def test_a_short_table_is_shown_whole_and_a_long_one_says_so_on_paper_only(browser, tmp_path):
    from appserver import running_app

    script = tmp_path / "tables_app.py"
    script.write_text(_TABLES_APP, encoding="utf-8")
    with running_app(script=str(script)) as (url, _process, _seconds):
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        try:
            page = context.new_page()
            page.goto(url)
            tables = page.locator("[data-testid=stDataFrame]")
            tables.nth(1).wait_for(timeout=45000)
            page.wait_for_timeout(500)
            heights = [tables.nth(i).bounding_box()["height"] for i in range(2)]
            assert heights[0] == pytest.approx(38 + 25 * 35, abs=3)  # all 25 rows
            assert heights[1] < 38 + 11 * 35  # Streamlit's own height: about ten of the 40
            assert page.locator(".st-key-xc-paper-t25").count() == 0
            note = page.locator(".st-key-xc-paper-t40")
            assert note.count() == 1 and note.is_hidden()  # on screen the table shows it is cut
            text = _printed_text(page)
            assert _as_printed("此表共 40 行，打印出来只有屏幕上显示的那部分。完整表格：本页的下载。") in text
            assert "此表共25行" not in text
        finally:
            context.close()


def test_the_printed_explorer_says_its_table_is_cut_and_where_it_is_whole(browser, app_url):
    from xiancheng import ui

    data = ui.dataset()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(app_url + "/explorer")
        note = page.locator(".st-key-xc-paper-explorer")
        note.wait_for(state="attached", timeout=45000)
        assert note.is_hidden()
        rows = len(data.tasks) + len(data.projects)
        expected = f"此表共 {rows} 行，打印出来只有屏幕上显示的那部分。完整表格：本页下方的 Excel 或 CSV 下载。"
        assert _as_printed(expected) in _printed_text(page)
    finally:
        context.close()
