"""The History projections (<table>_current) are WITHOUT ROWID tables on SQLite (rows in key order
in the primary key's b-tree, so an ordered current read needs no lookup per row): new tables from
the model, older databases through migration 0007, which keeps every row and index and is
undone by its downgrade; PostgreSQL's schema is not changed by it."""

from __future__ import annotations

import re

from sqlalchemy import MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from xiancheng import store as st
from xiancheng.store import dump as dumping
from xiancheng.store import migrate
from xiancheng.store.db import NAMING_CONVENTION, engine_for
from xiancheng.store.history import is_projection

BEFORE = "0006_current_projections"
PROJECTIONS = ("account_current", "import_batch_current", "progress_report_current")


class ScratchBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Sheet(st.History, ScratchBase):
    __tablename__ = "scratch_rowid_sheet"
    __scope__ = None
    title: Mapped[str] = mapped_column(String(50))


def sqlite_schema(connection, table: str) -> dict:
    """The table's CREATE statement and its indexes (name → sql; None for SQLite's automatic ones)."""
    rows = connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? ORDER BY type, name", (table,)).all()
    return {(kind, name): sql for kind, name, sql in rows}


def without_rowid(sql: str) -> bool:
    return bool(re.search(r"\)\s*WITHOUT ROWID\s*$", sql))


def body(sql: str) -> str:
    """A CREATE TABLE statement after its table's name."""
    return sql[sql.index("("):]


def all_rows(connection, table: str) -> list[tuple]:
    return [tuple(r) for r in connection.exec_driver_sql(f'SELECT * FROM "{table}" ORDER BY "key"')]


def fill_at_0006(engine) -> None:
    """History written at 0004 (keys not in key order, several versions, a retired record) and a
    progress report, projected by 0006; plus an index someone added to a projection by hand."""
    migrate.upgrade(engine, "0004_imports")
    with engine.begin() as connection:
        for key, version, role, retired in (("zhang", 1, "viewer", False), ("wu", 1, "editor", False),
                                            ("zhang", 2, "editor", False), ("li", 1, "viewer", False),
                                            ("an", 1, "admin", False), ("li", 2, "viewer", True)):
            connection.execute(text(
                "INSERT INTO account (key, version, retired, created_at, created_by, display_name, password_hash, "
                "role, units, areas) VALUES (:key, :version, :retired, '2026-01-02 03:04:05.123456', 'old', "
                ":name, 'x', :role, :units, '[]')"),
                {"key": key, "version": version, "role": role, "retired": retired, "name": f"姓名 {key}",
                 "units": f'["unit of {key} v{version}"]'})
        for version, percent in ((1, "10.5"), (2, "42.0")):
            connection.execute(text(  # percent as a literal: a NUMERIC on both databases
                "INSERT INTO progress_report (key, version, retired, created_at, created_by, unit, adcode, kind, "
                "period, status, percent, invest_period_yi, invest_cumulative_yi, note, item_document, item_title) "
                "VALUES ('140821|doc|1', :version, :retired, '2026-02-03 04:05:06', 'old', '市住建局', '140821', 'month', "
                "'2026-01', 'started', {percent}, NULL, 1.2345, '备注', 'doc', '老旧小区改造')".format(percent=percent)),
                {"version": version, "retired": False})
    migrate.upgrade(engine, BEFORE)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE INDEX ix_by_hand_role ON account_current (role)")


