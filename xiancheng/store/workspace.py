"""The Store: reading, the one way of writing (scope-checked, audited, versioned), accounts and sign-in."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, event, exc, insert, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from .. import collector
from . import accounts, direct, migrate
from .db import SQLITE_BUSY_TIMEOUT_MS, Base, engine_for, utcnow
from .errors import DatabaseSettingError, ScopeError, SignInRefused, StaleEdit, StoreBusy, StoreError
from .history import (CurrentRow, History, current_from_projection, history_tables, latest_row, newer_only,
                      newest, point_current, pointers, project, projection, rebuild_current,
                      record_title)
from .models import Account, AuditEntry, DataVersion
from .scope import ROLES, User, authorize

SETTING = "XIANCHENG_DATABASE_URL"


class StoreSession(Session):
    """Session whose flushes are checked: history rows are never changed, writes go through Store.write."""


@event.listens_for(StoreSession, "before_flush")
def _guard_flush(session, _context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, (History, AuditEntry)):
            raise StoreError(f"{type(obj).__tablename__} is append-only: retire a record instead of deleting it")
    for obj in session.dirty:
        if isinstance(obj, (History, AuditEntry)) and session.is_modified(obj):
            raise StoreError(f"{type(obj).__tablename__} is append-only: save a new version instead of changing a row")
    if session.new:
        writer = session.info.get("writer")
        if writer is None and not session.info.get("internal"):
            raise StoreError("store writes go through Store.write(user, action)")
        if writer is not None:
            writer.wrote = True


@event.listens_for(StoreSession, "after_flush")
def _point_current(session, _context) -> None:
    # History rows a feature added itself (session.add): same transaction as the rows, so
    # current_row never disagrees with a committed history. (Writer.append inserts its own.)
    rows = [obj for obj in session.new if isinstance(obj, History)]
    if rows:
        point_current(session.connection(), rows)


@event.listens_for(StoreSession, "do_orm_execute")
def _insert_appended_before_queries(orm_execute_state) -> None:
    # A query in the middle of a write sees the rows appended before it (as autoflush would).
    writer = orm_execute_state.session.info.get("writer")
    if writer is not None and writer._pending:
        writer.insert_appended()


class Writer:
    """One unit of work of one user; use Store.write() to get one."""

    def __init__(self, store: "Store", user: User | None):
        self.store = store
        self.user = user
        self.targets: list[str] = []
        self.wrote = False
        self._session: Session | None = None
        self._appended: dict[tuple, History] = {}     # (model, key) → the row this transaction appended last
        self._based_on: dict[tuple, int | None] = {}  # (model, key) → what the first append was based on
        self._deferred: list[tuple] = []              # (row, based_on, after_latest): latest version not read yet
        self._pending: list[History] = []             # appended, not inserted yet
        self._unpointed: list[History] = []           # inserted, current_row not yet pointing at them

    @property
    def session(self) -> Session:
        """The write's Session, for rows a feature adds itself and for queries. Opened on first
        use; rows appended before it are checked against their latest version then (a
        StaleEdit may come from here)."""
        if self._session is None:
            self._session = self.store._sessions(bind=self.store._write_engine)
            self._session.info["writer"] = self
            deferred, self._deferred = self._deferred, []
            for row, based_on, after_latest in deferred:
                self._check(row, based_on, after_latest, *_latest_version(self._session, type(row), row.key))
        return self._session

    def authorize(self, model, unit: str | None = None, adcode: str | None = None, what: str = "") -> None:
        """Scope check for rows a feature adds itself (session.add) rather than through append()."""
        admin_only = getattr(model, "__scope__", None) is None
        authorize(self.user, unit, adcode, admin_only=admin_only, what=what or model.__tablename__,
                  table=model.__tablename__)

    def append(self, model, key: str, based_on: int | None, **values):
        """Save a new version of record `key` of a History table.

        based_on is the version the user's edit started from (None for a new record). If
        someone saved after it, StaleEdit names who and when; nothing is written. The check
        is made when the write ends (or when tx.session is first used), in the write's
        transaction; the scope check (ScopeError) right here.

        A write that only appends (the common save) runs at driver level (store.direct): on
        PostgreSQL one row is one statement. Otherwise the rows are inserted with the
        transaction's other appended rows in one statement per table (at the end of the
        `with`, or before a query through tx.session), without the ORM's unit of work. The
        unique (key, version) constraint still guards the race. The returned row is not
        attached to the session; it has its id once the write ended.
        """
        return self._append(model, key, based_on, False, values)

    def append_after_latest(self, model, key: str, **values):
        """Save a new version of record `key` after whatever version is current (a new report,
        not an edit of one the user saw). Its version is known when the write ends (or once
        tx.session was used). A concurrent save of the same version still fails at the
        insert (StaleEdit), for the caller to retry."""
        return self._append(model, key, None, True, values)

    def _append(self, model, key: str, based_on: int | None, after_latest: bool, values: dict):
        # Every value in one constructor call (each later attribute set goes through the ORM's instrumentation)
        row = model(**_with_defaults(model, {**values, "key": key, "retired": bool(values.get("retired", False)),
                                             "created_at": utcnow(), "created_by": self.user.username}))
        unit, adcode = row.scope_of()
        authorize(self.user, unit, adcode, admin_only=model.__scope__ is None, what=f"{model.__tablename__} {key!r}",
                  table=model.__tablename__, record=key, title=record_title(row))
        slot = (model, key)
        if slot in self._appended and self._session is None:
            self.session  # a second version of one record: the Session path knows the first one's
        if self._session is None:
            if not after_latest:
                row.version = (based_on or 0) + 1
            self._deferred.append((row, based_on, after_latest))
        elif slot in self._appended:
            # Appended earlier in this transaction: that row is the latest one.
            earlier = self._appended[slot]
            self._check(row, based_on, after_latest, earlier.version, earlier.created_by, earlier.created_at)
        else:
            self._check(row, based_on, after_latest, *_latest_version(self._session, model, key))
        self.wrote = True
        self._appended[slot] = row
        self.targets.append(f"{model.__tablename__}:{key}")
        return row

    def _check(self, row, based_on, after_latest: bool, current, by, at) -> None:
        """Refuse the row unless the record's latest version is the one it was based on; queue it."""
        if after_latest:
            based_on = current
        if current != based_on:
            what = f"{row.__tablename__} {row.key!r}"
            if current is None:
                raise StoreError(f"{what} does not exist (the edit was based on version {based_on})",
                                 message_key="missing", table=row.__tablename__, record=row.key, title=record_title(row))
            raise StaleEdit(row.__tablename__, row.key, based_on, current, by, at, title=record_title(row))
        row.version = (based_on or 0) + 1
        if self._session is not None:
            self._pending.append(row)
            self._based_on.setdefault((type(row), row.key), based_on)

    def commit(self, audit: dict) -> None:
        """End of the write: everything appended or added, current_row, data version, audit; committed."""
        if self._session is None:
            if not self._deferred:
                return  # nothing written
            if self.store.engine.dialect.name == "sqlite" or len(self._deferred) == 1:
                direct.save(self.store.engine, self._deferred, self._check, audit)
                return
        self.finish(audit)
        self.session.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def insert_appended(self, point: bool = True) -> None:
        """Insert the appended rows (one INSERT … RETURNING id per table) and point current_row at
        them (or leave that to the statement that ends the write: point=False)."""
        rows, self._pending = self._pending, []
        connection = self.session.connection()
        by_model: dict = {}
        for row in rows:
            by_model.setdefault(type(row), []).append(row)
        for model, group in by_model.items():
            columns = _insert_columns(model)
            ids = connection.execute(_insert_returning_id(model.__table__),
                                     [{column: getattr(row, attribute) for attribute, column in columns}
                                      for row in group]).scalars().all()
            for row, row_id in zip(group, ids):
                row.id = row_id
        self._unpointed.extend(rows)
        if point:
            point_current(connection, self._unpointed)
            self._unpointed = []

    def flush(self, point: bool = True) -> None:
        """Insert the pending rows; a concurrent save of the same version becomes a StaleEdit."""
        try:
            if self._pending:
                self.insert_appended(point)
            self.session.flush()
        except exc.IntegrityError:
            self._refuse_stale()

    def finish(self, audit: dict) -> None:
        """End of the write: insert what is pending, point current_row at it, bump the data
        version and add the audit row, all in the write's transaction. On PostgreSQL a save of a
        few rows does it in one statement (one round trip instead of two)."""
        try:
            self.session.flush()  # rows a feature added itself (session.add)
            if not self.wrote:
                return
            connection = self.session.connection()
            if connection.dialect.name == "postgresql" and 0 < len(self._pending) <= FUSED_MAX_ROWS:
                # (rows inserted before a query in the middle of the write were pointed at then)
                rows, self._pending = self._pending, []
                _insert_and_finish_postgresql(connection, rows, audit)
            else:
                if self._pending:
                    self.insert_appended(point=False)
                _finish(connection, self, audit)
            self._unpointed = []
        except exc.IntegrityError:
            self._refuse_stale()

    def _refuse_stale(self):
        # Someone saved version n+1 between our lookup and our insert (the unique key says so).
        self.session.rollback()
        for (model, key), based_on in self._based_on.items():
            current, by, at = _latest_version(self.session, model, key)
            if current is not None and current != based_on:
                raise StaleEdit(model.__tablename__, key, based_on, current, by, at,
                                title=record_title(self._appended.get((model, key)))) from None
        raise

    def retire(self, model, key: str, based_on: int | None):
        """Append a version marking the record retired (it leaves the current state, its history stays)."""
        latest = latest_row(self.session, model, key)
        if latest is None:
            raise StoreError(f"{model.__tablename__} {key!r} does not exist", message_key="missing",
                             table=model.__tablename__, record=key, title="")
        values = {c.key: getattr(latest, c.key) for c in model.__mapper__.column_attrs
                  if c.key not in ("id", "key", "version", "retired", "created_at", "created_by")}
        return self.append(model, key, based_on, retired=True, **values)


