"""Benchmark the dashboard: first map drawn, warm reruns per page, map page bytes, server memory.

Run: make bench   (or .venv/bin/python bench/bench_app.py). Prints a table; not a test.
Targets (issue 2 and 4): first map < 4 s, warm rerun < 300 ms, map page payload < 600 KB.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from appserver import CHROMIUM, CHROMIUM_ARGS, running_app  # noqa: E402

RERUNS = 7


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has used so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def browser_numbers() -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    results: dict[str, float] = {}
    started = time.perf_counter()
    with running_app() as (url, process, healthy_after), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes = {"http": 0, "ws": 0, "component": 0}

        def on_response(event):
            url = event["response"]["url"]
            if "/component/" in url or "/app/static/" in url:
                sizes["component_urls"] = sizes.get("component_urls", 0) + 1

        def on_finished(event):
            sizes["http"] += event.get("encodedDataLength", 0)

        def on_ws(event):
            sizes["ws"] += len(event["response"].get("payloadData", ""))

        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.webSocketFrameReceived", on_ws)
        # Iframe requests go through the same CDP session only for same-process frames;
        # count the component's own files through Playwright's response events too.
        component_bytes = []

        def on_pw_response(response):
            if "/component/" in response.url or "/app/static/" in response.url:
                try:
                    component_bytes.append(len(response.body()))
                except Exception:
                    pass

        page.on("response", on_pw_response)
        page.goto(url)
        frame = page.frame_locator("iframe[title*='streamlit_folium']").first
        frame.locator("path.leaflet-interactive").nth(116).wait_for(timeout=60000)
        results["server healthy after start (s)"] = healthy_after
        results["first map drawn after server start (s)"] = time.perf_counter() - started
        page.wait_for_timeout(500)
        results["first visit, all HTTP bytes incl. Streamlit frontend (KB)"] = sizes["http"] / 1024
        results["map page: websocket payload (KB)"] = sizes["ws"] / 1024
        results["map page: map iframe + Leaflet files (KB)"] = sum(component_bytes) / 1024
        results["map page payload = websocket + iframe files (KB)"] = (sizes["ws"] + sum(component_bytes)) / 1024

        # Second visit with a warm browser cache: what an official re-opening the page pays.
        sizes.update(http=0, ws=0)
        page.reload()
        frame = page.frame_locator("iframe[title*='streamlit_folium']").first
        frame.locator("path.leaflet-interactive").nth(116).wait_for(timeout=60000)
        page.wait_for_timeout(500)
        results["reload (warm cache): HTTP + websocket bytes (KB)"] = (sizes["http"] + sizes["ws"]) / 1024
        results["server peak memory (MB)"] = peak_rss_mb(process.pid)
        browser.close()
    return results


def rerun_numbers() -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from xiancheng import ui

    results = {}
    for spec in ui.PAGES:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.run()
        if spec.url_path != ui.PAGES[0].url_path:
            app.switch_page(spec.path)
        app.run()  # cold: caches fill
        times = []
        for _ in range(RERUNS):
            start = time.perf_counter()
            app.run()
            times.append(time.perf_counter() - start)
        results[f"warm rerun {spec.url_path} (ms, median of {RERUNS})"] = statistics.median(times) * 1000
    return results


def explorer_filter_numbers() -> dict[str, float]:
    """Explorer (issue 4): building the task/project table once, then apply_filters over
    several filter combinations (target: filtering < 200 ms)."""
    from xiancheng import tables
    from xiancheng.ingest.pipeline import build_dataset

    dataset, _report = build_dataset()
    start = time.perf_counter()
    table = tables.build_table(dataset, "zh")
    results = {f"explorer table build, {len(table)} rows (ms, once per process)": (time.perf_counter() - start) * 1000}
    combos = {
        "none": tables.Filters(),
        "unit": tables.Filters(unit="市住建局"),
        "county+type+year": tables.Filters(county="140826", type="agricultural", year=2027),
        "city+action+kind": tables.Filters(city="140800", action="safety-resilience", kind="task"),
        "search 2 words": tables.Filters(query="污水 管网"),
        "all filters": tables.Filters(kind="task", city="140800", county="140826", type="agricultural",
                                      action="safety-resilience", unit="市住建局", year=2027,
                                      document="000_6ee266aaec99fe33.txt", query="城市"),
    }
    for label, filters in combos.items():
        times = []
        for _ in range(RERUNS * 3):
            start = time.perf_counter()
            tables.apply_filters(table, filters)
            times.append(time.perf_counter() - start)
        results[f"explorer filter: {label} (ms, median of {RERUNS * 3})"] = statistics.median(times) * 1000
    return results


def indicator_switch_numbers(switches: int = 6) -> dict[str, float]:
    """Indicator page (issue 4): from picking another indicator in the browser until the map
    iframe shows that indicator's legend (target < 500 ms), median over several switches."""
    from playwright.sync_api import sync_playwright

    names = ["重点镇数量", "涉及项目数", "全县常住人口城镇化率", "适用任务数", "特色小镇数量", "新开工装配式建筑占城镇新建建筑面积比例"]
    frame_selector = "iframe[title*='streamlit_folium']"
    times = []
    with running_app() as (url, _process, _healthy), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/indicators")
        page.frame_locator(frame_selector).first.locator(".xc-legend .xc-title", has_text="适用任务数").wait_for(timeout=60000)
        for name in (names * 2)[:switches]:
            page.get_by_role("combobox", name="指标", exact=True).click()
            page.keyboard.type(name)
            option = page.get_by_role("option", name=name).first
            option.wait_for(timeout=10000)
            start = time.perf_counter()
            option.click()
            page.frame_locator(frame_selector).first.locator(".xc-legend .xc-title", has_text=name).wait_for(timeout=30000)
            times.append(time.perf_counter() - start)
        browser.close()
    return {f"indicator switch → new legend in the map (ms, median of {len(times)})": statistics.median(times) * 1000}


def main() -> None:
    rows = {}
    rows.update(rerun_numbers())
    rows.update(explorer_filter_numbers())
    rows.update(browser_numbers())
    rows.update(indicator_switch_numbers())
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        print(f"{key:<{width}}  {value:10.1f}")


if __name__ == "__main__":
    main()
