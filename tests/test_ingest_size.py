"""Document size: a file above the configured limit is refused by name; the others still load."""

from __future__ import annotations

import pytest

from xiancheng import settings
from xiancheng.ingest.pipeline import build_dataset

from test_ingest_bad_input import GOOD, make_plans, report_of

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
