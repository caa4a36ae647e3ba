"""Benchmark the static exports: warm timings (median of a few runs) of maps and the one-pager.

Run: .venv/bin/python bench/bench_export.py   Prints a table; not a test.
Targets (issue 5): province map PNG < 3 s warm; county one-pager < 4 s.
Uses the real dataset when the ingest pipeline is available, else an empty dataset (the
maps then draw every county as "not stated"; the timings are of the same drawing work).
The indicator map uses unit area measured from the boundaries (a real quantity, not plan data).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xiancheng.dataset import Dataset  # noqa: E402
from xiancheng.export import render_county_profile, render_indicator_map, render_type_map  # noqa: E402
from xiancheng.export.staticmap import geometry  # noqa: E402

RUNS = 5


def load_dataset() -> tuple[Dataset, str]:
    try:
        from xiancheng.ingest.pipeline import build_dataset
    except ImportError:
        return Dataset(), "empty dataset (ingest pipeline not available)"
    dataset, _report = build_dataset()
    return dataset, "real dataset (ingest pipeline)"


def timed(label: str, call, target: float | None = None) -> None:
    call()  # warm: fonts registered, geometry projected, modules imported
    times = []
    size = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        size = len(call())
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    verdict = "" if target is None else ("ok" if median < target else f"SLOW (target {target:g} s)")
    print(f"{label:<42} {median:7.2f} s  (min {min(times):.2f}, max {max(times):.2f})  {size / 1024:8.0f} KB  {verdict}")


def main() -> None:
    start = time.perf_counter()
    dataset, what = load_dataset()
    print(f"dataset: {what}; loaded in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    g = geometry()
    print(f"cold: geometry read, projected, label points: {time.perf_counter() - start:.2f} s")
    area = {a: g.counties.geometry[a].area / 1e6 for a in g.counties.index}
    indicator = dict(title="县级单位面积", indicator="面积", unit="km²", method="quantiles", k=5)
    print(f"median of {RUNS} warm runs:")
    timed("province type map PNG 150 dpi", lambda: render_type_map(dataset), 3.0)
    timed("province type map PNG 300 dpi", lambda: render_type_map(dataset, dpi=300))
    timed("province type map PDF", lambda: render_type_map(dataset, fmt="pdf"))
    timed("province type map SVG", lambda: render_type_map(dataset, fmt="svg"))
    timed("city type map PNG (运城市)", lambda: render_type_map(dataset, city_adcode="140800"))
    timed("province indicator map PNG 150 dpi", lambda: render_indicator_map(area, **indicator), 3.0)
    timed("county one-pager PNG (洪洞县)", lambda: render_county_profile(dataset, "141024"), 4.0)
    timed("county one-pager PDF (洪洞县)", lambda: render_county_profile(dataset, "141024", fmt="pdf"), 4.0)
    timed("county one-pager PNG (绛县)", lambda: render_county_profile(dataset, "140826"), 4.0)


if __name__ == "__main__":
    main()
