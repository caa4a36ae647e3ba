"""Benchmark: add-plan of a 500-line plan (targets < 2 s) and a full rebuild with 20
documents (target < 3 s). Plans are made here (tests/plan_factory.py), never the seeds renamed.

Run: .venv/bin/python bench/bench_intake.py [runs]
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from plan_factory import county_plan  # noqa: E402

from xiancheng import geo  # noqa: E402
from xiancheng.ingest import intake  # noqa: E402
from xiancheng.ingest.pipeline import build_dataset  # noqa: E402

SEEDS = sorted(p.name for p in (ROOT / "plans").glob("*.txt")) + ["manifest.yaml"]


def fresh_plans(folder: Path) -> Path:
    plans = folder / "plans"
    plans.mkdir()
    for name in SEEDS:
        shutil.copy(ROOT / "plans" / name, plans / name)
    return plans


def five_hundred_lines(county: str) -> str:
    text = county_plan(county, number=f"{county[:1]}政办发〔2024〕5号", date="二〇二四年九月一日", extra=231)
    return text


def main(runs: int = 5) -> None:
    counties = [c for c in geo.counties().values() if c.kind == "县" and c.city_adcode not in ("140800", "141000")]
    # add-plan of a 500-line text, in process (convert, detect, check against the loaded plans, write)
    timings = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            plans = fresh_plans(Path(tmp))
            text = five_hundred_lines(counties[run].name)
            lines = text.count("\n")
            start = time.perf_counter()
            proposal = intake.propose("plan.txt", text.encode("gbk"))
            intake.add(proposal, proposal.fields, plans)
            timings.append(time.perf_counter() - start)
    print(f"add-plan of a {lines}-line GBK text, in process: min {min(timings):.3f} s, median {statistics.median(timings):.3f} s over {runs} runs")
    # the same through the command line (Python start and imports included)
    with tempfile.TemporaryDirectory() as tmp:
        plans = fresh_plans(Path(tmp))
        source = Path(tmp) / "plan.txt"
        source.write_bytes(five_hundred_lines(counties[runs].name).encode("gbk"))
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xiancheng", "--plans-dir", str(plans), "add-plan", str(source)], check=True, capture_output=True, cwd=ROOT)
        wall = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        # wall time counts waiting for a core on a shared machine; CPU time is the work done
        print(f"add-plan of the same through `python -m xiancheng add-plan` (process start and imports included): {wall:.3f} s wall, {cpu:.3f} s CPU")
    # a full rebuild with 20 documents: the 5 seeds + 15 county plans added with add-plan
    with tempfile.TemporaryDirectory() as tmp:
        plans = fresh_plans(Path(tmp))
        for county in counties[:15]:
            proposal = intake.propose(f"{county.name}.txt", county_plan(county.name, number=f"{county.name[:1]}政办发〔2024〕{county.adcode[-3:]}号", date="2024年9月1日", extra=20).encode("utf-8"))
            intake.add(proposal, proposal.fields, plans)
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            dataset, report = build_dataset(plans)
            timings.append(time.perf_counter() - start)
        assert len(dataset.documents) == 20, [i for i in report.all_issues if i.severity == "error"]
        print(f"full rebuild with {len(dataset.documents)} documents ({len(dataset.tasks)} tasks): min {min(timings):.3f} s, median {statistics.median(timings):.3f} s over {runs} runs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
