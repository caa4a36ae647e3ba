"""Reading a cited line and the explorer's table on office and projector screens (browser)."""

import pytest

pytestmark = pytest.mark.browser

LONG_PLAN = "004_908121938bbe22ca.txt"  # 1,400 lines
CITED_IN_VIEW = """() => { const r = document.getElementById('cited').getBoundingClientRect();
                           return r.top >= 0 && r.bottom <= window.innerHeight; }"""


def new_page(browser, width, height):
    return browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True).new_page()


@pytest.fixture
def projector(browser, app_url):
    page = new_page(browser, 1366, 768)
    yield page
    page.context.close()


def test_a_source_link_brings_the_cited_line_into_view(projector, app_url):
    projector.goto(f"{app_url}/documents?doc={LONG_PLAN}&from=930&to=931")
    cited = projector.locator("#cited")
    cited.wait_for(timeout=45000)
    # the cited line is highlighted and scrolled inside the viewport (it is drawn ~1,160 px down)
    projector.wait_for_function(CITED_IN_VIEW, timeout=15000)
    assert cited.get_attribute("data-line") == "930"
    assert "xc-hit" in cited.get_attribute("class")
    assert cited.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 241, 184)"
    # the whole document shown: line 930 is some 44,000 px down, and still brought into view
    projector.get_by_text("显示全文").click()
    projector.wait_for_function("() => document.querySelectorAll('.xc-line').length > 1000", timeout=30000)
    projector.wait_for_function(CITED_IN_VIEW, timeout=15000)


@pytest.fixture
def office(browser, app_url):
    page = new_page(browser, 1920, 1080)
    yield page
    page.context.close()


def grid_rows(image):
    """(row height, most text lines in one row) of a data grid screenshot: rows lie between
    the grid's light full-width separator lines; a text line is a band of dark pixels."""
    grey = image.convert("L")
    width, height = grey.size
    pixels = grey.load()
    columns = range(0, width, 4)
    separators = [y for y in range(height) if sum(200 <= pixels[x, y] <= 248 for x in columns) > 0.85 * len(columns)]
    rows = [(a, b) for a, b in zip(separators, separators[1:]) if b - a > 12]
    lines_per_row = []
    for top, bottom in rows[1:6]:  # the header row first
        inked = [any(pixels[x, y] < 110 for x in range(0, width, 2)) for y in range(top + 1, bottom)]
        lines_per_row.append(sum(1 for i, ink in enumerate(inked) if ink and (i == 0 or not inked[i - 1])))
    gaps = sorted(b - a for a, b in rows[1:])
    return gaps[len(gaps) // 2], max(lines_per_row)


def test_explorer_rows_wrap_their_text_and_the_table_uses_the_window(office, app_url):
    import io

    from PIL import Image

    office.goto(f"{app_url}/explorer")
    grid = office.locator("[data-testid=stDataFrameResizable]").first
    grid.wait_for(timeout=45000)
    office.wait_for_load_state("networkidle")
    office.wait_for_timeout(1500)
    box, window = grid.bounding_box(), office.evaluate("innerHeight")
    assert box["height"] >= 0.8 * window, (box, window)  # Streamlit's default: 400 px of 1080
    # the next element starts right below the table (no empty space reserved for all rows)
    # (the next element with a height: the note under it is for paper only)
    gap = office.evaluate("""() => { const k = document.querySelector('.st-key-explorer_table');
        let next = k.nextElementSibling;
        while (next && next.getBoundingClientRect().height === 0) { next = next.nextElementSibling; }
        return next.getBoundingClientRect().top - k.getBoundingClientRect().bottom; }""")
    assert gap < 20, gap  # the column's own gap (1rem), no more
    row_height, lines = grid_rows(Image.open(io.BytesIO(grid.screenshot())))
    assert row_height > 64, row_height  # taller than Streamlit's 4rem: the grid wraps
    assert lines >= 2, lines  # a long 内容 cell runs on to a second line instead of being cut