_INSERT_COLUMNS: dict = {}  # model → [(attribute, column key)] of an appended row, id left to the database
_INSERTS: dict = {}         # table → INSERT … RETURNING id


def _insert_columns(model) -> list[tuple[str, str]]:
    columns = _INSERT_COLUMNS.get(model)
    if columns is None:
        columns = _INSERT_COLUMNS[model] = [(prop.key, prop.columns[0].key) for prop in model.__mapper__.column_attrs
                                            if prop.columns[0].key != "id"]
    return columns


def _insert_returning_id(table):
    statement = _INSERTS.get(table)
    if statement is None:
        # Ids come back in the order of the rows, also for a many-row insert.
        statement = _INSERTS[table] = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return statement


_DEFAULTS: dict = {}  # model → [(attribute, column default)] of the columns that have one


def _with_defaults(model, values: dict) -> dict:
    """values (changed in place) plus the column defaults the ORM's flush would set (on the row: it is returned)."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = [
            (attribute, model.__table__.c[column].default) for attribute, column in _insert_columns(model)
            if attribute not in ("key", "retired", "created_at", "created_by")
            and model.__table__.c[column].default is not None]
    for attribute, default in defaults:
        if values.get(attribute) is None:
            if default.is_scalar:
                values[attribute] = default.arg
            elif default.is_callable:
                values[attribute] = default.arg(None)
    return values


FUSED_MAX_ROWS = 10   # PostgreSQL: saves up to this many rows go in one statement (cached per shape)
_FUSED: dict = {}     # ((table, rows), …) → the statement


def _insert_and_finish_postgresql(connection, rows: list, audit: dict) -> None:
    """One statement: INSERT the rows, point current_row at them, bump the data version, audit."""
    by_table: dict = {}
    for row in rows:
        by_table.setdefault(row.__table__, []).append(row)
    shape = tuple((table, len(group)) for table, group in by_table.items())
    params = dict(audit)
    for part, group in enumerate(by_table.values()):
        columns = _insert_columns(type(group[0]))
        for n, row in enumerate(group):
            for attribute, column in columns:
                params[f"p{part}r{n}_{column}"] = getattr(row, attribute)
    inserted = {(part, key, version): row_id for part, key, version, row_id in connection.execute(_fused(shape), params)}
    for part, group in enumerate(by_table.values()):
        for row in group:
            row.id = inserted[(part, row.key, row.version)]


def _fused(shape):
    statement = _FUSED.get(shape)
    if statement is not None:
        return statement
    from sqlalchemy import Integer, String, literal, union_all
    from sqlalchemy.dialects.postgresql import distinct_on
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    pointer, ctes, parts = CurrentRow.__table__, [], []
    for part, (table, count) in enumerate(shape):
        columns = [c for c in table.c if c.key != "id"]
        # One single-row INSERT per row: a multi-row VALUES is not cached by SQLAlchemy (compiled anew each time).
        appended = [insert(table).values({c.key: bindparam(f"p{part}r{n}_{c.key}", type_=c.type) for c in columns})
                    .returning(*table.c).cte(f"appended_{part}_{n}")
                    for n in range(count)]
        ctes.extend(appended)
        rows = appended[0] if count == 1 else union_all(*(select(*a.c) for a in appended)).subquery()
        latest = (select(*rows.c).ext(distinct_on(rows.c.key)).order_by(rows.c.key, rows.c.version.desc())
                  .subquery(f"latest_{part}"))
        upsert = pg_insert(pointer).from_select(["table_name", "key", "version", "row_id"],
                                                select(literal(table.name, String), latest.c.key, latest.c.version,
                                                       latest.c.id))
        ctes.append(newer_only(upsert, pointer).returning(pointer.c.key).cte(f"pointed_{part}"))
        current = projection(table)
        copy = pg_insert(current).from_select([c.name for c in table.c], select(*(latest.c[c.name] for c in table.c)))
        ctes.append(newer_only(copy, current).returning(current.c.key).cte(f"projected_{part}"))
        parts.append(select(literal(part, Integer).label("part"), rows.c.key, rows.c.version, rows.c.id))
    dv, audit = DataVersion.__table__, AuditEntry.__table__
    ctes.append(update(dv).where(dv.c.id == 1).values(version=dv.c.version + 1, changed_at=bindparam("at"))
                .returning(dv.c.version).cte("bumped"))
    ctes.append(insert(audit).values({c: bindparam(c) for c in ("at", "actor", "action", "outcome", "target",
                                                                 "client", "detail")}).returning(audit.c.id).cte("audited"))
    rows = parts[0] if len(parts) == 1 else select(union_all(*parts).subquery())
    statement = _FUSED[shape] = rows.add_cte(*ctes)
    return statement


def _finish(connection, writer: Writer, audit: dict) -> None:
    """current_row and the projections → the rows written, the data version bumped, the audit row:
    in the write's transaction."""
    if connection.dialect.name == "postgresql":
        # One statement, one round trip (data-modifying CTEs run whether read or not); then
        # the projections (a statement per table: this path serves big writes).
        rows = newest(writer._unpointed)
        values = pointers(rows)
        connection.execute(_PG_FINISH, {
            **audit, "tables": [v["table_name"] for v in values], "keys": [v["key"] for v in values],
            "versions": [v["version"] for v in values], "ids": [v["row_id"] for v in values]})
        project(connection, rows)
    else:  # SQLite, in-process: no round trips
        for sql, params in direct.sqlite_finish(connection.dialect, writer._unpointed, audit):
            if params:
                connection.exec_driver_sql(sql, params)
    writer._unpointed = []


