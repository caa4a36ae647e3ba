"""Document size: a file above the configured limit is refused by name; the others still load."""

from __future__ import annotations

import pytest

from xiancheng import settings
from xiancheng.ingest.pipeline import build_dataset

from test_ingest_bad_input import FIXTURES, GOOD, make_plans, report_of

# A task paragraph of the kind the county plans print, repeated to make a large file.
TASK = "（一）实施城市更新行动\n1.推进老旧小区改造。完成老旧小区改造120个，惠及居民8000户。（县住建局、县财政局）\n"


def large_document(path, kilobytes: int):
    title = "某县推进以县城为重要载体的城镇化建设行动方案\n"
    repeats = kilobytes * 1024 // len(TASK.encode("utf-8")) + 1
    path.write_text(title + TASK * repeats, encoding="utf-8")
    return path


def test_document_above_the_limit_is_refused_by_name(tmp_path, monkeypatch):
    big = large_document(tmp_path / "big.txt", 300)
    plans = make_plans(tmp_path, {"905_big.txt": big})
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "0.25")
    dataset, report = build_dataset(plans)
    refused = report_of(report, "905_big.txt")
    assert refused.status == "failed"
    [issue] = refused.issues
    assert (issue.code, issue.severity, issue.document) == ("too-large", "error", "905_big.txt")
    assert "905_big.txt" in str(issue) and "0.3 MB" in issue.message and "0.25 MB limit" in issue.message
    assert "XIANCHENG_MAX_DOCUMENT_MB" in issue.message
    assert report_of(report, GOOD).status == "ok"
    assert [d.document for d in dataset.documents] == [GOOD]


def test_raised_limit_reads_the_same_document(tmp_path, monkeypatch):
    big = large_document(tmp_path / "big.txt", 300)
    plans = make_plans(tmp_path, {"905_big.txt": big})
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "1")
    dataset, report = build_dataset(plans)
    assert report_of(report, "905_big.txt").status == "ok"
    tasks = [t for t in dataset.tasks if t.citation.document == "905_big.txt"]
    assert len(tasks) == 300 * 1024 // len(TASK.encode("utf-8")) + 1
    assert tasks[0].responsible_units == ["县住建局", "县财政局"]


def test_default_limit_is_five_megabytes(monkeypatch):
    monkeypatch.delenv("XIANCHENG_MAX_DOCUMENT_MB", raising=False)
    assert settings.max_document_bytes() == 5 * 2**20


@pytest.mark.parametrize("value", ["five", "0", "-1", ""])
def test_bad_limit_setting_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", value)
    with pytest.raises(ValueError, match="XIANCHENG_MAX_DOCUMENT_MB"):
        settings.max_document_bytes()


# --- a size setting that is not a positive number stops every build: the CLI says so and exits,
# the app keeps what it loaded last and names the setting (widgets.setting_problem)

def cli(*args: str, value: str):
    import os
    import subprocess
    import sys

    from xiancheng.settings import ROOT

    return subprocess.run([sys.executable, "-m", "xiancheng", *args], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "XIANCHENG_MAX_DOCUMENT_MB": value})


def test_build_dataset_refuses_a_bad_setting_before_reading_anything(tmp_path, monkeypatch):
    plans = make_plans(tmp_path, {})
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "5MB")
    with pytest.raises(settings.SettingError) as refused:
        build_dataset(plans)
    assert (refused.value.env, refused.value.value) == ("XIANCHENG_MAX_DOCUMENT_MB", "5MB")


def test_the_ingest_command_names_a_bad_setting_and_its_value_without_a_traceback(tmp_path):
    plans = make_plans(tmp_path, {})
    result = cli("--plans-dir", str(plans), "ingest", value="5MB")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("error: the setting XIANCHENG_MAX_DOCUMENT_MB is '5MB', which is not a positive number of MB, so no plan "
                             "was read; set it to a positive number of MB (the default is 5) and run ingest again\n")


def test_the_export_command_names_a_setting_of_zero_and_writes_nothing(tmp_path):
    plans = make_plans(tmp_path, {})
    out = tmp_path / "build" / "dataset.json"
    result = cli("--plans-dir", str(plans), "export-dataset", str(out), value="0")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("error: the setting XIANCHENG_MAX_DOCUMENT_MB is '0', which is not a positive number of MB, so no plan "
                             "was read; set it to a positive number of MB (the default is 5) and run export-dataset again\n")
    assert not out.exists() and not out.parent.exists()


def test_the_app_build_keeps_what_it_loaded_last_and_names_the_setting(tmp_path, monkeypatch):
    from xiancheng.ingest.pipeline import input_hashes, load_or_build

    plans = make_plans(tmp_path, {"900_empty.txt": FIXTURES / "empty.txt"})  # the last build had a problem of its own
    path = tmp_path / "build" / "dataset.json"
    monkeypatch.delenv("XIANCHENG_MAX_DOCUMENT_MB", raising=False)
    good = load_or_build(path, plans)
    assert [d.document for d in good.documents] == [GOOD] and good.rejected_build is None
    assert ("900_empty.txt", "empty-file") in [(p.document, p.code) for p in good.problems]
    written = path.read_bytes()
    for value, changed in (("5MB", False), ("inf", True), ("-1", True)):
        if changed:  # an input changed: the build on disk is no longer current, and is still what is served
            manifest = plans / "manifest.yaml"
            manifest.write_text(manifest.read_text(encoding="utf-8") + f"# edited for {value}\n", encoding="utf-8")
        monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", value)
        served = load_or_build(path, plans)
        assert served.documents == good.documents and served.tasks == good.tasks and served.targets == good.targets
        rejected = served.rejected_build
        assert (rejected.setting, rejected.value, rejected.lost_documents) == ("XIANCHENG_MAX_DOCUMENT_MB", value, [])
        assert served.problems == good.problems  # the loading problems shown before are still shown
        assert path.read_bytes() == written  # the last good build stays on the disk
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "5")  # fixed: the next build runs, with the edited manifest
    fixed = load_or_build(path, plans)
    assert fixed.rejected_build is None and fixed.inputs == input_hashes(plans) != good.inputs
    assert [d.document for d in fixed.documents] == [GOOD] and path.read_bytes() != written


def test_the_app_build_without_a_build_on_disk_is_empty_and_names_the_setting(tmp_path, monkeypatch):
    from xiancheng.ingest.pipeline import load_or_build

    plans = make_plans(tmp_path, {})
    path = tmp_path / "build" / "dataset.json"
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "5 MB")
    served = load_or_build(path, plans)
    assert served.documents == [] and served.tasks == []
    assert (served.rejected_build.setting, served.rejected_build.value) == ("XIANCHENG_MAX_DOCUMENT_MB", "5 MB")
    assert not path.exists()
