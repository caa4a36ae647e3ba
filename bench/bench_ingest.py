"""Benchmark: seconds to ingest all documents in plans/ (min/median of a few runs) and the dataset size;
then ingest time of one large document at 1, 2, 4 and 8 MB (it should grow linearly), and how
fast a document above the size limit is refused.

Run: .venv/bin/python bench/bench_ingest.py [runs]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xiancheng.ingest.pipeline import build_dataset, dataset_json, load_or_build  # noqa: E402

LARGE_SOURCE = "000_6ee266aaec99fe33.txt"  # Yuncheng's action plan: tasks, projects, targets, types
SIZES_MB = (1, 2, 4, 8)
TARGET_8MB_SECONDS = 3  # issue 9: linear, 8 MB in < 3 s


def large_plans(folder: Path, megabytes: float) -> Path:
    """A plans folder with one document made of Yuncheng's plan repeated to the given size."""
    folder.mkdir(parents=True)
    text = (ROOT / "plans" / LARGE_SOURCE).read_text(encoding="utf-8")
    (folder / LARGE_SOURCE).write_text(text * round(megabytes * 2**20 / len(text.encode("utf-8"))), encoding="utf-8")
    entry = yaml.safe_load((ROOT / "plans" / "manifest.yaml").read_text(encoding="utf-8"))["documents"][LARGE_SOURCE]
    entry.pop("sha256")
    (folder / "manifest.yaml").write_text(yaml.safe_dump({"documents": {LARGE_SOURCE: entry}}, allow_unicode=True), encoding="utf-8")
    return folder


def large_documents(runs: int) -> None:
    """Ingest time against document size: linear growth means a flat seconds-per-MB column."""
    os.environ["XIANCHENG_MAX_DOCUMENT_MB"] = str(max(SIZES_MB) + 1)  # measure above the default limit too
    with tempfile.TemporaryDirectory() as tmp:
        for megabytes in SIZES_MB:
            plans = large_plans(Path(tmp) / f"{megabytes}mb", megabytes)
            walls, cpus = [], []
            for _ in range(runs):
                wall, cpu = time.perf_counter(), time.process_time()
                dataset, _ = build_dataset(plans)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
            size = (plans / LARGE_SOURCE).stat().st_size / 2**20
            target = f"; target {TARGET_8MB_SECONDS:g} s" if megabytes == 8 else ""
            print(
                f"ingest one {size:.1f} MB document: min {min(walls):.2f} s wall, {min(cpus):.2f} s CPU "
                f"({min(cpus) / size:.2f} s CPU/MB{target}) over {runs} runs; {len(dataset.tasks)} tasks; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
        del os.environ["XIANCHENG_MAX_DOCUMENT_MB"]
        plans = Path(tmp) / f"{max(SIZES_MB)}mb"
        start = time.perf_counter()
        _, report = build_dataset(plans)
        issue = report.documents[0].issues[0]
        print(f"above the default limit: refused in {time.perf_counter() - start:.3f} s: {issue}")


def main(runs: int = 5) -> None:
    timings = []
    dataset = report = None
    for _ in range(runs):
        start = time.perf_counter()
        dataset, report = build_dataset(ROOT / "plans")
        timings.append(time.perf_counter() - start)
    size = len(dataset_json(dataset).encode("utf-8"))
    print(f"ingest {len(report.documents)} documents: min {min(timings):.3f} s, median {statistics.median(timings):.3f} s over {runs} runs (first run {timings[0]:.3f} s)")
    print(
        f"dataset: {size / 1024:.0f} KiB JSON; {len(dataset.tasks)} tasks, {len(dataset.targets)} targets, {len(dataset.projects)} projects, "
        f"{len(dataset.classifications)} classifications, {len(dataset.positionings)} positionings, {len(dataset.towns)} towns"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dataset.json"
        load_or_build(path, ROOT / "plans")  # builds and writes
        start = time.perf_counter()
        load_or_build(path, ROOT / "plans")  # up to date: read, no parsing
        print(f"load_or_build with an up-to-date build: {time.perf_counter() - start:.3f} s (reads JSON, no parsing)")


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    main(runs)
    large_documents(max(1, runs // 2))