def test_migration_0007_rebuilds_sqlite_projections_without_rowid_keeping_rows_and_indexes(sqlite_url, admin):
    engine = engine_for(sqlite_url)
    fill_at_0006(engine)
    with engine.connect() as connection:
        schema_before = {t: sqlite_schema(connection, t) for t in PROJECTIONS}
        rows_before = {t: all_rows(connection, t) for t in PROJECTIONS}
    assert [r[6] for r in rows_before["account_current"]] == ["an", "li", "wu", "zhang"]  # key column
    assert len(rows_before["progress_report_current"]) == 1 and rows_before["import_batch_current"] == []
    for table in PROJECTIONS:  # at 0006: rowid tables, the key in an automatic index
        assert not without_rowid(schema_before[table][("table", table)])
        assert ("index", f"sqlite_autoindex_{table}_1") in schema_before[table]

    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as connection:
        for table in PROJECTIONS:
            schema = sqlite_schema(connection, table)
            created = schema.pop(("table", table))
            assert without_rowid(created), created
            # the same definition otherwise: columns, types, the named primary key (SQLite's
            # RENAME writes the table's name quoted)
            assert created == schema_before[table][("table", table)].replace(
                f"CREATE TABLE {table} (", f'CREATE TABLE "{table}" (') + " WITHOUT ROWID"
            expected = {k: v for k, v in schema_before[table].items()
                        if k[0] != "table" and not k[1].startswith("sqlite_autoindex")}
            assert schema == expected  # the hand-made index again, no automatic one
            assert all_rows(connection, table) == rows_before[table]
        assert ("index", "ix_by_hand_role") in sqlite_schema(connection, "account_current")
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM account_current WHERE retired = 0 ORDER BY key").all()
        assert [row[3] for row in plan] == ["SCAN account_current"]  # no index lookups, no sort

    # every write path on the rebuilt tables: a save (driver-level upsert), a read, rebuild, dump/restore
    store = st.open(sqlite_url)
    store.update_user(admin, "zhang", 2, role="admin")
    store.add_user(admin, "bai", "password one", "viewer")
    assert [(u.username, u.role, u.version) for u in store.users()] == [
        ("an", "admin", 1), ("bai", "viewer", 1), ("wu", "editor", 1), ("zhang", "admin", 3)]
    with engine.connect() as connection:
        projected = all_rows(connection, "account_current")
    assert store.rebuild_current(st.Account) == {"account": 5}
    with engine.connect() as connection:
        assert all_rows(connection, "account_current") == projected
    target_url = sqlite_url.replace("store.sqlite", "restored.sqlite")
    try:
        target = st.open(target_url)
        dumping.restore(target, dumping.dump(store))
        with target.engine.connect() as connection:
            assert all_rows(connection, "account_current") == projected
            assert without_rowid(sqlite_schema(connection, "account_current")[("table", "account_current")])
    finally:
        st.forget(target_url)

    # the downgrade gives rowid tables back, rows kept; upgrading again is the same as the first time
    migrate.downgrade(engine, BEFORE)
    st.forget(sqlite_url)
    with engine_for(sqlite_url).connect() as connection:
        for table in PROJECTIONS:
            schema = sqlite_schema(connection, table)
            assert not without_rowid(schema[("table", table)])
            assert body(schema[("table", table)]) == body(schema_before[table][("table", table)])
            assert ("index", f"sqlite_autoindex_{table}_1") in schema
        assert all_rows(connection, "account_current") == projected
    migrate.upgrade(engine_for(sqlite_url))
    with engine_for(sqlite_url).connect() as connection:
        assert all(without_rowid(sqlite_schema(connection, t)[("table", t)]) for t in PROJECTIONS)
        assert all_rows(connection, "account_current") == projected


def test_fresh_sqlite_databases_and_new_tables_have_projections_without_rowid(sqlite_url, admin):
    store = st.open(sqlite_url)
    ScratchBase.metadata.create_all(store.engine)  # a feature's table made from its model
    projections = sorted(t.name for t in st.Base.metadata.tables.values() if is_projection(t))
    assert set(PROJECTIONS) <= set(projections)
    with store.engine.connect() as connection:
        for table in [*projections, "scratch_rowid_sheet_current"]:
            assert without_rowid(sqlite_schema(connection, table)[("table", table)]), table
        # the history tables and current_row keep their rowid (the id is their primary key)
        for table in ("account", "current_row", "scratch_rowid_sheet"):
            assert not without_rowid(sqlite_schema(connection, table)[("table", table)]), table
    with store.write(admin, "test") as tx:
        for key in ("b", "a", "c"):
            tx.append(Sheet, key, None, title=f"title {key}")
    with store.write(admin, "test") as tx:
        tx.append(Sheet, "a", 1, title="title a, second")
    assert [(r.key, r.version, r.title) for r in store.current_rows(Sheet)] == [
        ("a", 2, "title a, second"), ("b", 1, "title b"), ("c", 1, "title c")]


def postgresql_schema(connection) -> dict:
    """Every column, constraint and index of the projections, as PostgreSQL describes them."""
    columns = connection.exec_driver_sql(
        "SELECT table_name, ordinal_position, column_name, data_type, character_maximum_length, numeric_precision, "
        "numeric_scale, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name LIKE '%%\\_current' ORDER BY 1, 2").all()
    constraints = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid::regclass::text LIKE '%%\\_current' ORDER BY 1, 2").all()
    indexes = connection.exec_driver_sql(
        "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename LIKE '%%\\_current' ORDER BY 1, 2").all()
    return {"columns": columns, "constraints": constraints, "indexes": indexes}


def test_migration_0007_leaves_postgresql_as_it_was(postgres_url):
    engine = engine_for(postgres_url)
    fill_at_0006(engine)
    with engine.connect() as connection:
        schema, rows = postgresql_schema(connection), {t: all_rows(connection, t) for t in PROJECTIONS}
    assert {c[0] for c in schema["columns"]} == set(PROJECTIONS)
    assert ("account_current", "pk_account_current", 'PRIMARY KEY (key)') in schema["constraints"]
    assert len(rows["account_current"]) == 4
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as connection:
        assert postgresql_schema(connection) == schema
        assert {t: all_rows(connection, t) for t in PROJECTIONS} == rows
    migrate.downgrade(engine, BEFORE)
    with engine.connect() as connection:
        assert postgresql_schema(connection) == schema
