"""Bad input: each problem names its file and line, and the other documents still load."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from xiancheng.ingest.pipeline import build_dataset
from xiancheng.settings import ROOT

PLANS = ROOT / "plans"
FIXTURES = Path(__file__).with_name("fixtures")
GOOD = "002_4ce72fc9d69db8e3.txt"


def make_plans(tmp_path: Path, extra: dict[str, Path], listed: bool = True, title_lines=(1, 1)) -> Path:
    """A plans folder with one real document plus the given files (listed in the manifest or not)."""
    plans = tmp_path / "plans"
    plans.mkdir()
    shutil.copy(PLANS / GOOD, plans / GOOD)
    manifest = yaml.safe_load((PLANS / "manifest.yaml").read_text(encoding="utf-8"))
    documents = {GOOD: manifest["documents"][GOOD]}
    for name, source in extra.items():
        shutil.copy(source, plans / name)
        if listed:
            documents[name] = {
                "title": "某县推进以县城为重要载体的城镇化建设行动方案",
                "scope_adcode": "141025",
                "scope_level": "county",
                "kind": "action-plan",
                "title_lines": list(title_lines),
            }
    (plans / "manifest.yaml").write_text(yaml.safe_dump({"documents": documents}, allow_unicode=True), encoding="utf-8")
    return plans


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xiancheng", *args], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, timeout=60
    )


def report_of(report, name):
    return next(d for d in report.documents if d.document == name)


@pytest.mark.parametrize(
    "fixture,code,line",
    [("empty.txt", "empty-file", None), ("not_utf8.txt", "not-utf8", 2)],
)
def test_unreadable_document_is_named_and_others_load(tmp_path, fixture, code, line):
    plans = make_plans(tmp_path, {"900_bad.txt": FIXTURES / fixture})
    dataset, report = build_dataset(plans)
    bad = report_of(report, "900_bad.txt")
    assert bad.status == "failed"
    assert [(i.code, i.line, i.document) for i in bad.issues] == [(code, line, "900_bad.txt")]
    assert "900_bad.txt" in str(bad.issues[0])
    assert report_of(report, GOOD).status == "ok"
    assert [d.document for d in dataset.documents] == [GOOD]
    assert len(dataset.tasks) == 43


def test_document_missing_from_manifest(tmp_path):
    plans = make_plans(tmp_path, {"901_unlisted.txt": PLANS / GOOD}, listed=False)
    dataset, report = build_dataset(plans)
    issue = report_of(report, "901_unlisted.txt").issues[0]
    assert issue.code == "not-in-manifest" and "901_unlisted.txt" in issue.message
    assert not report.ok and len(dataset.documents) == 1


def test_table_cut_off_mid_row_is_listed(tmp_path):
    plans = make_plans(tmp_path, {"902_cut.txt": FIXTURES / "cut_table.txt"})
    dataset, report = build_dataset(plans)
    cut = report_of(report, "902_cut.txt")
    assert cut.status == "ok"
    assert [line for line, _ in cut.unparsed] == [9]
    assert any(i.line == 9 and i.document == "902_cut.txt" and "cut off" in i.message for i in cut.issues)
    assert [p.name for p in dataset.projects if p.citation.document == "902_cut.txt"] == ["城市生命线安全项目"]


def test_manifest_listing_a_missing_file(tmp_path):
    plans = make_plans(tmp_path, {})
    manifest = yaml.safe_load((plans / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["documents"]["903_gone.txt"] = dict(manifest["documents"][GOOD])
    (plans / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    dataset, report = build_dataset(plans)
    assert any(i.document == "903_gone.txt" and i.code == "missing-document" for i in report.issues)
    assert len(dataset.documents) == 1


def test_broken_manifest_names_file_and_line(tmp_path):
    plans = make_plans(tmp_path, {})
    (plans / "manifest.yaml").write_text("documents:\n  a.txt: [unclosed\n", encoding="utf-8")
    dataset, report = build_dataset(plans)
    assert report.issues[0].document == "manifest.yaml" and report.issues[0].line is not None
    assert dataset.documents == []


def test_cli_bad_input_exit_code_and_message(tmp_path):
    plans = make_plans(tmp_path, {"900_bad.txt": FIXTURES / "not_utf8.txt"})
    result = run_cli("--plans-dir", str(plans), "ingest")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "900_bad.txt:2" in result.stderr and "not UTF-8" in result.stderr
    assert GOOD in result.stdout


def test_cli_ingest_json_and_export(tmp_path):
    result = run_cli("ingest", "--json")
    assert result.returncode == 0, result.stderr
    import json

    report = json.loads(result.stdout)
    assert [d["counts"]["tasks"] for d in report["documents"]] == [73, 33, 43, 0, 0]
    out = tmp_path / "dataset.json"
    result = run_cli("export-dataset", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= {"documents", "classifications", "positionings", "tasks", "targets", "projects", "towns"}
    for kind in ("classifications", "positionings", "tasks", "targets", "projects", "towns"):
        for record in data[kind]:
            assert set(record["citation"]) >= {"document", "line_start", "line_end"}
    assert {c["type"] for c in data["classifications"]} <= {
        "urban-integration", "specialised-function", "culture-tourism", "agricultural", "ecological",
    }
