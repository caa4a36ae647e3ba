"""Benchmark the workspace store on SQLite and on PostgreSQL (a throw-away cluster, fsync on).

Targets (issue 11): 1,000 history writes/s from one process; the current state of 10,000
records in < 50 ms; the app's warm rerun < 300 ms with 100,000 history rows in the store.

    .venv/bin/python bench/bench_store.py            # both databases
    .venv/bin/python bench/bench_store.py --sqlite   # SQLite only
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
SINGLE_WRITES = 500
BATCH = 1_000


class BenchBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BenchRecord(store.History, BenchBase):
    """A feature-like versioned table (progress report shape)."""

    __tablename__ = "bench_record"
    __scope__ = ("unit", "adcode")
    unit: Mapped[str] = mapped_column(String(100))
    adcode: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20))


def writes_per_second(workspace, user) -> dict[str, float]:
    """One save per transaction (a person pressing Save), and many appends in one (an import)."""
    start = time.perf_counter()
    for n in range(SINGLE_WRITES):
        with workspace.write(user, "bench.save") as tx:
            tx.append(BenchRecord, f"single/{n}", None, unit="市住建局", adcode="140821", status="planned")
    single = SINGLE_WRITES / (time.perf_counter() - start)
    start = time.perf_counter()
    with workspace.write(user, "bench.import") as tx:
        for n in range(BATCH):
            tx.append(BenchRecord, f"batch/{n}", None, unit="市住建局", adcode="140821", status="planned")
    batch = BATCH / (time.perf_counter() - start)
    return {"history writes/s, one save per transaction": single, f"history writes/s, {BATCH} per transaction": batch}


def fill(workspace) -> None:
    """100,000 history rows (bulk insert: the fill is setup, not what is measured)."""
    now = store.utcnow()
    rows = [dict(key=f"rec/{r:05d}", version=v, retired=False, created_at=now, created_by="bench",
                 unit="市住建局", adcode=f"1408{r % 30:02d}", status=f"v{v}")
            for r in range(RECORDS) for v in range(1, VERSIONS + 1)]
    with workspace.engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(BenchRecord), rows[start:start + 10_000])


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
    for label, read in (("rows, Store.current_rows", workspace.current_rows),
                        ("ORM objects, Store.current", workspace.current)):
        wall, cpu, current = _timed(lambda: read(BenchRecord, BenchRecord.key.like("rec/%")), 7)
        assert len(current) == RECORDS and {r.status for r in current} == {f"v{VERSIONS}"}
        results[f"{name}, {label} (ms, median of 7)"] = wall
        results[f"{name}, {label} (CPU ms of the process)"] = cpu
    wall, _, _ = _timed(workspace.data_version, 20)
    results["data_version() read (ms, median of 20)"] = wall
    return results


def warm_rerun_ms(url: str) -> dict[str, float]:
    """AppTest warm reruns of the overview and the admin page, signed in as admin, on this store."""
    from streamlit.testing.v1 import AppTest

    os.environ["XIANCHENG_DATABASE_URL"] = url
    admin = store.open(url).user("bench_admin")
    results = {}
    for page in ("pages/overview.py", "pages/admin.py"):
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
        results[f"warm rerun {page} with {RECORDS * VERSIONS:,} history rows (ms, median of 5)"] = statistics.median(times) * 1000
    return results


def run(kind: str, url: str) -> dict[str, float]:
    workspace = store.open(url)
    BenchBase.metadata.create_all(workspace.engine)
    workspace.add_user(store.system_user("bench"), "bench_admin", "bench password", "admin")
    user = store.User("bench_editor", "bench", "editor", units=("市住建局",), areas=("140800",))
    rows = {f"{kind}: {k}": v for k, v in writes_per_second(workspace, user).items()}
    fill(workspace)
    rows.update({f"{kind}: {k}": v for k, v in current_state_ms(workspace).items()})
    rows.update({f"{kind}: {k}": v for k, v in warm_rerun_ms(url).items()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true", help="SQLite only")
    args = parser.parse_args()
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
        print(f"{key:<{width}}  {value:10.1f}")


if __name__ == "__main__":
    main()
