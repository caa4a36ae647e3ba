"""Benchmark: seconds to ingest all documents in plans/ (min/median of a few runs) and the dataset size.

Run: .venv/bin/python bench/bench_ingest.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xiancheng.ingest.pipeline import build_dataset, dataset_json, load_or_build  # noqa: E402


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
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dataset.json"
        load_or_build(path, ROOT / "plans")  # builds and writes
        start = time.perf_counter()
        load_or_build(path, ROOT / "plans")  # up to date: read, no parsing
        print(f"load_or_build with an up-to-date build: {time.perf_counter() - start:.3f} s (reads JSON, no parsing)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
