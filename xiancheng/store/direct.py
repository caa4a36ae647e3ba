"""The common save (a write that only appends history rows) at driver level.

A person pressing Save appends one row: checking the version it was based on, inserting it,
pointing current_row at it, copying it into the table's projection (<table>_current), bumping
the data version and adding the audit row. Through the
ORM Session and Core statements the Python around those few statements cost several times
the statements themselves (a save took ~1 ms of CPU on SQLite and ~1 ms plus four round
trips on PostgreSQL). Here the same statements run on a pooled DBAPI connection with SQL
built once per table:

- SQLite: BEGIN IMMEDIATE, per row the indexed lookup of the latest version (checked in
  Python, as Writer.append does) and the INSERT, then current_row, projection, data version
  and audit; COMMIT. The write lock is held from the lookup to the commit, so no save slips between.
- PostgreSQL, one row: ONE statement in autocommit (a statement is its own transaction,
  committed durably as any other): the lookup, the insert made conditional on the version
  found, current_row, projection, data version and audit as data-modifying CTEs that only act
  when the row went in. One round trip instead of BEGIN, lookup, insert, COMMIT; psycopg prepares it
  on the server after a few uses, so it is not planned again. A save of the same version
  landing between our snapshot and our insert still fails on the unique (key, version).

The guarantees are Writer's (scope checked at append, StaleEdit naming who and when, one
audit row, the data version bumped once, all or nothing); Writer falls back to the Session
path for anything else (a query or session.add inside the write, retire, several versions
of one record, several rows on PostgreSQL). Driver errors are raised as SQLAlchemy's
exceptions (IntegrityError, OperationalError, …) like every other statement's, and a
connection the server dropped is invalidated in the pool.
"""

from __future__ import annotations

from sqlalchemy import String, exc
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.types import TypeDecorator

from .db import sqlite_timestamp
from .errors import StaleEdit
from .history import newest, pointers, projection, record_title

_PLANS: dict = {}  # (table, dialect name) → _Plan


class _Plan:
    """What a save into one History table needs, built once per table and dialect."""

    def __init__(self, table, dialect):
        quote = dialect.identifier_preparer.quote
        self.columns = [c for c in table.c if c.key != "id"]
        # (attribute value → driver value) per column, exactly as SQLAlchemy binds them
        self.binds = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in self.columns]
        created_at = table.c.created_at.type
        self.read_created_at = created_at.dialect_impl(dialect).result_processor(dialect, None) or (lambda v: v)
        name, names = quote(table.name), ", ".join(quote(c.name) for c in self.columns)
        current = quote(projection(table).name)
        # A copy of the row into the projection unless a newer version is there (values, then id).
        self.project = (f"INSERT INTO {current} ({names}, id) VALUES ({', '.join('?' * (len(self.columns) + 1))}) "
                        f"ON CONFLICT (key) DO UPDATE SET "
                        + ", ".join(f"{quote(c.name)} = excluded.{quote(c.name)}" for c in table.c if c.key != "key")
                        + f" WHERE excluded.version > {current}.version")
        if dialect.name == "sqlite":
            self.latest = (f"SELECT version, created_by, created_at FROM {name} WHERE key = ? "
                           "ORDER BY version DESC LIMIT 1")
            self.insert = f"INSERT INTO {name} ({names}) VALUES ({', '.join('?' * len(self.columns))}) RETURNING id"
        else:
            self.latest = (f"SELECT version, created_by, created_at FROM {name} WHERE key = %(key)s::VARCHAR "
                           "ORDER BY version DESC LIMIT 1")
            self.checked = _pg_save(table, dialect, self.columns, after_latest=False)
            self.after_latest = _pg_save(table, dialect, self.columns, after_latest=True)

    def values(self, row) -> list:
        state = instance_dict(row)  # the row's values, read without the ORM's instrumentation
        out = []
        for column, bind in zip(self.columns, self.binds):
            value = state.get(column.key)
            out.append(bind(value) if bind is not None and value is not None else value)
        return out


