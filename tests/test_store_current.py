"""current_row, the derived pointer to the latest history row, and each History table's
projection (<table>_current, a copy of that row), on SQLite and on a real PostgreSQL: they agree
with the history after concurrent writers and on every write path, are backfilled by
migrations 0005 and 0006, rebuilt by restore and by rebuild_current; plus the write path's
connection and durability settings."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import MetaData, String, and_, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from xiancheng import store as st
from xiancheng.store import db, migrate
from xiancheng.store import dump as dumping
from xiancheng.store.db import NAMING_CONVENTION, engine_for
from xiancheng.store.history import current_from_projection, latest_versions


class ScratchBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Task(st.History, ScratchBase):
    __tablename__ = "scratch_task"
    __scope__ = ("unit", "adcode")
    unit: Mapped[str] = mapped_column(String(100))
    adcode: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(50), default="none given")


class Note(st.History, ScratchBase):
    __tablename__ = "scratch_note"
    __scope__ = None  # admins only
    text: Mapped[str] = mapped_column(String(50))


@pytest.fixture
def tasks(store):
    ScratchBase.metadata.create_all(store.engine)
    return store


def latest_by_grouping(store, model, include_retired=True) -> list:
    """The current state the slow, obviously right way: the max version per key over all rows."""
    table = model.__table__
    latest = latest_versions(table)
    query = select(table).join(latest, and_(table.c.key == latest.c.key, table.c.version == latest.c.version))
    if not include_retired:
        query = query.where(table.c.retired.is_(False))
    with store.engine.connect() as connection:
        return connection.execute(query.order_by(table.c.key)).all()


def projected(store, model) -> list:
    """The projection's rows, in the history table's column order, by key."""
    table, current = model.__table__, st.projection(model)
    with store.engine.connect() as connection:
        return connection.execute(select(*(current.c[c.name] for c in table.c)).order_by(current.c.key)).all()


def pointers(store, table_name) -> list[tuple]:
    with store.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            text("SELECT key, version, row_id FROM current_row WHERE table_name = :t ORDER BY key"), {"t": table_name})]


def test_current_is_the_latest_history_row_after_concurrent_writers(tasks, admin):
    """Six threads report on twelve shared records for a while (each report after whatever is
    latest, retrying when another lands first), some retire and some edit on a stale version:
    afterwards the current state read through current_row is exactly the latest row per key."""
    keys = [f"1408{n:02d}/t" for n in range(12)]
    outcomes = {"saved": 0, "stale": 0}
    lock = threading.Lock()
    start = threading.Barrier(6)

    def worker(n):
        rng = random.Random(n)
        user = st.User(f"user{n}", f"user{n}", "editor", units=("市住建局",), areas=("140800",))
        start.wait()
        for step in range(25):
            key = rng.choice(keys)
            seen = tasks.get(Task, key)
            based_on = seen.version if seen is not None else None
            if based_on is not None and rng.random() < 0.2:
                based_on -= 1 if based_on > 1 else 0  # an edit started from an old version
            try:
                with tasks.write(user, "task.report") as tx:
                    if seen is not None and rng.random() < 0.1:
                        tx.retire(Task, key, based_on)
                    else:
                        tx.append(Task, key, based_on, unit="市住建局", adcode=key[:6], status=f"{n}.{step}")
                        other = rng.choice(keys)  # a second record in the same transaction
                        if other != key:
                            latest = tasks.get(Task, other)
                            tx.append(Task, other, latest.version if latest else None, unit="市住建局",
                                      adcode=other[:6], status=f"{n}.{step}+")
                with lock:
                    outcomes["saved"] += 1
            except (st.StaleEdit, st.StoreError):
                with lock:
                    outcomes["stale"] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert outcomes["saved"] + outcomes["stale"] == 150 and outcomes["saved"] > 20 and outcomes["stale"] > 0

    expected = latest_by_grouping(tasks, Task)
    assert len({r.key for r in expected}) == len(expected) >= 10
    assert projected(tasks, Task) == expected
    assert tasks.current_rows(Task, include_retired=True) == expected
    assert tasks.current_rows(Task) == latest_by_grouping(tasks, Task, include_retired=False)
    assert [(o.id, o.key, o.version, o.status, o.retired) for o in tasks.current(Task, include_retired=True)] == [
        (r.id, r.key, r.version, r.status, r.retired) for r in expected]
    # every version of every key is there once, 1..n with no gap, and the pointer names the last
    with tasks.engine.connect() as connection:
        versions = connection.execute(text("SELECT key, version FROM scratch_task ORDER BY key, version")).all()
    by_key: dict[str, list[int]] = {}
    for key, version in versions:
        by_key.setdefault(key, []).append(version)
    assert all(v == list(range(1, len(v) + 1)) for v in by_key.values())
    assert [(k, v) for k, v, _ in pointers(tasks, "scratch_task")] == [(k, v[-1]) for k, v in sorted(by_key.items())]
    # derived: rebuilding from the history changes nothing
    before = pointers(tasks, "scratch_task"), projected(tasks, Task)
    assert tasks.rebuild_current(Task) == {"scratch_task": len(by_key)}
    assert (pointers(tasks, "scratch_task"), projected(tasks, Task)) == before


def test_appended_rows_carry_defaults_and_ids_and_are_seen_by_queries_in_the_same_write(tasks, admin):
    with tasks.write(admin, "task.import") as tx:
        first = tx.append(Task, "140821/a", None, unit="市住建局", adcode="140821", status="planned")
        second = tx.append(Task, "140821/a", 1, unit="市住建局", adcode="140821", status="started", note="given")
        # a query through the write's session sees both rows (they are inserted before it runs)
        seen = tx.session.scalars(select(Task).where(Task.key == "140821/a").order_by(Task.version)).all()
        assert [(r.version, r.status) for r in seen] == [(1, "planned"), (2, "started")]
        assert [r.key for r in tx.session.scalars(st.current_select(Task))] == ["140821/a"]
        tx.append(Task, "140822/b", None, unit="市住建局", adcode="140822", status="planned")
    assert (first.note, second.note, first.retired) == ("none given", "given", False)
    assert first.id and second.id > first.id
    assert [(r.id, r.version, r.note) for r in tasks.history(Task, "140821/a")] == [
        (first.id, 1, "none given"), (second.id, 2, "given")]
    assert [(k, v) for k, v, _ in pointers(tasks, "scratch_task")] == [("140821/a", 2), ("140822/b", 1)]


@pytest.mark.parametrize("count", [3, 12])  # PostgreSQL: up to FUSED_MAX_ROWS rows go in one statement
def test_several_tables_and_versions_in_one_write_get_their_ids_and_pointers(tasks, admin, count):
    with tasks.write(admin, "task.import") as tx:
        rows = [tx.append(Task, f"1408{n:02d}/m", None, unit="市住建局", adcode="140821", status="v1")
                for n in range(count - 2)]
        rows.append(tx.append(Task, "140800/m", 1, unit="市住建局", adcode="140821", status="v2"))
        rows.append(tx.append(Note, "n", None, text="note"))
    with tasks.engine.connect() as connection:
        saved = {(r.key, r.version): r.id for r in connection.execute(text("SELECT id, key, version FROM scratch_task"))}
        saved.update({(r.key, r.version): r.id for r in connection.execute(text("SELECT id, key, version FROM scratch_note"))})
    assert {(r.key, r.version): r.id for r in rows} == saved and len(saved) == count
    assert [(k, v) for k, v, _ in pointers(tasks, "scratch_task")] == [("140800/m", 2)] + [
        (f"1408{n:02d}/m", 1) for n in range(1, count - 2)]
    assert [(r.key, r.status) for r in tasks.current_rows(Task)][0] == ("140800/m", "v2")
    assert [(r.key, r.text) for r in tasks.current(Note)] == [("n", "note")]
    assert projected(tasks, Task) == latest_by_grouping(tasks, Task) and len(projected(tasks, Task)) == count - 2
    assert projected(tasks, Note) == latest_by_grouping(tasks, Note)
    [entry] = tasks.audit_log(action="task.import")
    assert entry.target.split() == [f"scratch_task:{r.key}" for r in rows[:-1]] + ["scratch_note:n"]


def test_a_refused_write_leaves_current_row_as_it_was(tasks, admin):
    with tasks.write(admin, "task.save") as tx:
        tx.append(Task, "140821/a", None, unit="市住建局", adcode="140821", status="planned")
    before = pointers(tasks, "scratch_task")
    before_projected = projected(tasks, Task)
    with pytest.raises(st.StaleEdit):
        with tasks.write(admin, "task.save") as tx:
            tx.append(Task, "140821/new", None, unit="市住建局", adcode="140821", status="planned")
            tx.append(Task, "140821/a", None, unit="市住建局", adcode="140821", status="again")
    with pytest.raises(RuntimeError):
        with tasks.write(admin, "task.save") as tx:
            tx.append(Task, "140821/other", None, unit="市住建局", adcode="140821", status="planned")
            tx.flush()
            raise RuntimeError("the feature failed after its rows were inserted")
    assert pointers(tasks, "scratch_task") == before
    assert projected(tasks, Task) == before_projected
    assert [r.key for r in tasks.current(Task)] == ["140821/a"]


def test_bulk_rows_inserted_around_write_show_after_rebuild_current(tasks, admin):
    now = st.utcnow()
    rows = [dict(key=f"k{n % 40:02d}", version=n // 40 + 1, retired=False, created_at=now, created_by="bulk",
                 unit="市住建局", adcode="140821", status=f"s{n}", note="") for n in range(400)]
    with tasks.engine.begin() as connection:
        connection.execute(insert(Task), rows)
    assert tasks.current_rows(Task) == []  # not projected yet: the projection is only written by the store
    before = tasks.data_version()
    assert tasks.rebuild_current(Task) == {"scratch_task": 40}
    assert tasks.data_version() == before + 1  # caches keyed on it read the new state
    current = tasks.current_rows(Task)
    assert [(r.key, r.version, r.status) for r in current] == [(f"k{n:02d}", 10, f"s{360 + n}") for n in range(40)]
    assert current == latest_by_grouping(tasks, Task) == projected(tasks, Task)


def test_postgresql_reads_the_current_state_by_index_not_by_scanning_the_history(postgres_url, admin):
    """After ANALYZE PostgreSQL's cost model joins current_row by scanning every history row;
    current_select(dialect="postgresql") looks the current rows up by id, and the store's own
    reads scan the projection only, so reading stays proportional to the records, not to the
    history (and returns the same rows as the join)."""
    store = st.open(postgres_url)
    ScratchBase.metadata.create_all(store.engine)
    now = st.utcnow()
    with store.engine.begin() as connection:
        connection.execute(insert(Task), [dict(key=f"k{n % 2000:04d}", version=n // 2000 + 1, retired=n % 7 == 0,
                                               created_at=now, created_by="bulk", unit="市住建局", adcode="140821",
                                               status=f"s{n}", note="") for n in range(20_000)])
    store.rebuild_current(Task)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    query = st.current_select(Task.__table__, dialect="postgresql").where(Task.adcode == "140821")
    with store.engine.connect() as connection:
        plan = "\n".join(connection.execute(text("EXPLAIN " + str(query.compile(
            store.engine, compile_kwargs={"literal_binds": True})))).scalars())
    assert "Seq Scan on scratch_task" not in plan and "Index Scan using pk_scratch_task" in plan, plan
    # what Store.current/current_rows run: the projection alone, the history not touched
    query = current_from_projection(Task, [Task.adcode == "140821"])
    with store.engine.connect() as connection:
        plan = "\n".join(connection.execute(text("EXPLAIN " + str(query.compile(
            store.engine, compile_kwargs={"literal_binds": True})))).scalars())
    assert "scratch_task_current" in plan and "on scratch_task " not in plan and "pk_scratch_task " not in plan, plan
    rows = store.current_rows(Task, Task.adcode == "140821")
    assert len(rows) == 2000 - len([k for k in range(2000) if (18_000 + k) % 7 == 0])
    assert rows == [r for r in latest_by_grouping(store, Task, include_retired=False)]
    assert [r.key for r in store.current(Task, Task.adcode == "140821")] == [r.key for r in rows]


def test_rows_a_feature_adds_itself_are_projected_in_its_write(tasks, admin):
    with tasks.write(admin, "task.add") as tx:
        tx.authorize(Task, unit="市住建局", adcode="140821")
        tx.session.add(Task(key="140821/own", version=1, retired=False, created_at=st.utcnow(), created_by="admin",
                            unit="市住建局", adcode="140821", status="added", note="by hand"))
    with tasks.write(admin, "task.retire") as tx:
        tx.append(Task, "140821/gone", None, unit="市住建局", adcode="140821", status="planned")
    with tasks.write(admin, "task.retire") as tx:
        tx.retire(Task, "140821/gone", 1)
    assert projected(tasks, Task) == latest_by_grouping(tasks, Task)
    assert [(r.key, r.status, r.retired) for r in projected(tasks, Task)] == [
        ("140821/gone", "planned", True), ("140821/own", "added", False)]
    assert [(r.key, r.note) for r in tasks.current_rows(Task)] == [("140821/own", "by hand")]


def test_current_reads_apply_filters_written_on_the_history_to_its_projection(tasks, admin):
    """Filters name the model's columns (ORM attributes or Table columns); a subquery over the
    history still means the history (here: records that were ever 'planned')."""
    for n, statuses in enumerate((["planned", "done"], ["started"], ["planned"], ["planned", "done", "checked"])):
        for version, status in enumerate(statuses, 1):
            with tasks.write(admin, "task.save") as tx:
                tx.append(Task, f"14082{n}/f", version - 1 or None, unit="市住建局", adcode=f"14082{n}",
                          status=status, note=f"n{n}")
    with tasks.write(admin, "task.retire") as tx:
        tx.retire(Task, "140822/f", 1)
    table = Task.__table__
    assert [r.key for r in tasks.current_rows(Task, Task.adcode.in_(["140820", "140823"]))] == ["140820/f", "140823/f"]
    assert [r.key for r in tasks.current_rows(Task, table.c.status == "done")] == ["140820/f"]
    assert [r.key for r in tasks.current_rows(Task, Task.status != "done", Task.note.like("n%"))] == [
        "140821/f", "140823/f"]
    ever_planned = select(table.c.key).where(table.c.status == "planned")
    assert [(r.key, r.status) for r in tasks.current_rows(Task, Task.key.in_(ever_planned), include_retired=True)] == [
        ("140820/f", "done"), ("140822/f", "planned"), ("140823/f", "checked")]
    orm = tasks.current(Task, Task.key.in_(ever_planned))
    assert [(o.key, o.version, o.status, type(o)) for o in orm] == [
        ("140820/f", 2, "done", Task), ("140823/f", 3, "checked", Task)]
    history_ids = {(r.key, r.version): r.id for r in latest_by_grouping(tasks, Task)}
    assert [o.id for o in orm] == [history_ids[("140820/f", 2)], history_ids[("140823/f", 3)]]
    assert all(o.created_at.tzinfo is not None for o in orm)


def test_big_reads_pause_the_garbage_collector_only_while_they_run(tasks, admin):
    import gc

    with tasks.write(admin, "task.save") as tx:
        tx.append(Task, "140821/a", None, unit="市住建局", adcode="140821", status="planned")
    try:
        assert gc.isenabled()
        assert [r.key for r in tasks.current_rows(Task)] == ["140821/a"] and gc.isenabled()
        gc.disable()  # paused by someone else: a read leaves it paused
        assert [r.key for r in tasks.current(Task)] == ["140821/a"] and not gc.isenabled()
    finally:
        gc.enable()


def test_migration_0005_backfills_current_row_from_the_history(store_url):
    """A database at 0004 with history written then: after the upgrade, current() is its latest rows."""
    engine = engine_for(store_url)
    migrate.upgrade(engine, "0004_imports")
    with engine.begin() as connection:
        for key, version, role, retired in (("zhang", 1, "viewer", False), ("zhang", 2, "editor", False),
                                            ("zhang", 3, "admin", False), ("li", 1, "viewer", False),
                                            ("li", 2, "viewer", True), ("wu", 1, "editor", False)):
            connection.execute(text(
                "INSERT INTO account (key, version, retired, created_at, created_by, display_name, password_hash, "
                "role, units, areas) VALUES (:key, :version, :retired, '2026-01-02 03:04:05', 'old', :key, 'x', "
                ":role, '[]', '[]')"), {"key": key, "version": version, "role": role, "retired": retired})
    store = st.open(store_url)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert [(u.username, u.role, u.version) for u in store.users()] == [("wu", "editor", 1), ("zhang", "admin", 3)]
    assert [(u.username, u.version) for u in store.users(include_retired=True)] == [("li", 2), ("wu", 1), ("zhang", 3)]
    assert store.current_rows(st.Account, include_retired=True) == latest_by_grouping(store, st.Account)
    migrate.downgrade(engine, "0004_imports")  # the pointer is derived: dropping it loses nothing
    st.forget(store_url)
    assert [(u.username, u.version) for u in st.open(store_url).users()] == [("wu", 1), ("zhang", 3)]


def test_migration_0006_fills_the_projections_from_the_history(store_url):
    """A database at 0005 with history and pointers: after the upgrade each History table's
    projection holds the latest row of every record, and reads and writes go on from there."""
    engine = engine_for(store_url)
    migrate.upgrade(engine, "0004_imports")
    with engine.begin() as connection:
        for key, version, role, retired in (("zhang", 1, "viewer", False), ("zhang", 2, "editor", False),
                                            ("li", 1, "viewer", False), ("li", 2, "viewer", True),
                                            ("wu", 1, "editor", False)):
            connection.execute(text(
                "INSERT INTO account (key, version, retired, created_at, created_by, display_name, password_hash, "
                "role, units, areas) VALUES (:key, :version, :retired, '2026-01-02 03:04:05', 'old', :key, 'x', "
                ":role, :units, '[]')"), {"key": key, "version": version, "role": role, "retired": retired,
                                          "units": f'["unit of {key} v{version}"]'})
    migrate.upgrade(engine, "0005_current_row")
    migrate.upgrade(engine)
    store = st.open(store_url)
    assert projected(store, st.Account) == latest_by_grouping(store, st.Account)
    assert [(r.key, r.version, r.role, r.units, r.retired) for r in projected(store, st.Account)] == [
        ("li", 2, "viewer", ["unit of li v2"], True), ("wu", 1, "editor", ["unit of wu v1"], False),
        ("zhang", 2, "editor", ["unit of zhang v2"], False)]
    assert [(u.username, u.role, u.version) for u in store.users()] == [("wu", "editor", 1), ("zhang", "editor", 2)]
    store.update_user(st.system_user("test"), "zhang", 2, role="admin")
    assert [(r.key, r.version, r.role) for r in store.current_rows(st.Account)] == [
        ("wu", 1, "editor"), ("zhang", 3, "admin")]
    migrate.downgrade(engine, "0005_current_row")  # derived: dropping it loses nothing
    st.forget(store_url)
    assert "account_current" not in inspect_tables(engine)
    migrate.upgrade(engine)
    store = st.open(store_url)
    assert projected(store, st.Account) == latest_by_grouping(store, st.Account)
    assert [(u.username, u.version) for u in store.users()] == [("wu", 1), ("zhang", 3)]


def inspect_tables(engine) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(engine).get_table_names())


def test_restore_rebuilds_current_row_and_dumps_do_not_carry_it(store, admin, tmp_path, request):
    store.add_user(admin, "甲", "password one", "viewer")
    store.update_user(admin, "甲", 1, role="admin")
    store.add_user(admin, "乙", "password two", "viewer")
    store.update_user(admin, "乙", 1, disabled=True)
    data = dumping.dump(store)
    assert "current_row" not in data["tables"] and "account_current" not in data["tables"]
    assert "account" in data["tables"]
    target_url = f"sqlite:///{tmp_path}/restored.sqlite"
    request.addfinalizer(lambda: st.forget(target_url))
    target = st.open(target_url)
    dumping.restore(target, data)
    assert [(u.username, u.role, u.version) for u in target.users()] == [("甲", "admin", 2)]
    assert pointers(target, "account") == pointers(store, "account")
    assert projected(target, st.Account) == projected(store, st.Account) == latest_by_grouping(store, st.Account)


def test_sqlite_timestamps_written_by_hand_read_back_as_utc(sqlite_url):
    store = st.open(sqlite_url)
    with store.engine.begin() as connection:
        for n, at in enumerate(("2026-01-02 03:04:05", "2026-01-02 03:04:05.250000", "2026-01-02T11:04:05+08:00")):
            connection.execute(text("INSERT INTO audit (at, actor, action, outcome, target, client, detail) "
                                    "VALUES (:at, :actor, 'x', 'ok', '', '', '')"), {"at": at, "actor": f"a{n}"})
    expected = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert [e.at for e in sorted(store.audit_log(action="x"), key=lambda e: e.actor)] == [
        expected, expected.replace(microsecond=250000), expected]


# -- connections and durability ----------------------------------------------------------


def test_commit_sync_setting_reaches_both_databases(store_url, monkeypatch):
    """normal: no wait for the disk per commit; full: SQLite FULL, PostgreSQL the server's own
    setting (on by default; this throw-away test cluster runs with it off)."""
    from sqlalchemy import create_engine

    plain = create_engine(store_url)
    with plain.connect() as connection:
        server_default = (connection.exec_driver_sql("SHOW synchronous_commit").scalar()
                          if plain.dialect.name == "postgresql" else None)
    plain.dispose()
    for setting, sqlite_level, pg_value in (("normal", 1, "off"), ("full", 2, server_default)):
        monkeypatch.setenv("XIANCHENG_COMMIT_SYNC", setting)
        st.forget(store_url)
        store = st.open(store_url)
        with store.engine.connect() as connection:
            if store.engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == sqlite_level
            else:
                assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == pg_value
    monkeypatch.setenv("XIANCHENG_COMMIT_SYNC", "sometimes")
    st.forget(store_url)
    with pytest.raises(st.DatabaseSettingError, match="XIANCHENG_COMMIT_SYNC"):
        st.open(store_url)


def test_an_idle_pooled_connection_killed_by_the_server_is_replaced_before_a_save(postgres_url, admin, monkeypatch):
    """No ping on every checkout any more: a connection idle past PING_AFTER_IDLE_SECONDS is
    checked, so a server restart (here: the server ending every session) costs no save."""
    store = st.open(postgres_url)
    store.add_user(admin, "甲", "password one", "viewer")
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0)
    from sqlalchemy import create_engine

    killer = create_engine(postgres_url)
    with killer.begin() as connection:
        killed = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    killer.dispose()
    assert killed >= 1  # every connection in the store's pool
    store.update_user(admin, "甲", 1, role="admin")  # would fail on the dead connection without the ping
    assert store.user("甲").role == "admin" and store.data_version() > 0
