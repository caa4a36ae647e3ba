"""`make screenshots`: the real app in Chromium at a projector's 1366×768, saved under
docs/screenshots/ for the README (overview, indicator page, a presentation slide)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from appserver import MAP, MAP_ELEMENT, launch_browser, running_app  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
SHOTS = {
    "overview.png": "/",
    "indicators.png": "/indicators",
    "slide.png": "/?mode=present&set=city:140800&county=140827",
}


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with running_app() as (url, _process, _seconds), sync_playwright() as playwright:
        browser = launch_browser(playwright)
        for name, path in SHOTS.items():
            page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
            page.goto(url + path)
            # The map is drawn in the page: its legend beside it in its element, its counties in it.
            page.locator(f"{MAP_ELEMENT} .xc-legend").wait_for(timeout=90000)
            page.locator(f"{MAP} path.leaflet-interactive").nth(116).wait_for(state="attached", timeout=90000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)  # fonts and the last re-layout settle
            page.mouse.move(0, VIEWPORT["height"] - 1)  # no hover tooltip in the picture
            page.screenshot(path=str(OUT / name))
            page.close()
            print(OUT / name)
        browser.close()


if __name__ == "__main__":
    main()
