"""Benchmark the workspace store on SQLite and on PostgreSQL (a throw-away cluster, fsync on).

Targets (issue 11): 1,000 history writes/s from one process; the current state of 10,000
records in < 50 ms; the app's warm rerun < 300 ms with 100,000 history rows in the store.

    .venv/bin/python bench/bench_store.py            # both databases
    .venv/bin/python bench/bench_store.py --sqlite   # SQLite only

Writes are timed with the default commit_sync=full (every commit waits for the disk) and with
commit_sync=normal (no fsync per commit); CPU per write is shown for this process
and, on PostgreSQL, for the server, since wall time on a shared machine mostly measures the
other processes. The warm rerun runs the pages that read the store with 100,000 rows of
progress history (every item of the seed plans, ~520 versions each) beside the bench table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import MetaData, String, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from xiancheng import store  # noqa: E402
from xiancheng.store.db import NAMING_CONVENTION  # noqa: E402

RECORDS = 10_000
VERSIONS = 10          # 10,000 records × 10 versions = 100,000 history rows
SINGLE_WRITES = 1_000
THREADS = 4
UNSYNCED_WRITES = 1_000  # commit_sync=normal: no wait for the disk
BATCH = 1_000
PROGRESS_ROWS = 100_000
TARGET_WRITES, TARGET_READ_MS, TARGET_RERUN_MS = 1_000, 50, 300


class BenchBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BenchRecord(store.History, BenchBase):
    """A feature-like versioned table (progress report shape)."""

    __tablename__ = "bench_record"
    __scope__ = ("unit", "adcode")
    unit: Mapped[str] = mapped_column(String(100))
    adcode: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20))


def _server_cpu_seconds(workspace) -> float:
    """CPU seconds used so far by the PostgreSQL server's processes (0 for SQLite: in-process)."""
    if workspace.engine.dialect.name != "postgresql":
        return 0.0
    with workspace.engine.connect() as connection:
        data = connection.exec_driver_sql("SHOW data_directory").scalar()
    postmaster = int(Path(data, "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if pid == postmaster or int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _saves(workspace, user, prefix: str, count: int) -> dict[str, float]:
    server, wall, cpu = _server_cpu_seconds(workspace), time.perf_counter(), time.process_time()
    for n in range(count):
        with workspace.write(user, "bench.save") as tx:
            tx.append(BenchRecord, f"{prefix}/{n}", None, unit="市住建局", adcode="140821", status="planned")
    wall, cpu, server = time.perf_counter() - wall, time.process_time() - cpu, _server_cpu_seconds(workspace) - server
    return {"per_s": count / wall, "cpu_ms": cpu / count * 1000, "server_ms": server / count * 1000}


def writes_per_second(workspace, user, kind: str) -> dict[str, float]:
    """One save per transaction (a person pressing Save): new records, then edits of them (based
    on the version read), then the progress module's report; and many appends in one (an import)."""
    results = {}
    _saves(workspace, user, "warm-up", 50)  # pooled connections, statement caches, prepared statements
    fresh = _saves(workspace, user, "single", SINGLE_WRITES)
    results[f"history writes/s, one save per transaction, commit_sync=full (default) (target ≥ {TARGET_WRITES:,})"] = fresh["per_s"]
    results.update(floor_commits_per_second(workspace, user))
    results["  CPU ms per save, this process"] = fresh["cpu_ms"]
    if kind == "PostgreSQL":
        results["  CPU ms per save, PostgreSQL server"] = fresh["server_ms"]
    start = time.perf_counter()
    for n in range(SINGLE_WRITES):  # each edit based on the version its form showed (1), checked
        with workspace.write(user, "bench.edit") as tx:
            tx.append(BenchRecord, f"single/{n}", 1, unit="市住建局", adcode="140821", status="started")
    results[f"history writes/s, edits of a record (based on the version read) (target ≥ {TARGET_WRITES:,})"] = (
        SINGLE_WRITES / (time.perf_counter() - start))
    results[f"history writes/s, one save per transaction, {THREADS} threads of the process"] = (
        _threaded_saves(workspace, user))
    results.update(_progress_reports_per_second(workspace))
    start = time.perf_counter()
    with workspace.write(user, "bench.import") as tx:
        for n in range(BATCH):
            tx.append(BenchRecord, f"batch/{n}", None, unit="市住建局", adcode="140821", status="planned")
    results[f"history writes/s, {BATCH} per transaction"] = BATCH / (time.perf_counter() - start)
    return results


def floor_commits_per_second(workspace, user) -> dict[str, float]:
    """What the machine allows at all, at the same moments as the store's saves: blocks of 100
    one-row UPDATEs committed with the same durability at driver level (no store code)
    alternate with blocks of 100 single saves. On a busy disk the floor is below the target
    too; the ratio says how close the store's save is to it."""
    pooled = workspace.engine.raw_connection()
    sqlite = workspace.engine.dialect.name == "sqlite"
    floor = saves = 0.0
    try:
        connection = pooled.driver_connection
        if not sqlite:
            connection.autocommit = True
        connection.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, n INTEGER)")
        connection.execute("INSERT INTO bench_floor VALUES (1, 0) ON CONFLICT DO NOTHING")
        for block in range(SINGLE_WRITES // 100):
            start = time.perf_counter()
            for _ in range(100):
                if sqlite:
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute("UPDATE bench_floor SET n = n + 1 WHERE id = 1")
                    connection.execute("COMMIT")
                else:
                    connection.execute("UPDATE bench_floor SET n = n + 1 WHERE id = 1")
            floor += time.perf_counter() - start
            saves += 100 / _saves(workspace, user, f"beside-floor{block}", 100)["per_s"]
        if not sqlite:
            connection.autocommit = False
    finally:
        pooled.close()
    return {"  the same saves in blocks of 100 alternating with the floor's": SINGLE_WRITES / saves,
            "  floor: one-row UPDATE commits/s at driver level, same durability (what the machine allows)":
                SINGLE_WRITES / floor}


def _threaded_saves(workspace, user) -> float:
    """Several users of one app process saving at once (Streamlit runs each session in a thread)."""
    import threading

    barrier = threading.Barrier(THREADS + 1)

    def saves(thread: int) -> None:
        barrier.wait()
        for n in range(SINGLE_WRITES // THREADS):
            with workspace.write(user, "bench.save") as tx:
                tx.append(BenchRecord, f"thread{thread}/{n}", None, unit="市住建局", adcode="140821", status="planned")

    threads = [threading.Thread(target=saves, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return THREADS * (SINGLE_WRITES // THREADS) / (time.perf_counter() - start)


def _seed_items() -> list:
    from xiancheng import progress as pg
    from xiancheng.ingest.pipeline import load_or_build

    return [item.scope for item in pg.items_of(load_or_build()).values()]


def _progress_reports_per_second(workspace) -> dict[str, float]:
    """The app's own save: progress.report on the seed plans' items (real keys, so the progress
    pages see them as reports, not as orphans), each after whatever was saved last."""
    from xiancheng.store import progress as sp

    admin = store.system_user("bench")
    values = sp.check_values("2026-11", "in-progress", percent=40)
    items = _seed_items()
    start = time.perf_counter()
    for n in range(SINGLE_WRITES):
        sp.report(workspace, admin, items[n % len(items)], values)
    return {"progress.report writes/s, one report per transaction": SINGLE_WRITES / (time.perf_counter() - start)}


def unsynced_writes(url: str, user, kind: str) -> dict[str, float]:
    """The same single saves with commit_sync=normal (a separate Engine reads the setting)."""
    os.environ["XIANCHENG_COMMIT_SYNC"] = "normal"
    store.forget(url)
    try:
        workspace = store.open(url)
        _saves(workspace, user, "unsynced-warm-up", 20)
        unsynced = _saves(workspace, user, "unsynced", UNSYNCED_WRITES)
    finally:
        del os.environ["XIANCHENG_COMMIT_SYNC"]
        store.forget(url)
    return {"history writes/s, one save per transaction, commit_sync=normal (no wait for the disk)": unsynced["per_s"]}


def fill(workspace) -> None:
    """100,000 history rows (bulk insert: the fill is setup, not what is measured)."""
    now = store.utcnow()
    rows = [dict(key=f"rec/{r:05d}", version=v, retired=False, created_at=now, created_by="bench",
                 unit="市住建局", adcode=f"1408{r % 30:02d}", status=f"v{v}")
            for r in range(RECORDS) for v in range(1, VERSIONS + 1)]
    with workspace.engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(BenchRecord), rows[start:start + 10_000])
    workspace.rebuild_current(BenchRecord)  # rows inserted around Store.write: point at their latest
    if workspace.engine.dialect.name == "postgresql":
        # The statistics autovacuum gathers within a minute of such a load: the plan measured is
        # the steady one, not whichever the timing of autovacuum gave.
        with workspace.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def _timed(function, repeat: int):
    """(median wall ms, median process CPU ms, last result): CPU time shows the work done even
    when a loaded machine keeps the process waiting for a core."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, result


def current_state_ms(workspace) -> dict[str, float]:
    name = f"current state of {RECORDS:,} records from {RECORDS * VERSIONS:,} rows"
    results = {}
    for label, read, target in (("rows, Store.current_rows", workspace.current_rows, f" (target < {TARGET_READ_MS})"),
                                ("ORM objects, Store.current", workspace.current, "")):
        server = _server_cpu_seconds(workspace)
        wall, cpu, current = _timed(lambda: read(BenchRecord, BenchRecord.key.like("rec/%")), 7)
        server = _server_cpu_seconds(workspace) - server
        assert len(current) == RECORDS and {r.status for r in current} == {f"v{VERSIONS}"}
        results[f"{name}, {label} (ms, median of 7){target}"] = wall
        results[f"  {label}: CPU ms of the process"] = cpu
        if workspace.engine.dialect.name == "postgresql":
            results[f"  {label}: CPU ms of the PostgreSQL server (mean of 7)"] = server / 7 * 1000
    wall, _, _ = _timed(workspace.data_version, 20)
    results["data_version() read (ms, median of 20)"] = wall
    return results


def fill_progress(workspace) -> int:
    """PROGRESS_ROWS rows of progress history on the seed plans' items (what the pages read),
    inserted in bulk after the reports already saved, then current_row rebuilt."""
    from xiancheng.store.progress import ProgressReport, STATUSES

    items = _seed_items()
    saved = {row.key: row.version for row in workspace.current_rows(ProgressReport, include_retired=True)}
    now = store.utcnow()
    rows = []
    for n in range(PROGRESS_ROWS - sum(saved.values())):
        item = items[n % len(items)]
        rows.append(dict(key=item.key, version=saved.get(item.key, 0) + n // len(items) + 1, retired=False,
                         created_at=now, created_by="bench",
                         unit=(item.units or ("",))[0][:100], adcode=item.adcode, kind=item.kind, period="2026-11",
                         status=STATUSES[n % len(STATUSES)], percent=None, invest_period_yi=None,
                         invest_cumulative_yi=None, note="", item_document=item.document[:200], item_title=item.title))
    with workspace.engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(ProgressReport), rows[start:start + 10_000])
    workspace.rebuild_current(ProgressReport)
    return len(items)


RERUN_PAGES = ("pages/overview.py", "pages/county.py", "pages/progress_admin.py", "pages/admin.py")


def warm_rerun_ms(url: str) -> dict[str, float]:
    """AppTest warm reruns of the pages, signed in as admin, on this store; then the first rerun
    after a save made elsewhere (the caches keyed on the data version read the store again)."""
    from streamlit.testing.v1 import AppTest

    os.environ["XIANCHENG_DATABASE_URL"] = url
    workspace = store.open(url)
    admin = workspace.user("bench_admin")
    rows = f"{PROGRESS_ROWS:,} progress + {RECORDS * VERSIONS:,} bench history rows"
    results = {}
    for page in RERUN_PAGES:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.session_state["xiancheng_user"] = admin
        app.run()
        if page != "pages/overview.py":
            app.switch_page(page)
        app.run()
        times = []
        for _ in range(5):
            start = time.perf_counter()
            app.run()
            times.append(time.perf_counter() - start)
        assert not app.exception, app.exception
        results[f"warm rerun {page}, {rows} (ms, median of 5) (target < {TARGET_RERUN_MS})"] = statistics.median(times) * 1000
        after = []
        for n in range(3):
            with workspace.write(store.system_user("bench"), "bench.elsewhere") as tx:
                tx.append(BenchRecord, f"elsewhere/{page}/{n}", None, unit="市住建局", adcode="140821", status="x")
            start = time.perf_counter()
            app.run()
            after.append(time.perf_counter() - start)
        assert not app.exception, app.exception
        results[f"  {page}: first rerun after a save elsewhere (ms, median of 3)"] = statistics.median(after) * 1000
    return results


def run(kind: str, url: str) -> dict[str, float]:
    workspace = store.open(url)
    BenchBase.metadata.create_all(workspace.engine)
    workspace.add_user(store.system_user("bench"), "bench_admin", "bench password", "admin")
    user = store.User("bench_editor", "bench", "editor", units=("市住建局",), areas=("140800",))
    rows = {f"{kind}: {k}": v for k, v in writes_per_second(workspace, user, kind).items()}
    rows.update({f"{kind}: {k}": v for k, v in unsynced_writes(url, user, kind).items()})
    workspace = store.open(url)
    fill(workspace)
    rows.update({f"{kind}: {k}": v for k, v in current_state_ms(workspace).items()})
    fill_progress(workspace)
    rows.update({f"{kind}: {k}": v for k, v in warm_rerun_ms(url).items()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true", help="SQLite only")
    args = parser.parse_args()
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's bare-mode warnings
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        rows.update(run("SQLite", f"sqlite:///{folder}/bench.sqlite"))
    if not args.sqlite:
        from pgcluster import Databases, running_cluster

        with running_cluster(durable=True) as base:
            databases = Databases(base)
            url = databases.create()
            rows.update(run("PostgreSQL", url))
            store.forget(url)
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        print(f"{key:<{width}}  {value:10.{2 if value < 10 else 1}f}")  # CPU ms per save: 0.35, not 0.4
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
