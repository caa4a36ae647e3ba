"""Benchmark progress (issue 14) with 10,000 progress rows in the store.

Run: .venv/bin/python bench/bench_progress.py   Prints a table; not a test.
Targets: county page warm rerun < 300 ms, progress indicator switch < 500 ms, uploading a
1,000-row 台账 to the preview < 2 s, the 调度会 briefing PDF for 运城 < 5 s.

Uses a throw-away SQLite store (never data/): 10,000 reports spread over every task and
project of the seed plans (about 50 versions each, the newest per item in the current month).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
os.environ["XIANCHENG_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-progress-')}/bench.sqlite"

from appserver import launch_browser, running_app  # noqa: E402
from bench_app import LEGEND_TITLE, load_line, print_rows, switch_indicators  # noqa: E402

ROWS = 10_000
RERUNS = 7
LINYI, YUNCHENG = "140821", "140800"
EDITOR = "bench-zhujian"


def seed() -> dict[str, float]:
    from xiancheng import progress as pg
    from xiancheng import store
    from xiancheng.ingest.pipeline import load_or_build
    from xiancheng.store import progress as sp

    workspace = store.open()
    admin = store.system_user("bench")
    workspace.add_user(admin, EDITOR, "bench password 1", "editor", units=["市住建局"])
    items = list(pg.items_of(load_or_build()).values())
    statuses = ("not-started", "in-progress", "in-progress", "done", "paused")
    periods = pg.recent_periods(date.today(), 12)[::-1]  # oldest first: the last round is this month
    start = time.perf_counter()
    made, batch = 0, []
    while made < ROWS:
        item = items[made % len(items)]
        round_ = made // len(items)
        batch.append((item.scope, sp.check_values(periods[min(round_ * len(periods) * len(items) // ROWS, len(periods) - 1)],
                                                  statuses[(made + round_) % len(statuses)], percent=(round_ * 2) % 100)))
        made += 1
        if len(batch) == 500:
            sp.report_many(workspace, admin, batch)
            batch = []
    if batch:
        sp.report_many(workspace, admin, batch)
    with workspace.read() as session:
        from sqlalchemy import func, select

        count = session.scalar(select(func.count()).select_from(sp.ProgressReport))
    return {f"seed: {count} progress rows over {len(items)} items (s, once)": time.perf_counter() - start}


def county_rerun_numbers() -> dict[str, float]:
    """The county page of 临猗县 rerun warm, for a visitor and for an editor of 市住建局 (the
    report panel): on the real server over the websocket (wall, and the server's CPU), and
    in AppTest (widget state kept; the runs share one compiled script, as the server's do)."""
    import asyncio

    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1 import app_test, local_script_runner
    from streamlit_client import warm_reruns

    from xiancheng import store
    from xiancheng.store import sessions
    from xiancheng.ui.auth import COOKIE

    workspace = store.open()
    editor = workspace.user(EDITOR)
    token, _nonce = sessions.issue(workspace, editor)
    who = (("viewer (no sign-in)", None, None), ("editor of 市住建局 (report panel)", editor, f"{COOKIE}={token}"))
    results = {}
    with running_app() as (url, process, _healthy):
        ws_url = url.replace("http", "ws", 1) + "/_stcore/stream"
        for label, _user, cookie in who:
            runs = asyncio.run(warm_reruns(ws_url, "county", f"county={LINYI}", RERUNS, process.pid, cookie=cookie))
            results[f"county page 临猗县 warm rerun, real server, {label} (ms, median of {RERUNS})"] = (
                statistics.median(w for w, _ in runs) * 1000, 300)
            results["  server process CPU per rerun (ms, 10 ms ticks)"] = statistics.median(c for _, c in runs) * 1000
            print_rows(results)
            results = {}
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    for label, user, _cookie in who:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.query_params["county"] = LINYI
        if user is not None:
            app.session_state["xiancheng_user"] = user
        app.switch_page("pages/county.py")
        app.run()  # cold: caches fill
        assert not app.exception, app.exception
        times, cpu = [], []
        for _ in range(RERUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            app.run()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        results[f"county page 临猗县 warm rerun, AppTest, {label} (ms, median of {RERUNS})"] = (statistics.median(times) * 1000, 300)
        results["  CPU of this process per rerun (ms)"] = statistics.median(cpu) * 1000
        print_rows(results)
        results = {}
    return results


def indicator_switch_numbers(switches: int = 6) -> dict[str, float]:
    """Click on a progress indicator → its legend painted in the map (drawn in the page; in the browser)."""
    from playwright.sync_api import sync_playwright

    names = ["任务完成率", "滞后事项数", "项目投资完成率"]
    with running_app() as (url, process, _healthy), sync_playwright() as playwright:
        browser = launch_browser(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/indicators?indicator=derived-projects")
        page.locator(LEGEND_TITLE).first.wait_for(timeout=90000)
        in_page, wall, cpu = switch_indicators(page, (names * 3)[:switches], process.pid)
        browser.close()
    n = len(in_page)
    return {
        f"progress indicator switch: click → legend painted, in the browser (ms, median of {n})": (statistics.median(in_page), 500),
        f"  wall clock around Playwright's click (ms, median of {n})": statistics.median(wall) * 1000,
        f"  server CPU per switch (ms, median of {n})": statistics.median(cpu) * 1000,
    }


def upload_numbers() -> dict[str, float]:
    """A 1,000-row 台账 (a plan with 1,000 tasks built here), filled in, read to the preview."""
    import io

    from openpyxl import load_workbook
    from plan_builder import county_plan as county_entry
    from plan_builder import write_plans
    from plan_factory import county_plan

    from xiancheng import progress as pg
    from xiancheng import store
    from xiancheng.export import progress_ledger
    from xiancheng.ingest.pipeline import build_dataset

    folder = write_plans(Path(tempfile.mkdtemp()) / "plans", {"900_bench.txt": (county_entry("140521"), county_plan("沁水县", tasks=3, extra=997))})
    dataset, _report = build_dataset(folder)
    items = pg.build_items(dataset)
    status_of = pg.statuses(items, {})
    period = pg.current_period()
    data = progress_ledger.download(list(items.values()), status_of, period=period, title="bench")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    header = next(r for r in range(1, 20) if sheet.cell(r, 14).value == "标识（请勿修改）")
    labels = ["推进中", "已完成", "未启动", "暂缓"]
    for n, row in enumerate(range(header + 1, sheet.max_row + 1)):
        sheet.cell(row, 8, labels[n % 4])
        sheet.cell(row, 10, n % 100)
    buffer = io.BytesIO()
    workbook.save(buffer)
    uploader = store.User("bench", "bench", "editor", areas=("140521",))
    times, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        preview = progress_ledger.read_upload(buffer.getvalue(), "bench.xlsx", items, status_of, uploader,
                                              expected=list(items), period=period)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert len(preview.changes) == len(items) and not preview.problems, (len(preview.changes), preview.problems[:3])
    return {f"upload a {len(items)}-row 台账 to the preview (ms, median of 5)": (statistics.median(times) * 1000, 2000),
            "  CPU time (ms, median of 5)": statistics.median(cpu) * 1000}


def briefing_numbers() -> dict[str, float]:
    from xiancheng import progress as pg
    from xiancheng import store
    from xiancheng.export import briefing
    from xiancheng.ingest.pipeline import load_or_build

    dataset = load_or_build()
    workspace = store.open()
    period = pg.current_period()
    results = {}
    for label in ("first in the process", "again (warm)"):
        start, start_cpu = time.perf_counter(), time.process_time()
        snap = pg.snapshot(dataset, workspace)
        made = briefing.gather(dataset, snap, workspace, YUNCHENG, period)
        pdf = briefing.briefing_pdf(made)
        results[f"调度会 briefing PDF 运城, {len(made.changes)} changes, {len(pdf) // 1024} KB, {label} (ms)"] = ((time.perf_counter() - start) * 1000, 5000)
        results[f"  CPU time, {label} (ms)"] = (time.process_time() - start_cpu) * 1000
    start = time.perf_counter()
    briefing.briefing_docx(made)
    results["调度会 briefing .docx 运城, warm (ms)"] = (time.perf_counter() - start) * 1000
    return results


def orphan_numbers(count: int = 1_000) -> dict[str, float]:
    """Progress admin after a re-ingest orphans many reports: closest items for each (no target
    in the issue; the page lists them 20 at a time)."""
    from types import SimpleNamespace

    from xiancheng import progress as pg
    from xiancheng.ingest.pipeline import load_or_build

    items = pg.items_of(load_or_build())
    titles = list(items.values())
    rows = {f"gone:{n}": SimpleNamespace(kind=titles[n % len(titles)].kind, item_document="已删除的规划.txt",
                                        item_title=titles[n % len(titles)].title + "（修订）") for n in range(count)}
    start, start_cpu = time.perf_counter(), time.process_time()
    found = pg.orphans(items, rows)
    assert len(found) == count
    return {f"orphans: closest items for {count} orphaned reports among {len(items)} items (ms)": (time.perf_counter() - start) * 1000,
            "  CPU time (ms)": (time.process_time() - start_cpu) * 1000}


def main() -> None:
    load_line("at start")
    for part in (seed, county_rerun_numbers, upload_numbers, briefing_numbers, orphan_numbers, indicator_switch_numbers):
        print_rows(part())  # printed as each part finishes
    load_line("at end")


if __name__ == "__main__":
    main()
