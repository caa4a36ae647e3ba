"""Older browsers (browser tests; xiancheng/ui/compat.js).

Chrome 109 is the last Chrome that Windows 7 and 8.1 get, and many office machines still run
it (or a 360 / QQ browser on a core of that age). Streamlit 1.67's frontend throws at load
there (a RegExp with the v flag; Array.prototype.toSorted), so the page stayed blank. The test
runs the real Chromium 109 (scripts/install_old_chromium.py, from the npm registry) against
the app; a current Chromium must load none of the help; a browser that cannot run the
frontend at all must say so instead of showing a blank page.
"""

import re
import time
import urllib.request
from pathlib import Path

import pytest

from appserver import CHROMIUM_ARGS, label_point, wait_for_counties

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
OLD_CHROMIUM = ROOT / "build" / "chromium-109" / "chromium"
NOTICE = "#xc-old-browser"


@pytest.fixture(scope="module")
def old_browser(playwright_session):
    if not OLD_CHROMIUM.exists():
        pytest.fail(f"Chromium 109 not found at {OLD_CHROMIUM}: run `make browser-deps` (scripts/install_old_chromium.py)")
    browser = playwright_session.chromium.launch(executable_path=str(OLD_CHROMIUM), args=CHROMIUM_ARGS)
    assert browser.version.startswith("109."), browser.version
    yield browser
    browser.close()


def _open(browser, url, errors):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return context, page


def test_chrome_109_runs_the_dashboard(old_browser, app_url):
    errors = []
    context, page = _open(old_browser, app_url, errors)
    try:
        wait_for_counties(page)
        assert page.evaluate("window.__xcCompat") is True
        assert page.evaluate("typeof [].toSorted") == "function"  # core-js's
        # A click on a county: the card in the map, then the side panel (a rerun: the
        # frontend's messages work too).
        page.wait_for_timeout(1500)  # labels laid out
        x, y = label_point(page, "稷山县")
        page.mouse.click(x, y)
        card = page.locator(".xc-card")
        card.wait_for(timeout=5000)
        assert "稷山县" in card.inner_text()
        page.get_by_role("heading", name="稷山县").wait_for(timeout=20000)

        page.goto(app_url + "/indicators?indicator=derived-tasks&lang=en")
        wait_for_counties(page)
        page.get_by_role("heading", name="Indicator map").first.wait_for(timeout=20000)

        page.goto(app_url + "/county?county=140827")
        page.get_by_role("heading", name="垣曲县").wait_for(timeout=30000)
        assert page.locator(NOTICE).count() == 0
        assert errors == []
    finally:
        context.close()


def test_a_current_browser_loads_none_of_it(browser, app_url):
    errors, requested = [], []
    context, page = _open(browser, app_url, errors)
    page.on("request", lambda request: requested.append(request.url))
    try:
        wait_for_counties(page)
        page.wait_for_timeout(1000)
        assert page.evaluate("window.__xcCompat") is None
        assert not [url for url in requested if "core-js" in url]
        assert page.evaluate("window.RegExp.name") == "RegExp" and page.evaluate("new RegExp('a', 'v').unicodeSets")
        assert page.locator(NOTICE).count() == 0
        assert errors == []
    finally:
        context.close()


def test_the_help_is_first_in_the_page_and_cached_for_good(app_url):
    with urllib.request.urlopen(app_url + "/") as response:
        html = response.read().decode("utf-8")
    head = html[html.index("<head>"):html.index("</head>")]
    first_script = re.search(r"<script[^>]*>", head)
    assert first_script.group(0) == "<script>" and "__xcRegExpV" in head[first_script.end():head.index("</script>")]
    assert head.index("__xcRegExpV") < head.index('type="module"')  # before Streamlit's own
    url = re.search(r'"(/app/static/core-js-[\d.]+/core-js\.min\.js)"', head).group(1)
    with urllib.request.urlopen(app_url + url) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        body = response.read()
    vendored = next((ROOT / "xiancheng" / "vendor").glob("core-js-bundle-*/minified.js")).read_bytes()
    assert body == vendored and len(body) > 200_000


def test_a_browser_that_cannot_run_the_frontend_says_so(browser, app_url):
    # As Chromium 92 does with Streamlit's code (it cannot parse it): the entry module fails
    # to parse. The page then says what to do, in both languages, instead of staying blank.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.route(re.compile(r"/static/js/index\.[\w-]+\.js$"),
               lambda route: route.fulfill(status=200, content_type="text/javascript", body="export const broken = ;"))
    try:
        page.goto(app_url + "/")
        notice = page.locator(NOTICE)
        notice.wait_for(timeout=15000)
        text = notice.inner_text()
        assert "内核版本过旧" in text and "109" in text and "极速模式" in text
        assert "engine is too old" in text
        assert page.locator("[data-testid=stApp]").count() == 0
    finally:
        context.close()


def test_a_notice_goes_when_the_frontend_comes_up_after_all(browser, app_url):
    # A slow network and an unrelated error meanwhile: Streamlit's entry module arrives 8 s
    # late, and an error is reported before it does. The notice shows (the frontend has not
    # started 4 s after the error), then goes once the frontend starts after all.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.add_init_script("setTimeout(() => window.dispatchEvent(new ErrorEvent('error', {message: 'unrelated'})), 300);")
    page = context.new_page()

    def late(route):
        time.sleep(8)  # the browser runs on meanwhile; only this file waits
        route.continue_()

    page.route(re.compile(r"/static/js/index\.[\w-]+\.js$"), late)
    try:
        page.goto(app_url + "/", wait_until="commit")
        page.locator(NOTICE).wait_for(state="attached", timeout=15000)
        wait_for_counties(page)
        page.locator(NOTICE).wait_for(state="detached", timeout=5000)
    finally:
        context.close()