_PG_FINISH = text("""
WITH pointed AS (
    INSERT INTO current_row (table_name, key, version, row_id)
    SELECT * FROM unnest(CAST(:tables AS VARCHAR[]), CAST(:keys AS VARCHAR[]),
                         CAST(:versions AS INTEGER[]), CAST(:ids AS INTEGER[]))
    ON CONFLICT (table_name, key) DO UPDATE SET version = excluded.version, row_id = excluded.row_id
    WHERE excluded.version > current_row.version
), bumped AS (
    UPDATE data_version SET version = version + 1, changed_at = :at WHERE id = 1
)
INSERT INTO audit (at, actor, action, outcome, target, client, detail)
VALUES (:at, :actor, :action, :outcome, :target, :client, :detail)
""")

_BUMP_DATA_VERSION = (update(DataVersion.__table__).where(DataVersion.__table__.c.id == 1)
                      .values(version=DataVersion.__table__.c.version + 1, changed_at=bindparam("now")))
_INSERT_AUDIT = insert(AuditEntry.__table__)
_READ_DATA_VERSION = select(DataVersion.__table__.c.version).where(DataVersion.__table__.c.id == 1)
_LATEST_VERSION: dict = {}   # table → the lookup statement, built once (statement building costs more than the query)


def _latest_version(session, model, key: str):
    """(version, created_by, created_at) of the newest row of a record, or Nones; one indexed
    lookup on (key, version) through Core, without flushing the transaction's pending rows."""
    table = model.__table__
    statement = _LATEST_VERSION.get(table)
    if statement is None:
        statement = _LATEST_VERSION[table] = (
            select(table.c.version, table.c.created_by, table.c.created_at)
            .where(table.c.key == bindparam("key")).order_by(table.c.version.desc()).limit(1))
    found = session.connection().execute(statement, {"key": key}).first()
    return tuple(found) if found is not None else (None, None, None)


