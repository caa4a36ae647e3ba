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
