"""Imports in the store (issue 13), on SQLite and PostgreSQL: versions, restore, provenance, scope, CLI."""

from __future__ import annotations

import io

import openpyxl
import pytest

from xiancheng import imports, store as store_module
from xiancheng.store import imports as stored


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def preview_of(data: bytes, name="人口.xlsx"):
    grid = imports.read_grid(data, name)
    return imports.preview(grid, imports.detect(grid))


FIRST = [["县（市、区）", "常住人口（万人）"], ["古县", 8.1], ["洪洞县", 68.5], ["城区", 20.0]]
SECOND = [["县（市、区）", "常住人口（万人）"], ["古县", 8.3], ["洪洞县", 68.0], ["浮山县", 11.2]]


def test_save_needs_consent_for_rejected_rows_and_keeps_them(store, admin):
    data = workbook(FIRST)
    preview = preview_of(data)
    with pytest.raises(stored.RejectedRowsNotAccepted):
        stored.save(store, admin, preview, data, name="人口", based_on=None)
    assert stored.batches(store) == [] and stored.values(store) == []
    batch = stored.save(store, admin, preview, data, name="人口", based_on=None, accept_rejected=True)
    assert (batch.version, batch.record_count, batch.area, batch.file_name, batch.sheet) == (1, 2, "141000", "人口.xlsx", "Sheet")
    assert batch.rejected == [{"row": 4, "cell": "A4", "text": "城区", "reason": "ambiguous", "detail": "阳泉市城区、晋城市城区"}]
    saved = store.get(stored.ImportBatch, "人口")
    assert saved.content == data and saved.created_by == "system:test"
    assert saved.mapping["unit_column"] == 0
    got = {(v.adcode, v.indicator, v.unit, v.value, v.sheet_row, v.cell) for v in stored.values(store)}
    assert got == {("141025", "常住人口", "万人", 8.1, 2, "B2"), ("141024", "常住人口", "万人", 68.5, 3, "B3")}
    assert store.audit_log(action="import.indicators")[0].outcome == "ok"


def test_reimport_makes_a_version_and_restore_brings_the_old_one_back(store, admin):
    first = workbook(FIRST)
    stored.save(store, admin, preview_of(first), first, name="人口", based_on=None, accept_rejected=True)
    second = workbook(SECOND)
    batch = stored.save(store, admin, preview_of(second), second, name="人口", based_on=1)
    assert batch.version == 2
    assert {v.adcode: v.value for v in stored.values(store)} == {"141025": 8.3, "141024": 68.0, "141027": 11.2}
    assert {v.adcode: v.value for v in stored.values(store, "人口", 1)} == {"141025": 8.1, "141024": 68.5}
    with pytest.raises(store_module.StaleEdit):
        stored.save(store, admin, preview_of(second), second, name="人口", based_on=1)
    restored = stored.restore(store, admin, "人口", 1, based_on=2)
    assert (restored.version, restored.restored_from, restored.content) == (3, 1, first)
    assert {v.adcode: v.value for v in stored.values(store)} == {"141025": 8.1, "141024": 68.5}
    assert [b.version for b in store.history(stored.ImportBatch, "人口")] == [1, 2, 3]


def test_editor_scope(store, admin):
    data = workbook(SECOND)
    preview = preview_of(data)
    linfen = store_module.User("li", "李", "editor", areas=("141000",))
    yuncheng = store_module.User("wang", "王", "editor", areas=("140800",))
    with pytest.raises(store_module.ScopeError):
        stored.save(store, yuncheng, preview, data, name="人口", based_on=None)
    assert stored.values(store) == []
    assert stored.save(store, linfen, preview, data, name="人口", based_on=None).area == "141000"


def test_cli_import(tmp_path, store_url, monkeypatch, capsys):
    from xiancheng.__main__ import main

    monkeypatch.setenv("XIANCHENG_DATABASE_URL", store_url)
    path = tmp_path / "人口2023.xlsx"
    path.write_bytes(workbook(FIRST))
    assert main(["import", str(path)]) == 1
    out = capsys.readouterr()
    assert "row 4 A4 '城区'" in out.out and "nothing saved" in out.err
    workspace = store_module.open(store_url)
    assert stored.batches(workspace) == []
    assert main(["import", str(path), "--accept-rejected", "--kind", "target", "--year", "2025"]) == 0
    assert "saved '人口2023' version 1: 2 value(s)" in capsys.readouterr().out
    assert {(v.adcode, v.year, v.kind) for v in stored.values(workspace)} == {("141025", 2025, "target"), ("141024", 2025, "target")}
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook at all")
    assert main(["import", str(bad)]) == 2
    assert "bad.xlsx" in capsys.readouterr().err


def test_dump_and_restore_keep_imports_exactly(store, admin, tmp_path):
    from xiancheng.store import dump as dumping

    data = workbook([["县", "城镇化率（%）"], ["古县", 12.345678901], ["洪洞县", 45.25]])
    stored.save(store, admin, preview_of(data), data, name="率", based_on=None)
    first = dumping.dump(store, tmp_path / "dump.json")
    target_url = f"sqlite:///{tmp_path}/restored.sqlite"
    target = store_module.open(target_url)
    dumping.restore(target, dumping.load(tmp_path / "dump.json"))
    assert dumping.dump(target) == first
    assert target.get(stored.ImportBatch, "率").content == data
    assert {v.adcode: v.value for v in stored.values(target)} == {"141025": 12.345678901, "141024": 45.25}
    store_module.forget(target_url)