def plan(table, dialect) -> _Plan:
    found = _PLANS.get((table, dialect.name))
    if found is None:
        found = _PLANS[(table, dialect.name)] = _Plan(table, dialect)
    return found


def _pg_cast(column, dialect) -> str:
    # Parameters in an INSERT … SELECT get no type from the target column: cast each one. Text
    # for strings (a cast to VARCHAR(n) would cut a long value; the column still refuses it).
    type_ = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(type_, String):
        return "TEXT"
    return type_.compile(dialect=dialect)


def _pg_save(table, dialect, columns, after_latest: bool) -> str:
    """The one statement of a one-row save on PostgreSQL. Returns (id, version) of the row
    inserted (NULLs when the version check refused it) and the latest row before it."""
    quote = dialect.identifier_preparer.quote
    name, current = quote(table.name), quote(projection(table).name)
    names = ", ".join(quote(c.name) for c in columns)
    copy = ", ".join(f"{quote(c.name)} = excluded.{quote(c.name)}" for c in table.c if c.key != "key")
    values = []
    for n, column in enumerate(columns):
        if column.key == "version" and after_latest:
            values.append("COALESCE((SELECT version FROM latest), 0) + 1")
        else:
            values.append(f"%(v{n})s::{_pg_cast(column, dialect)}")
    check = "" if after_latest else "WHERE (SELECT version FROM latest) IS NOT DISTINCT FROM %(based_on)s::INTEGER"
    return f"""
WITH latest AS (
    SELECT version, created_by, created_at FROM {name} WHERE key = %(key)s::VARCHAR ORDER BY version DESC LIMIT 1
), appended AS (
    INSERT INTO {name} ({names})
    SELECT {", ".join(values)} {check}
    RETURNING id, {names}
), pointed AS (
    INSERT INTO current_row (table_name, key, version, row_id)
    SELECT %(table_name)s::VARCHAR, %(key)s::VARCHAR, version, id FROM appended
    ON CONFLICT (table_name, key) DO UPDATE SET version = excluded.version, row_id = excluded.row_id
    WHERE excluded.version > current_row.version
), projected AS (
    INSERT INTO {current} (id, {names}) SELECT id, {names} FROM appended
    ON CONFLICT (key) DO UPDATE SET {copy}
    WHERE excluded.version > {current}.version
), bumped AS (
    UPDATE data_version SET version = version + 1, changed_at = %(at)s::TIMESTAMPTZ
    WHERE id = 1 AND EXISTS (SELECT FROM appended)
), audited AS (
    INSERT INTO audit (at, actor, action, outcome, target, client, detail)
    SELECT %(at)s::TIMESTAMPTZ, %(actor)s::TEXT, %(action)s::TEXT, %(outcome)s::TEXT, %(target)s::TEXT,
           %(client)s::TEXT, %(detail)s::TEXT
    WHERE EXISTS (SELECT FROM appended)
)
SELECT appended.id, appended.version, latest.version, latest.created_by, latest.created_at
FROM (SELECT 1) AS one LEFT JOIN appended ON TRUE LEFT JOIN latest ON TRUE"""


def save(engine, rows: list, check, audit: dict) -> None:
    """Insert the deferred rows [(row, based_on, after_latest)] with the write's end, committed.

    check(row, based_on, after_latest, current, by, at) raises StaleEdit/StoreError or sets
    row.version. Sets row.id. Raises what the database raised as SQLAlchemy exceptions."""
    dialect = engine.dialect
    pooled = engine.raw_connection()
    try:
        connection = pooled.driver_connection
        try:
            if dialect.name == "sqlite":
                _save_sqlite(connection, dialect, rows, check, audit)
            else:
                [(row, based_on, after_latest)] = rows
                _save_postgresql(connection, dialect, row, based_on, after_latest, check, audit)
        except dialect.loaded_dbapi.Error as error:
            invalidated = dialect.is_disconnect(error, pooled.dbapi_connection, None)
            if invalidated:  # as SQLAlchemy does: this connection and those opened before it are replaced
                engine.pool._invalidate(pooled, error)
            raise exc.DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error,
                                          connection_invalidated=invalidated, dialect=dialect) from error
    finally:
        pooled.close()  # back to the pool (its reset-on-return rollback finds no transaction)


