"""The Chromium the browser tests and benchmarks share (appserver.launch_browser): quiet
beside the page under test, and still launched as Playwright needs it."""

import pytest
from appserver import QUIET_FEATURES, browser_command_line

pytestmark = pytest.mark.browser


def test_a_new_context_opens_no_address_bar_pages(browser):
    cdp = browser.new_browser_cdp_session()
    context = browser.new_context()
    try:
        context.new_page().goto("about:blank")
        # the drop-downs were opened with the context's window, before new_page returned
        urls = [target["url"] for target in cdp.send("Target.getTargets")["targetInfos"]]
    finally:
        context.close()
    assert not [url for url in urls if url.startswith("chrome://")], urls


def test_playwrights_own_features_stay_off(browser):
    switches = [a for a in browser_command_line(browser) if a.startswith("--disable-features=")]
    assert len(switches) == 1, switches  # Chromium reads only the last one
    features = switches[0].partition("=")[2].split(",")
    assert "PaintHolding" in features  # one of Playwright's (first paint as soon as it is ready)
    assert set(QUIET_FEATURES) <= set(features)