class Store:
    """The workspace store at one URL. Get it with xiancheng.store.open(); share it across threads."""

    def __init__(self, url: str, engine: Engine):
        self.url = url
        self.engine = engine
        self._sessions = sessionmaker(engine, class_=StoreSession, expire_on_commit=False)
        self._write_engine = engine.execution_options(xiancheng_write=True)
        # PostgreSQL: one round trip for a lone SELECT instead of BEGIN, SELECT, ROLLBACK. (SQLite is
        # in-process, and its pool resets the isolation level the begin listener relies on.)
        self._autocommit_engine = (engine.execution_options(isolation_level="AUTOCOMMIT")
                                   if engine.dialect.name == "postgresql" else engine)

    # -- reading ---------------------------------------------------------------------------

    @contextmanager
    def read(self):
        """A Session for reading (never commits)."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()

    def data_version(self) -> int:
        """Bumped by every write in any process: key caches on it."""
        with self._autocommit_engine.connect() as connection:
            return connection.execute(_READ_DATA_VERSION).scalar_one()

    def current(self, model, *where, include_retired: bool = False) -> list:
        """The current row of every record of a History table (optionally filtered), as ORM objects
        (read from the table's projection, which holds each record's latest history row)."""
        query = current_from_projection(model, where, include_retired, orm=True)
        with self.read() as session, collector.paused():  # 10,000 rows: ~25 of ~55 ms of CPU was collection
            return list(session.scalars(query))

    def current_rows(self, model, *where, include_retired: bool = False) -> list:
        """Like current(), as plain read-only rows (attribute access: row.key, row.status, …)
        instead of ORM objects: the light path for big reads (10,000 records in a few
        tens of ms; building ORM objects costs several times the query). Read from the
        table's projection: one ordered scan of the current rows, not a lookup per record."""
        query = current_from_projection(model, where, include_retired)
        # One statement sees one snapshot: on PostgreSQL no BEGIN and ROLLBACK round trips around it.
        with self._autocommit_engine.connect() as connection, collector.paused():
            return connection.execute(query).all()

    def get(self, model, key: str):
        """The current row of one record, or None (also None when retired)."""
        with self.read() as session:
            row = latest_row(session, model, key)
            return None if row is None or row.retired else row

    def history(self, model, key: str) -> list:
        """Every saved version of one record, oldest first."""
        with self.read() as session:
            return list(session.scalars(select(model).where(model.key == key).order_by(model.version)))

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def write(self, user: User | None, action: str, *, client: str = "", detail: str = ""):
        """The one way to write: scope-checked appends, one audit row, the data version bumped, one commit.

        A ScopeError or StaleEdit inside rolls everything back and is audited as refused.
        """
        writer = Writer(self, user)
        actor = user.username if user else ""
        try:
            if user is None:
                raise ScopeError("writing needs sign-in", message_key="scope.sign_in")
            yield writer
            writer.commit({"at": utcnow(), "actor": actor, "action": action, "outcome": "ok",
                           "target": " ".join(writer.targets), "client": client, "detail": detail})
        except (ScopeError, StaleEdit) as refusal:
            writer.rollback()
            self.audit(actor, action, "refused", target=" ".join(writer.targets), client=client, detail=str(refusal))
            raise
        except exc.OperationalError as error:
            writer.rollback()
            raise _operational(self.url, error) from error
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.close()

    def rebuild_current(self, *models) -> dict[str, int]:
        """Recompute current_row from the history (of these models, default every store table):
        after rows were inserted around Store.write (a bulk load). Returns records per table.
        Maintenance: run it while no one saves into these tables (on PostgreSQL a save of a new
        record landing during the rebuild makes it fail; run it again)."""
        tables = [m if hasattr(m, "c") else m.__table__ for m in models] or history_tables()
        with self._write_engine.begin() as connection:
            counts = {table.name: rebuild_current(connection, table) for table in tables}
            connection.execute(_BUMP_DATA_VERSION, {"now": utcnow()})  # caches keyed on it read again
        return counts

    def audit(self, actor: str, action: str, outcome: str, *, target: str = "", client: str = "", detail: str = "") -> None:
        """Record an event in its own transaction (sign-ins, refusals). Never pass a password."""
        session = self._sessions(bind=self._write_engine)
        session.info["internal"] = True
        try:
            session.add(AuditEntry(at=utcnow(), actor=actor[:100], action=action, outcome=outcome,
                                   target=target, client=client[:100], detail=detail))
            session.commit()
        except exc.OperationalError as error:
            session.rollback()
            raise _operational(self.url, error) from error
        finally:
            session.close()

    def audit_log(self, *, actor: str | None = None, action: str | None = None, outcome: str | None = None,
                  client: str | None = None, since: datetime | None = None, until: datetime | None = None,
                  limit: int = 1000) -> list[AuditEntry]:
        """Audit entries, newest first, filtered by any of the arguments."""
        query = select(AuditEntry)
        for column, value in ((AuditEntry.actor, actor), (AuditEntry.action, action),
                              (AuditEntry.outcome, outcome), (AuditEntry.client, client)):
            if value:
                query = query.where(column == value)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if until is not None:
            query = query.where(AuditEntry.at < until)
        with self.read() as session:
            return list(session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))

    # -- accounts --------------------------------------------------------------------------

    def user(self, username: str) -> User | None:
        row = self.get(Account, username)
        return _user_of(row) if row is not None else None

    def users(self, include_retired: bool = False) -> list[User]:
        return [_user_of(row) for row in self.current(Account, include_retired=include_retired)]

    def add_user(self, by: User, username: str, password: str, role: str, *, display_name: str = "",
                 units=(), areas=(), client: str = "") -> User:
        """Create an account (admins only; the check is inside write/append)."""
        username = username.strip()
        if not username or len(username) > 100 or username.startswith("system:"):
            raise StoreError(f"invalid user name {username!r}", message_key="account.bad_name", name=username)
        _check_role_scope(role, units, areas)
        with self.write(by, "account.add", client=client, detail=f"role={role}") as tx:
            existing = latest_row(tx.session, Account, username)
            if existing is not None:
                raise StoreError(f"user {username!r} already exists (version {existing.version}, by {existing.created_by})",
                                 message_key="account.exists", name=username, version=existing.version,
                                 who=existing.created_by, at=existing.created_at)
            row = tx.append(Account, username, None, display_name=display_name or username,
                            password_hash=accounts.hash_password(password), role=role,
                            units=list(units), areas=list(areas))
        return _user_of(row)

    def update_user(self, by: User, username: str, based_on: int, *, password: str | None = None,
                    role: str | None = None, display_name: str | None = None, units=None, areas=None,
                    disabled: bool | None = None, client: str = "") -> User:
        """Save a new version of an account; fields left None keep their value."""
        with self.write(by, "account.update", client=client) as tx:
            latest = latest_row(tx.session, Account, username)
            if latest is None:
                raise StoreError(f"no user {username!r}", message_key="account.missing", name=username)
            values = dict(
                display_name=latest.display_name if display_name is None else display_name,
                password_hash=latest.password_hash if password is None else accounts.hash_password(password),
                role=latest.role if role is None else role,
                units=list(latest.units if units is None else units),
                areas=list(latest.areas if areas is None else areas),
                retired=latest.retired if disabled is None else disabled,
            )
            _check_role_scope(values["role"], values["units"], values["areas"])
            row = tx.append(Account, username, based_on, **values)
        return _user_of(row)

    def sign_in(self, username: str, password: str, *, client: str = "") -> User:
        """The account if the password matches; every attempt is audited (never the password)."""
        username = (username or "").strip()[:100]
        wait = self._sign_in_wait(username, client)
        if wait:
            self.audit(username, "sign_in", "refused", client=client, detail="too many failed attempts")
            raise SignInRefused(f"too many failed sign-ins; try again in {wait // 60 + 1} min", retry_after_seconds=wait)
        row = self.get(Account, username) if username else None
        if not accounts.verify_password(row.password_hash if row is not None else None, password or ""):
            self.audit(username, "sign_in", "failed", client=client, detail="wrong user name or password")
            raise SignInRefused("wrong user name or password")
        self.audit(username, "sign_in", "ok", client=client)
        return _user_of(row)

    def _sign_in_wait(self, username: str, client: str) -> int:
        """Seconds until another attempt is allowed (0: now), from failures in the audit table."""
        since = utcnow() - timedelta(seconds=accounts.FAILURE_WINDOW_SECONDS)
        checks = [(AuditEntry.actor, username, accounts.FAILURES_PER_USER)]
        if client:
            checks.append((AuditEntry.client, client, accounts.FAILURES_PER_CLIENT))
        with self.read() as session:
            for column, value, allowed in checks:
                times = list(session.scalars(
                    select(AuditEntry.at).where(column == value, AuditEntry.action == "sign_in",
                                                AuditEntry.outcome == "failed", AuditEntry.at >= since)
                    .order_by(AuditEntry.at.desc()).limit(allowed)))
                if len(times) >= allowed:
                    return max(1, int((times[-1] - since).total_seconds()))
        return 0