def _save_sqlite(connection, dialect, rows, check, audit) -> None:
    connection.execute("BEGIN IMMEDIATE")  # the write lock from the lookups to the commit
    try:
        for row, based_on, after_latest in rows:
            table_plan = plan(row.__table__, dialect)
            found = connection.execute(table_plan.latest, (row.key,)).fetchone()
            if found is None:
                check(row, based_on, after_latest, None, None, None)
            else:
                check(row, based_on, after_latest, found[0], found[1], table_plan.read_created_at(found[2]))
            row.id = connection.execute(table_plan.insert, table_plan.values(row)).fetchone()[0]
        for sql, params in sqlite_finish(dialect, [row for row, _, _ in rows], audit):
            if params:
                (connection.executemany if isinstance(params, list) else connection.execute)(sql, params)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _save_postgresql(connection, dialect, row, based_on, after_latest, check, audit) -> None:
    table_plan = plan(row.__table__, dialect)
    if not after_latest:
        row.version = (based_on or 0) + 1
    params = {f"v{n}": value for n, value in enumerate(table_plan.values(row))}
    params.update(audit, key=row.key, based_on=based_on, table_name=row.__tablename__)
    connection.autocommit = True  # the statement is the transaction
    try:
        found = connection.execute(table_plan.after_latest if after_latest else table_plan.checked, params).fetchone()
    except dialect.loaded_dbapi.IntegrityError:
        # Someone saved the same version between our snapshot and our insert: who, and when?
        latest = connection.execute(table_plan.latest, {"key": row.key}).fetchone()
        if latest is None or (not after_latest and latest[0] == based_on):
            raise
        current, by, at = latest[0], latest[1], table_plan.read_created_at(latest[2])
        # (after the latest: the colliding save took the version after the one ours followed)
        raise StaleEdit(row.__tablename__, row.key, current - 1 if after_latest else based_on, current, by, at,
                        title=record_title(row)) from None
    finally:
        if connection.info.transaction_status == dialect.loaded_dbapi.pq.TransactionStatus.IDLE:
            connection.autocommit = False  # as the pool lent it (a broken connection is invalidated)
    row_id, version, current, by, at = found
    if row_id is None:  # the version check refused it: nothing was written
        check(row, based_on, after_latest, current, by, table_plan.read_created_at(at) if at is not None else None)
        raise AssertionError(f"version check refused {row.__tablename__} {row.key!r} without a reason")
    row.id, row.version = row_id, version


def sqlite_finish(dialect, rows, audit: dict) -> list[tuple[str, object]]:
    """The end of a write on SQLite, as (SQL, parameters) in plain SQL (SQLAlchemy's per-construct
    work is ~⅔ of a statement's cost): current_row pointed at the rows just inserted and the
    rows copied into their projections (lists: one execution per row), the data version
    bumped, the audit row."""
    at = sqlite_timestamp(audit["at"])
    rows = newest(rows)
    statements = [(_SQLITE_POINT, [(v["table_name"], v["key"], v["version"], v["row_id"]) for v in pointers(rows)])]
    by_table: dict = {}
    for row in rows:
        by_table.setdefault(row.__table__, []).append(row)
    for table, group in by_table.items():
        table_plan = plan(table, dialect)
        statements.append((table_plan.project, [(*table_plan.values(row), row.id) for row in group]))
    statements.append((_SQLITE_BUMP, (at,)))
    statements.append((_SQLITE_AUDIT, (at, audit["actor"], audit["action"], audit["outcome"], audit["target"],
                                       audit["client"], audit["detail"])))
    return statements


_SQLITE_POINT = ("INSERT INTO current_row (table_name, key, version, row_id) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (table_name, key) DO UPDATE SET version = excluded.version, row_id = excluded.row_id "
                 "WHERE excluded.version > current_row.version")
_SQLITE_BUMP = "UPDATE data_version SET version = version + 1, changed_at = ? WHERE id = 1"
_SQLITE_AUDIT = "INSERT INTO audit (at, actor, action, outcome, target, client, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"
