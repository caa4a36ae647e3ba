"""Progress reports in the store (issue 14), on SQLite and PostgreSQL: append-only history,
concurrent reporters, stale corrections, scope, derived lateness, identity across re-ingest."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from plan_builder import county_plan as county_entry
from plan_builder import write_plans
from plan_factory import county_plan

from xiancheng import progress
from xiancheng import store as store_module
from xiancheng.ingest.pipeline import build_dataset
from xiancheng.store import progress as ps

QINSHUI = "140521"
DOC = "900_qinshui.txt"
WANG = store_module.User("wang", "王", "editor", units=("县住建局",))
LI = store_module.User("li", "李", "editor", units=("县住建局",), areas=(QINSHUI,))
ZHAO = store_module.User("zhao", "赵", "editor", areas=("140522",))  # 阳城县
VIEWER = store_module.User("viewer", "看", "viewer")


def build(tmp_path, text: str, title_line: int = 1):
    entry = {**county_entry(QINSHUI), "title_lines": [title_line, title_line]}
    folder = write_plans(tmp_path, {DOC: (entry, text)})
    dataset, report = build_dataset(folder)
    assert report.documents[0].status == "ok", report.documents[0].issues
    return dataset, progress.build_items(dataset)


@pytest.fixture
def plan(tmp_path):
    text = county_plan("沁水县", tasks=3, extra=3)
    return text, build(tmp_path / "v1", text)


def values(status="in-progress", period="2026-11", **more):
    return ps.check_values(period, status, **more)


def test_reports_append_and_never_overwrite(store, plan):
    _text, (_dataset, items) = plan
    item = next(i for i in items.values() if "县住建局" in i.units)
    first = ps.report(store, WANG, item.scope, values("in-progress", percent=30, note="开工"))
    second = ps.report(store, WANG, item.scope, values("done", period="2026-12", percent=100))
    history = store.history(ps.ProgressReport, item.key)
    assert [(r.version, r.status, r.period, r.percent) for r in history] == [
        (1, "in-progress", "2026-11", Decimal("30.0")), (2, "done", "2026-12", Decimal("100.0"))]
    assert history[0].note == "开工" and history[0].created_by == "wang" and history[0].unit == "县住建局"
    assert (first.version, second.version) == (1, 2)
    assert ps.current(store)[item.key].status == "done"


def test_two_editors_reporting_at_once_are_both_kept_in_order(store, plan):
    _text, (_dataset, items) = plan
    item = next(i for i in items.values() if "县住建局" in i.units)
    ps.report(store, WANG, item.scope, values("not-started"))
    # Both opened the form on version 1; both save new reports: neither is lost.
    ps.report(store, WANG, item.scope, values("in-progress", note="王的报告"))
    ps.report(store, LI, item.scope, values("done", note="李的报告"))
    assert [(r.version, r.created_by, r.note) for r in store.history(ps.ProgressReport, item.key)] == [
        (1, "wang", ""), (2, "wang", "王的报告"), (3, "li", "李的报告")]


def test_reports_racing_in_threads_are_all_kept(store, plan):
    _text, (_dataset, items) = plan
    item = next(i for i in items.values() if "县住建局" in i.units)
    start = threading.Barrier(4)
    failures = []

    def reporter(n):
        start.wait()
        try:
            ps.report(store, LI, item.scope, values("in-progress", note=f"r{n}"))
        except Exception as error:  # pragma: no cover - the assertion below names it
            failures.append(error)

    threads = [threading.Thread(target=reporter, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    history = store.history(ps.ProgressReport, item.key)
    assert [r.version for r in history] == [1, 2, 3, 4]
    assert sorted(r.note for r in history) == ["r0", "r1", "r2", "r3"]


def test_a_stale_correction_is_refused_and_nothing_written(store, plan):
    _text, (_dataset, items) = plan
    item = next(i for i in items.values() if "县住建局" in i.units)
    seen = ps.report(store, WANG, item.scope, values("in-progress", percent=40)).version
    ps.report(store, LI, item.scope, values("in-progress", percent=60))
    with pytest.raises(store_module.StaleEdit) as stale:
        ps.correct(store, WANG, item.scope, seen, values("in-progress", percent=45))
    assert stale.value.changed_by == "li" and stale.value.current_version == 2
    assert [r.percent for r in store.history(ps.ProgressReport, item.key)] == [Decimal("40.0"), Decimal("60.0")]
    assert store.audit_log(actor="wang", action="progress.correct")[0].outcome == "refused"
    # Based on the current version, the correction goes through.
    assert ps.correct(store, WANG, item.scope, 2, values("in-progress", percent=65)).version == 3


def test_scope_is_enforced_in_the_store(store, plan):
    _text, (_dataset, items) = plan
    housing = next(i for i in items.values() if "县住建局" in i.units)
    industry = next(i for i in items.values() if i.units == ("县工信局", "县商务局"))
    assert housing.home_adcode == QINSHUI
    with pytest.raises(store_module.ScopeError):  # not his department
        ps.report(store, WANG, industry.scope, values())
    with pytest.raises(store_module.ScopeError):  # another county's editor
        ps.report(store, ZHAO, housing.scope, values())
    with pytest.raises(store_module.ScopeError):
        ps.report(store, VIEWER, housing.scope, values())
    with pytest.raises(store_module.ScopeError):
        ps.report(store, None, housing.scope, values())
    # A forged scope (the item's department swapped for the editor's) is still the item's.
    forged = ps.ItemScope(industry.key, "task", ("县工信局",), QINSHUI)
    with pytest.raises(store_module.ScopeError):
        ps.report(store, WANG, forged, values())
    assert ps.current(store) == {}
    assert {e.outcome for e in store.audit_log(action="progress.report")} == {"refused"}
    # In scope: the department's editor, and an area editor of the county.
    ps.report(store, WANG, housing.scope, values())
    area_editor = store_module.User("sun", "孙", "editor", areas=("140500",))  # 晋城市 covers 沁水县
    ps.report(store, area_editor, industry.scope, values())
    assert set(ps.current(store)) == {housing.key, industry.key}
    assert ps.may_report(WANG, housing.scope) and not ps.may_report(WANG, industry.scope)


@pytest.mark.parametrize("field,kwargs,problem", [
    ("status", dict(period="2026-11", status="完成"), "status"),
    ("period", dict(period="2026-13", status="done"), "period"),
    ("period", dict(period="11/2026", status="done"), "period"),
    ("percent", dict(period="2026-11", status="done", percent=120), "out of range"),
    ("percent", dict(period="2026-11", status="done", percent="八十"), "number"),
    ("invest_cumulative_yi", dict(period="2026-11", status="done", invest_cumulative_yi=-1), "out of range"),
])
def test_bad_values_are_refused_with_the_field_named(field, kwargs, problem):
    with pytest.raises(ps.InvalidProgress) as refused:
        ps.check_values(**kwargs)
    assert refused.value.field == field and problem in str(refused.value)


def test_late_is_derived_not_stored(store, plan):
    _text, (_dataset, items) = plan
    due_2025 = next(i for i in items.values() if i.planned_year == 2025)
    open_ended = next(i for i in items.values() if i.planned_year is None and "县住建局" in i.units)
    ps.report(store, WANG, due_2025.scope, values("in-progress"))
    rows = ps.current(store)
    in_2025 = progress.statuses(items, rows, today=date(2025, 6, 1))
    in_2026 = progress.statuses(items, rows, today=date(2026, 1, 5))
    assert in_2025[due_2025.key].status == "in-progress" and not in_2025[due_2025.key].derived_late
    assert in_2026[due_2025.key].status == "late" and in_2026[due_2025.key].reported == "in-progress"
    assert in_2026[open_ended.key].status is None and not in_2026[open_ended.key].derived_late
    assert rows[due_2025.key].status == "in-progress"  # the store still says what was reported
    ps.report(store, WANG, due_2025.scope, values("done"))
    assert progress.statuses(items, ps.current(store), today=date(2026, 1, 5))[due_2025.key].status == "done"
    summary = progress.summarise(list(items.values()), in_2026)
    assert (summary.tasks, summary.tasks_done, summary.late, summary.reported) == (6, 0, 1, 1)


def test_reingest_with_a_line_inserted_at_the_top_keeps_progress_attached(store, plan, tmp_path):
    text, (dataset, items) = plan
    admin = store_module.system_user("test")
    entries = [(item.scope, values("in-progress", note=item.title)) for item in items.values()]
    ps.report_many(store, admin, entries)
    corrected = "（2026年修订稿）\n" + text
    new_dataset, new_items = build(tmp_path / "v2", corrected, title_line=2)
    assert [t.citation.line_start for t in new_dataset.tasks] == [t.citation.line_start + 1 for t in dataset.tasks]
    rows = ps.current(store)
    assert set(rows) == set(new_items) and len(rows) == 6
    assert progress.orphans(new_items, rows) == []
    assert all(rows[key].note == item.title for key, item in new_items.items())


def test_an_item_removed_from_the_document_leaves_its_progress_orphaned_and_listed(store, plan, tmp_path):
    text, (_dataset, items) = plan
    admin = store_module.system_user("test")
    gone = next(i for i in items.values() if i.title == "推进第2项重点工作")
    ps.report(store, admin, gone.scope, values("in-progress", percent=50))
    # The corrected document drops that task and rewords another.
    lines = [line for line in text.splitlines() if "推进第2项重点工作" not in line]
    corrected = "\n".join(lines).replace("推进第3项重点工作", "推进第三项重点工作") + "\n"
    _new_dataset, new_items = build(tmp_path / "v2", corrected)
    assert gone.key not in new_items
    rows = ps.current(store)
    assert set(rows) == {gone.key}  # never dropped
    (orphan,) = progress.orphans(new_items, rows)
    assert orphan.key == gone.key and orphan.row.percent == Decimal("50.0")
    best, score = orphan.candidates[0]
    assert best.title in ("推进第1项重点工作", "推进第3项重点工作", "推进第三项重点工作") and score > 0.8
    # Re-attaching (admins) carries the latest report over and retires the orphan, history kept.
    target = next(i for i in new_items.values() if i.title == "推进第1项重点工作")
    with pytest.raises(store_module.ScopeError):
        ps.reattach(store, WANG, gone.key, target.scope)
    ps.reattach(store, admin, gone.key, target.scope)
    rows = ps.current(store)
    assert set(rows) == {target.key} and rows[target.key].percent == Decimal("50.0")
    assert gone.key in rows[target.key].note
    assert [r.retired for r in store.history(ps.ProgressReport, gone.key)] == [False, True]
    assert progress.orphans(new_items, rows) == []


def test_progress_survives_dump_and_restore_exactly(store, plan, sqlite_url, tmp_path):
    from xiancheng.store import dump as dumping

    _text, (_dataset, items) = plan
    item = next(i for i in items.values() if "县住建局" in i.units)
    ps.report(store, WANG, item.scope, values("in-progress", percent=Decimal("12.5"), invest_period_yi=Decimal("0.1234"),
                                              invest_cumulative_yi=3))
    data = dumping.dump(store, tmp_path / "dump.json")
    if store.url == sqlite_url:
        return  # the restore target below is a fresh SQLite file; PostgreSQL → SQLite is the cross case
    target = store_module.open(sqlite_url)
    dumping.restore(target, data)
    (row,) = target.current(ps.ProgressReport)
    assert (row.percent, row.invest_period_yi, row.invest_cumulative_yi) == (
        Decimal("12.5"), Decimal("0.1234"), Decimal("3.0000"))
    assert row.created_by == "wang" and row.key == item.key


def test_orphan_candidates_rank_by_title_similarity_with_the_same_document_first(plan):
    from types import SimpleNamespace
    _text, (_dataset, items) = plan
    tasks = [item for item in items.values() if item.kind == "task"]
    target = next(i for i in tasks if i.title == "推进第2项重点工作")

    def lost(key, title, document=DOC, kind="task"):
        return SimpleNamespace(kind=kind, item_title=title, item_document=document)

    rows = {"gone-1": lost("gone-1", "推进第2项重点工作（修订）"),
            "gone-2": lost("gone-2", "推进第2项重点工作（修订）", document="elsewhere.txt"),
            "gone-3": lost("gone-3", "完全无关的内容", kind="project"),
            target.key: lost(target.key, target.title)}  # still an item: not an orphan
    found = {orphan.key: orphan for orphan in progress.orphans(items, rows)}
    assert sorted(found) == ["gone-1", "gone-2", "gone-3"]
    best, score = found["gone-1"].candidates[0]
    assert best is target and len(found["gone-1"].candidates) == 3
    scores = [s for _item, s in found["gone-1"].candidates]
    assert scores == sorted(scores, reverse=True)
    # The same document adds 0.1 (capped at 1): the other document's orphan scores exactly that much less.
    assert found["gone-2"].candidates[0] == (target, pytest.approx(score - 0.1, abs=1e-3))
    assert all(item.kind == "project" for item, _s in found["gone-3"].candidates)


def test_a_thousand_orphans_each_get_their_closest_items(plan):
    from types import SimpleNamespace
    _text, (_dataset, items) = plan
    titles = {item.title: item for item in items.values() if item.kind == "task"}
    rows = {f"gone-{n:04d}": SimpleNamespace(kind="task", item_title=f"{title}（第{n}稿）", item_document="old.txt")
            for n, title in enumerate(list(titles) * 334)}
    result = progress.orphans(items, rows)
    assert len(result) == len(rows) >= 1000
    for orphan in result:
        wanted = orphan.row.item_title.split("（")[0]
        assert orphan.candidates[0][0].title == wanted


def test_a_busy_sqlite_file_is_a_retryable_busy_error_not_a_setting_error(monkeypatch, tmp_path, plan):
    import sqlite3

    from xiancheng.store import db
    _text, (_dataset, items) = plan
    item = next(iter(items.values()))
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "busy.sqlite"
    busy = store_module.open(f"sqlite:///{path}")
    admin = store_module.system_user("test")
    ps.report(busy, admin, item.scope, values("in-progress"))
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        with pytest.raises(store_module.StoreBusy, match="busy with other saves.*nothing was saved"):
            with busy.write(admin, "progress.correct") as tx:
                tx.append_after_latest(ps.ProgressReport, item.key, **ps._row_values(admin, item.scope, values("done")))
        # report_many waits and tries again: the holder lets go during the retries.
        releaser = threading.Timer(0.3, holder.execute, ("COMMIT",))
        releaser.start()
        ps.report(busy, admin, item.scope, values("done"))
        releaser.join()
    finally:
        holder.close()
        store_module.forget(f"sqlite:///{path}")
    assert [r.status for r in busy.history(ps.ProgressReport, item.key)] == ["in-progress", "done"]