def _check_role_scope(role: str, units, areas) -> None:
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}: one of {', '.join(ROLES)}", message_key="account.bad_role", role=role)
    if role == "editor" and not units and not areas:
        raise StoreError("an editor needs a scope: at least one --unit (department) or --area (adcode)",
                         message_key="account.no_scope")
    for area in areas:
        if not (len(area) == 6 and area.isdigit()):
            raise StoreError(f"area {area!r} is not a 6-digit adcode (e.g. 140800 for a city, 140821 for a county)",
                             message_key="account.bad_area", area=area)


def _user_of(row: Account) -> User:
    return User(username=row.key, display_name=row.display_name, role=row.role,
                units=tuple(row.units or ()), areas=tuple(row.areas or ()), version=row.version)


# -- opening ------------------------------------------------------------------------------

_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None, *, upgrade: bool = True) -> Store:
    """The Store at url (default: the database_url setting), migrated to the newest revision.

    One Store (and Engine) per process and URL. Problems with the database become a
    DatabaseSettingError naming the setting and the fix.
    """
    from .. import settings

    url = url or settings.get("database_url")
    with _STORES_LOCK:
        store = _STORES.get(url)
        if store is not None:
            return store
        engine = _engine_checked(url)
        try:
            if upgrade:
                migrate.upgrade(engine)
            else:
                migrate.check_known(engine)
        except exc.OperationalError as error:
            raise _operational(url, error) from error
        store = Store(url, engine)
        _STORES[url] = store
        return store


