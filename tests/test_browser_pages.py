"""Real browser: a copied explorer or documents link reproduces the view it was copied from."""

import io
from pathlib import Path
from urllib.parse import quote, unquote

import pytest


pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
YUNCHENG_PLAN = "000_6ee266aaec99fe33.txt"


def selected(page, label: str, timeout: float = 20000) -> str:
    """The value a selectbox shows (Streamlit draws it as a combobox input)."""
    box = page.get_by_role("combobox", name=label)
    box.wait_for(timeout=timeout)
    return box.input_value()


def test_explorer_link_with_a_unit_reproduces_the_filtered_view(page, app_url):
    page.goto(f"{app_url}/explorer?unit={quote('市住建局')}")
    page.get_by_text("所选条目", exact=False).or_(page.get_by_text("在表格左侧勾选一行", exact=False)).first.wait_for(timeout=45000)
    assert selected(page, "责任单位") == "市住建局"
    # the whole app ran (app.py's navigation and language toggle), not the page file alone
    assert "任务与项目" in page.locator("[data-testid='stSidebarNav']").inner_text()
    # The toggle's element code is loaded on demand by Streamlit's frontend: wait for it to draw.
    page.get_by_text("English", exact=True).wait_for(timeout=20000)
    assert page.get_by_text("English", exact=True).count() == 1
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics[:2] == ["25", "11"], metrics
    assert "unit=" in page.url and "市住建局" in unquote(page.url)
    page.reload()
    assert selected(page, "责任单位", timeout=45000) == "市住建局"
    page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=20000)
    assert page.locator("[data-testid='stMetricValue']").all_inner_texts()[:2] == ["25", "11"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer-unit.png"))
    assert page.outside_requests == [], page.outside_requests


def test_english_link_keeps_language_and_filters(page, app_url):
    page.goto(f"{app_url}/explorer?lang=en&unit={quote('市住建局')}&kind=task")
    assert selected(page, "Responsible unit", timeout=45000) == "市住建局"
    assert selected(page, "Kind") == "Task"
    page.get_by_role("heading", name="Tasks & projects").wait_for(timeout=20000)
    page.locator("[data-testid='stMetricValue']").nth(1).wait_for(timeout=20000)  # drawn after the heading
    assert page.locator("[data-testid='stMetricValue']").all_inner_texts()[:2] == ["25", "0"]


def test_excel_download_in_the_browser(page, app_url):
    page.goto(f"{app_url}/explorer?unit={quote('市住建局')}&kind=task")
    button = page.get_by_role("button", name="下载 Excel 台账")
    button.wait_for(timeout=45000)
    with page.expect_download(timeout=60000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    header = next(c.row for c in sheet["A"] if c.value == "序号")
    assert sheet.max_row - header == 25


def test_documents_link_highlights_and_scrolls_to_the_cited_lines(page, app_url):
    page.goto(f"{app_url}/documents?doc={YUNCHENG_PLAN}&from=404&to=412")
    cited = page.locator("#cited")
    cited.wait_for(timeout=45000)
    assert page.locator(".xc-line.xc-hit").count() == 9
    assert "农产品主产区县城" in page.locator(".xc-line.xc-hit").all_inner_texts()[6]
    page.wait_for_timeout(800)  # the scroll script runs once the reader is drawn
    box = cited.bounding_box()
    assert box is not None and 0 <= box["y"] <= page.viewport_size["height"], box
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "documents-cited.png"))
    assert page.outside_requests == [], page.outside_requests


def test_a_deep_link_asks_the_server_at_its_root(page, app_url):
    """The frontend finds the server at / from the first request: a deep link no longer
    tries /county/_stcore/health and /county/_stcore/host-config (two 404s) first."""
    failed, stcore = [], []

    def seen(response):
        if "/_stcore/" in response.url:
            stcore.append(response.url)
        if response.status >= 400:
            failed.append((response.status, response.url))

    page.on("response", seen)
    page.goto(f"{app_url}/county?county=141024")
    page.get_by_role("heading", name="洪洞县").first.wait_for(timeout=45000)
    assert failed == [], failed
    assert f"{app_url}/_stcore/health" in stcore and f"{app_url}/_stcore/host-config" in stcore
    assert "county=141024" in page.url and "/county" in page.url


def test_the_compact_head_is_the_same_when_started_with_plain_streamlit_run(browser, app_url):
    """`make run` (ui.serve) puts the head's style rules in the page; an app started with a
    plain `streamlit run app.py` adds them as an element: the title is as small in both."""
    from appserver import running_app

    def head_font_size(url: str) -> str:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        try:
            page = context.new_page()
            page.goto(url + "/")
            title = page.locator(".st-key-xc-head h1").first
            title.wait_for(timeout=45000)
            page.get_by_text("各市县城类型统计", exact=False).first.wait_for(timeout=45000)
            return title.evaluate("(h) => getComputedStyle(h).fontSize")
        finally:
            context.close()

    served = head_font_size(app_url)
    with running_app(script="app.py") as (plain_url, _process, _seconds):
        plain = head_font_size(plain_url)
    assert served == plain == "24.8px", (served, plain)  # 1.55rem
