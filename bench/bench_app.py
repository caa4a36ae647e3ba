"""Benchmark the dashboard: first map drawn, warm reruns per page, map page bytes, server memory.

The first map is measured after a restart (the built dataset and the overview's rendered map
are on disk from an earlier start) and, printed below it, after a start whose map is not
stored yet (the first start after an update of the code, boundaries or documents).

Run: make bench   (or .venv/bin/python bench/bench_app.py). Prints a table; not a test.
Targets (issue 2, 4 and 10): first map < 4 s, warm rerun < 300 ms, map page payload < 600 KB,
indicator switch < 500 ms, explorer filter < 200 ms, slide step < 500 ms.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from appserver import MAP, MAP_ELEMENT, launch_browser, running_app  # noqa: E402

# The map is drawn in the page itself (ui/map_component.js): no frame to wait for. Its
# counties are in the map's container; its legend in the panel beside it, in the same element.
COUNTIES = f"{MAP} path.leaflet-interactive"
LEGEND_TITLE = f"{MAP_ELEMENT} .xc-legend .xc-title"
OUTLINE = f'{MAP} path[stroke-width="4.5"]'  # a slide's county outline

RERUNS = 7


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has used so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def deflated_size(messages: list[bytes]) -> int:
    """Bytes of these websocket messages on the wire under permessage-deflate as the server
    negotiates it (context takeover, 2**12 window, zlib's default level), plus frame headers.
    DevTools reports websocket payloads decompressed, so the wire size is recomputed here."""
    import zlib

    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -12)
    total = 0
    for message in messages:
        body = compressor.compress(message) + compressor.flush(zlib.Z_SYNC_FLUSH)
        body = body[:-4]  # RFC 7692: the sync-flush tail is not sent
        total += len(body) + (2 if len(body) < 126 else 4 if len(body) < 65536 else 10)
    return total


def browser_numbers() -> dict[str, float]:
    """First map, map page bytes and server memory, seen from a real browser (Chromium).

    The browser is launched before the server starts: its own start-up is not the app's.
    """
    import base64

    from playwright.sync_api import sync_playwright
    from streamlit_client import process_cpu_seconds

    results: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        urls: dict[str, str] = {}
        wire: dict[str, int] = {}
        messages: list[bytes] = []

        def on_request(event):
            urls[event["requestId"]] = event["request"]["url"]

        def on_finished(event):
            wire[event["requestId"]] = event.get("encodedDataLength", 0)

        def on_ws(event):
            frame = event["response"]
            data = frame.get("payloadData", "")
            # Binary frames (Streamlit's protobuf messages) arrive base64-encoded.
            messages.append(base64.b64decode(data) if frame.get("opcode") == 2 else data.encode())

        cdp.on("Network.requestWillBeSent", on_request)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.webSocketFrameReceived", on_ws)
        # By URL: a file the page fetches early and a map then reads from the cache is one
        # download, though Playwright reports a response for each read. The map's files are
        # Leaflet and the geometry (static files); the map component's own script comes in
        # its websocket message, and Streamlit's code for the element is in its bundle.
        component_bytes: dict[str, int] = {}

        def is_map_file(url: str) -> bool:
            return "/app/static/" in url

        def on_pw_response(response):
            if is_map_file(response.url):
                try:
                    component_bytes[response.url] = len(response.body())
                except Exception:
                    pass

        page.on("response", on_pw_response)
        started = time.perf_counter()
        with running_app() as (url, process, healthy_after):
            page.goto(url)
            page.locator(COUNTIES).nth(116).wait_for(timeout=60000)
            results["server healthy after start (s)"] = healthy_after
            results["first map drawn after server start (s)"] = (time.perf_counter() - started, 4)
            # What the server did until then, whatever else runs on the machine (wall time waits for it).
            results["  server process CPU from its start until the first map (s)"] = process_cpu_seconds(process.pid)
            page.wait_for_timeout(1000)
            ws_content = sum(len(m) for m in messages)
            ws_wire = deflated_size(messages)
            map_files_wire = sum(n for rid, n in wire.items() if is_map_file(urls.get(rid, "")))
            all_wire = sum(wire.values())
            results["first visit: all HTTP bytes on the wire, incl. Streamlit frontend (KB)"] = all_wire / 1024
            results["  of which Streamlit's own bundle, cached for a year (KB)"] = (all_wire - map_files_wire) / 1024
            results["map page: websocket messages, content (KB)"] = ws_content / 1024
            results["map page: map files (Leaflet, geometry), content (KB)"] = sum(component_bytes.values()) / 1024
            results["map page payload, content = websocket + map files (KB)"] = ((ws_content + sum(component_bytes.values())) / 1024, 600)
            results["map page payload, on the wire (deflate/gzip) (KB)"] = (ws_wire + map_files_wire) / 1024

            # Second visit with a warm browser cache: what an official re-opening the page pays.
            wire.clear()
            messages.clear()
            page.reload()
            page.locator(COUNTIES).nth(116).wait_for(timeout=60000)
            page.wait_for_timeout(1000)
            results["reload (warm cache): HTTP + websocket bytes on the wire (KB)"] = (sum(wire.values()) + deflated_size(messages)) / 1024
            results["server peak memory (MB)"] = peak_rss_mb(process.pid)
        browser.close()
    return results


def first_map_not_stored_numbers() -> dict[str, float]:
    """First map of a server whose overview map this code never rendered (xiancheng.mapcache
    has nothing for it: the first start after an update of the code, the boundaries or the
    documents), so the warm-up imports folium and the first page renders the map. The
    first-map figure above is a restart: the map is on disk from an earlier start, as the
    built dataset is (both starts here read the same built dataset)."""
    import shutil
    import tempfile

    from playwright.sync_api import sync_playwright
    from streamlit_client import process_cpu_seconds

    from xiancheng.settings import DATASET_PATH

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="xiancheng-bench-") as folder, sync_playwright() as playwright:
        dataset = Path(folder) / "build" / "dataset.json"  # its maps/ folder beside it is empty
        dataset.parent.mkdir()
        shutil.copy(DATASET_PATH, dataset)
        browser = launch_browser(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        started = time.perf_counter()
        with running_app(env={"XIANCHENG_DATASET_PATH": str(dataset)}) as (url, process, _healthy):
            page.goto(url)
            page.locator(COUNTIES).nth(116).wait_for(timeout=60000)
            results["first map after a start whose map is not stored yet (after an update) (s)"] = time.perf_counter() - started
            results["  server process CPU from its start until that first map (s)"] = process_cpu_seconds(process.pid)
        browser.close()
    return results


# The URL each page is measured at: a county page with a county (临猗县, the most items), the
# slideshow of one city.
PAGE_QUERIES = {"county": {"county": "140821"}, "present": {"mode": "present", "set": "city:140800"}}


def server_rerun_numbers() -> dict[str, float]:
    """Warm reruns on the real server (`python -m xiancheng.ui.serve`), as a browser session
    asks for them over the websocket (bench/streamlit_client.py): wall time from the request
    to script_finished and the server process's CPU time (what other load cannot inflate)."""
    import asyncio
    from urllib.parse import urlencode

    from streamlit_client import warm_reruns

    from xiancheng import ui

    results = {}
    with running_app() as (url, process, _healthy):
        ws_url = url.replace("http", "ws", 1) + "/_stcore/stream"
        for spec in ui.PAGES:
            if not spec.listed_for(None):  # not in the navigation of a visitor who is not signed in
                continue
            name = "" if spec.default else spec.url_path
            query = urlencode(PAGE_QUERIES.get(spec.url_path, {}))
            runs = asyncio.run(warm_reruns(ws_url, name, query, RERUNS, process.pid))
            results[f"warm rerun {spec.url_path}, real server: wall (ms, median of {RERUNS})"] = (
                statistics.median(w for w, _ in runs) * 1000, 300)
            results[f"  {spec.url_path}: server process CPU per rerun (ms, 10 ms ticks)"] = statistics.median(c for _, c in runs) * 1000
    return results


def apptest_rerun_numbers() -> dict[str, float]:
    """Warm reruns in AppTest (Streamlit's test runner, in this process), widget state kept.

    AppTest gives every run a new ScriptCache, so it re-reads and recompiles app.py and the
    page (with magic) at each run, ~50-100 ms the server never pays (it compiles a script
    once); here the runs share one cache, as the server's do.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1 import app_test, local_script_runner

    from xiancheng import ui

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    results = {}
    for spec in ui.PAGES:
        if not spec.listed_for(None):  # not in the navigation of a visitor who is not signed in
            continue
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for name, value in PAGE_QUERIES.get(spec.url_path, {}).items():
            app.query_params[name] = value
        app.run()
        if spec.url_path != ui.PAGES[0].url_path:
            app.switch_page(spec.path)
        app.run()  # cold: caches fill
        times, cpu = [], []
        for _ in range(RERUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            app.run()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        results[f"warm rerun {spec.url_path}, AppTest: wall (ms, median of {RERUNS})"] = (statistics.median(times) * 1000, 300)
        results[f"  {spec.url_path}: CPU of this process per rerun (ms)"] = statistics.median(cpu) * 1000
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
        results[f"explorer filter: {label} (ms, median of {RERUNS * 3})"] = (statistics.median(times) * 1000, 200)
    return results


# In the page (the map is drawn in it, no frame): the time of the last click and the time
# the map's legend with the expected title appeared, read after the next animation frame
# (the frame that paints it).
_ARM_CLICK = "() => { window.__xcClick = 0; document.addEventListener('click', () => { window.__xcClick = Date.now(); }, {capture: true, once: true}); }"
_ARM_LEGEND = """(name) => { window.__xcLegend = 0; const seen = () => {
  const title = document.querySelector(LEGEND_TITLE);
  if (title && title.textContent.includes(name) && !window.__xcLegend) {
    requestAnimationFrame(() => { window.__xcLegend = Date.now(); }); return true; }
  return false; };
  if (!seen()) { const o = new MutationObserver(() => { if (seen()) o.disconnect(); });
    o.observe(document.body, {childList: true, subtree: true, characterData: true}); } }""".replace("LEGEND_TITLE", json.dumps(LEGEND_TITLE))


def switch_indicators(page, names: list[str], server_pid: int) -> tuple[list[float], list[float], list[float]]:
    """On an open indicator page, pick each of names in the picker in turn. Per switch: from
    the click until the map paints that indicator's legend, timed inside the browser
    (ms); the wall clock around Playwright's click, which adds the automation's own
    actionability checks (s); the server's CPU time from the click until 0.5 s after the legend (s)."""
    from streamlit_client import process_cpu_seconds

    in_page, wall, cpu = [], [], []
    for name in names:
        page.get_by_role("combobox", name="指标", exact=True).click()
        page.keyboard.type(name)
        option = page.get_by_role("option", name=name).first
        option.wait_for(timeout=10000)
        page.evaluate(_ARM_CLICK)
        page.evaluate(_ARM_LEGEND, name)
        start, start_cpu = time.perf_counter(), process_cpu_seconds(server_pid)
        option.click()
        page.wait_for_function("() => window.__xcLegend > 0", timeout=30000)  # set once that legend paints
        wall.append(time.perf_counter() - start)
        in_page.append(page.evaluate("() => window.__xcLegend - window.__xcClick"))
        page.wait_for_timeout(500)  # the rest of the rerun (the page never goes network-idle here)
        cpu.append(process_cpu_seconds(server_pid) - start_cpu)
    return in_page, wall, cpu


def indicator_switch_numbers(switches: int = 6) -> dict[str, float]:
    """Indicator page (issue 4): click on another indicator → its legend painted in the map
    (target < 500 ms), median over several switches."""
    from playwright.sync_api import sync_playwright

    names = ["重点镇数量", "涉及项目数", "全县常住人口城镇化率", "适用任务数", "特色小镇数量", "新开工装配式建筑占城镇新建建筑面积比例"]
    with running_app() as (url, process, _healthy), sync_playwright() as playwright:
        browser = launch_browser(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/indicators?indicator=derived-tasks")
        page.locator(LEGEND_TITLE, has_text="适用任务数").wait_for(timeout=60000)
        in_page, wall, cpu = switch_indicators(page, (names * 2)[:switches], process.pid)
        browser.close()
    n = len(in_page)
    return {
        f"indicator switch: click → new legend painted, in the browser (ms, median of {n})": (statistics.median(in_page), 500),
        f"  wall clock around Playwright's click (ms, median of {n})": statistics.median(wall) * 1000,
        f"  server CPU per switch, incl. layers built once per process (ms, median of {n})": statistics.median(cpu) * 1000,
    }


# A slide step, all in the page (the map is drawn in it): the key press, the moment a new
# slide outline (stroke-width 4.5) replaced the old one in the map, and the moment the
# card's heading names the next county, each read after the frame that paints it.
_ARM_KEY = "() => { window.__xcKey = 0; document.addEventListener('keydown', () => { window.__xcKey = Date.now(); }, {capture: true, once: true}); }"
_ARM_OUTLINE = """() => { window.__xcOutline = 0; const old = document.querySelector(OUTLINE);
  const seen = () => { const now = document.querySelector(OUTLINE);
    if (now && now !== old && !window.__xcOutline) { requestAnimationFrame(() => { window.__xcOutline = Date.now(); }); return true; }
    return false; };
  if (!seen()) { const o = new MutationObserver(() => { if (seen()) o.disconnect(); });
    o.observe(document.body, {childList: true, subtree: true}); } }""".replace("OUTLINE", json.dumps(OUTLINE))
# The page's card heading, not anything the map (now in the same document) may show.
_ARM_HEADING = """(name) => { window.__xcHeading = 0; const seen = () => {
  const h = [...document.querySelectorAll('h1')].find(e => !e.closest(MAP_ELEMENT) && e.textContent.trim() === name);
  if (h && !window.__xcHeading) { requestAnimationFrame(() => { window.__xcHeading = Date.now(); }); return true; }
  return false; };
  if (!seen()) { const o = new MutationObserver(() => { if (seen()) o.disconnect(); });
    o.observe(document.body, {childList: true, subtree: true, characterData: true}); } }""".replace("MAP_ELEMENT", json.dumps(MAP_ELEMENT))


def slide_step_numbers(steps: int = 6) -> dict[str, float]:
    """Presentation mode (issue 10): from the → key until the next slide is painted, both its
    card heading and its outline in the map (target < 500 ms), median over several steps,
    at a projector's 1366×768."""
    from playwright.sync_api import sync_playwright

    from xiancheng import geo

    slides = geo.counties_of_city("140800")
    names = [geo.counties()[a].name for a in slides]
    from streamlit_client import process_cpu_seconds

    in_page, cpu = [], []
    with running_app() as (url, process, _healthy), sync_playwright() as playwright:
        browser = launch_browser(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url + "/?mode=present&set=city:140800")
        page.locator(OUTLINE).wait_for(state="attached", timeout=60000)
        page.wait_for_load_state("networkidle")
        for step in range(1, steps + 1):
            page.evaluate(_ARM_KEY)
            page.evaluate(_ARM_HEADING, names[step % len(names)])
            page.evaluate(_ARM_OUTLINE)
            start_cpu = process_cpu_seconds(process.pid)
            page.keyboard.press("ArrowRight")
            page.wait_for_function("() => window.__xcHeading > 0", timeout=30000)
            page.wait_for_function("() => window.__xcOutline > 0", timeout=30000)
            painted = page.evaluate("() => Math.max(window.__xcHeading, window.__xcOutline)")
            in_page.append(painted - page.evaluate("() => window.__xcKey"))
            page.wait_for_load_state("networkidle")
            cpu.append(process_cpu_seconds(process.pid) - start_cpu)
        browser.close()
    return {f"slide step: → key → card and outline painted, in the browser (ms, median of {len(in_page)})": (statistics.median(in_page), 500),
            f"  server CPU per step (ms, median of {len(cpu)})": statistics.median(cpu) * 1000}


def print_rows(rows: dict) -> None:
    """One line per figure; a value given as (value, target) prints the target beside it."""
    for key, value in rows.items():
        value, target = value if isinstance(value, tuple) else (value, None)
        flag = "" if target is None else f"  target < {target:g}" + ("" if value < target else "  MISSED")
        print(f"{key:<84}  {value:10.1f}{flag}", flush=True)


def load_line(when: str) -> None:
    """Wall-clock figures on a shared machine wait for other processes: quote the load."""
    import os

    print(f"load average (1, 5, 15 min) {when}: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)


def main() -> None:
    load_line("at start")
    for part in (server_rerun_numbers, apptest_rerun_numbers, explorer_filter_numbers, browser_numbers,
                 first_map_not_stored_numbers, indicator_switch_numbers, slide_step_numbers):
        print_rows(part())  # printed as each part finishes
    load_line("at end")


if __name__ == "__main__":
    main()