def forget(url: str) -> None:
    """Drop the process's Store and Engine for url (tests, before dropping a database)."""
    from .db import dispose

    with _STORES_LOCK:
        _STORES.pop(url, None)
    dispose(url)


def _engine_checked(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy.exc.ArgumentError and friends
        raise DatabaseSettingError(
            f"{SETTING} is not a database URL ({url!r}: {error}). Use sqlite:///path/to/file.sqlite "
            "or postgresql+psycopg://user:password@host:5432/dbname, or unset it for the default SQLite file.",
            message_key="database_setting.not_url", url=url,
        ) from error
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseSettingError(
            f"{SETTING} names {parsed.get_backend_name()!r}; the store supports sqlite:/// and postgresql+psycopg://",
            message_key="database_setting.backend", backend=parsed.get_backend_name(),
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() not in ("psycopg", None):
        raise DatabaseSettingError(f"{SETTING}: use the psycopg driver, postgresql+psycopg://…", message_key="database_setting.driver")
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_path(parsed.database)
    try:
        engine = engine_for(url if parsed.get_backend_name() == "sqlite" or parsed.drivername != "postgresql"
                            else url.replace("postgresql://", "postgresql+psycopg://", 1))
    except Exception as error:
        raise DatabaseSettingError(f"{SETTING}: cannot use {parsed!r}: {error}", message_key="database_setting.engine",
                                   url=parsed.render_as_string(hide_password=True), detail=str(error)) from error
    try:
        with engine.connect():
            pass
    except exc.OperationalError as error:
        raise _operational(url, error) from error
    return engine


def _check_sqlite_path(database: str | None) -> None:
    if not database or database == ":memory:":
        raise DatabaseSettingError(f"{SETTING}: an in-memory SQLite database would lose every write; name a file",
                                   message_key="database_setting.memory")
    path = Path(_sqlite_file(database))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseSettingError(f"{SETTING}: cannot create the folder {path.parent} for the SQLite file ({error}). "
                                   "Create it, or point the setting at a writable place.",
                                   message_key="database_setting.no_folder", folder=str(path.parent), detail=str(error)) from error
    if path.exists() and not os.access(path, os.W_OK):
        raise DatabaseSettingError(
            f"{SETTING}: the SQLite file {path} is read-only. Make it writable (chmod u+w {path}) or point "
            f"{SETTING} at a copy; the file was not changed.",
            message_key="database_setting.file_read_only", path=str(path),
        )
    if not os.access(path.parent, os.W_OK):
        raise DatabaseSettingError(
            f"{SETTING}: the folder {path.parent} is not writable (SQLite keeps its journal beside the file). "
            f"Make it writable or point {SETTING} elsewhere; nothing was changed.",
            message_key="database_setting.folder_read_only", folder=str(path.parent),
        )


def _operational(url: str, error: Exception) -> StoreError:
    """A database error turned into what to do about it (the password never shown)."""
    parsed = make_url(url)
    safe = parsed.render_as_string(hide_password=True)
    reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed.database)
        if "locked" in reason or "busy" in reason:
            # Not a setting to fix: other saves held the file past the busy timeout.
            return StoreBusy(
                f"the SQLite file {path} was busy with other saves for more than {SQLITE_BUSY_TIMEOUT_MS // 1000} s "
                f"({reason}); nothing was saved. Try again in a moment; if it keeps happening, many people save "
                f"at once: use PostgreSQL ({SETTING}=postgresql://…).",
                seconds=SQLITE_BUSY_TIMEOUT_MS // 1000,
            )
        if "readonly" in reason or "read-only" in reason:
            return DatabaseSettingError(
                f"{SETTING}: the SQLite file {path} is read-only ({reason}). Make it and its folder writable "
                f"(chmod u+w), or point {SETTING} at a writable copy; nothing was changed.",
                message_key="database_setting.sqlite_read_only", path=path, detail=reason,
            )
        return DatabaseSettingError(
            f"{SETTING}: cannot open the SQLite file {path} ({reason}). Check the path and its permissions, "
            f"or unset {SETTING} for the default data/xiancheng.sqlite; nothing was changed.",
            message_key="database_setting.sqlite_open", path=path, detail=reason,
        )
    return DatabaseSettingError(
        f"cannot reach the database at {SETTING}={safe}: {reason}. Check that the server is running and the "
        f"URL (host, port, user, password, database name) is right, or unset {SETTING} to use the local SQLite file. "
        "Nothing was changed.",
        message_key="database_setting.unreachable", url=safe, detail=reason,
    )


def _sqlite_file(database: str | None) -> str:
    """The file path of an SQLite URL's database, also for sqlite:///file:PATH?mode=ro&uri=true."""
    database = database or ""
    return database[5:].split("?", 1)[0] if database.startswith("file:") else database
