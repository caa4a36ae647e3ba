"""Engine, Session and the declarative base: one Engine per process and URL, a Session per unit of work."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Constraint names identical on SQLite and PostgreSQL, so migrations (and batch mode on
# SQLite, which recreates tables) stay reproducible.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A pooled PostgreSQL connection idle longer than this is checked before use (the server may
# have restarted); a busy one is not, which saves a round trip on every save.
PING_AFTER_IDLE_SECONDS = 5
# How commits reach the disk (setting commit_sync). "full", the default because a confirmed save
# must never be lost, waits for the disk on every commit; "normal" lets the OS write them a moment
# later (no fsync per commit: SQLite synchronous=NORMAL in WAL mode, PostgreSQL
# synchronous_commit=off). full: SQLite FULL; PostgreSQL keeps the server's own
# synchronous_commit (on unless its administrator changed it).
COMMIT_SYNC = ("normal", "full")


class Base(DeclarativeBase):
    """Every store table, the store's own and other features', is declared on this base."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out on both databases (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store datetimes must be timezone-aware (UTC)")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            impl = self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)
            if impl is not None:
                return super().result_processor(dialect, coltype)
            utc = timezone.utc

            def process_aware(value):
                # The store's sessions run in TimeZone=UTC: psycopg hands back datetimes in
                # timezone.utc, kept as they are in one check (TypeDecorator's generic path
                # cost ~0.6 µs a value: ~6 ms of reading 10,000 records).
                if value is None or value.tzinfo is utc:
                    return value
                return value.replace(tzinfo=utc) if value.tzinfo is None else value.astimezone(utc)

            return process_aware
        # SQLite hands back the text SQLAlchemy stored ("2026-12-01 15:30:32.123456", UTC): one
        # parse per value instead of DateTime's processor and then process_result_value (reading
        # the current state of 10,000 records spent a third of its time here).
        parse, utc = datetime.fromisoformat, timezone.utc

        def process(value):
            if value.__class__ is str:
                try:
                    return parse(value + "+00:00")  # aware in one C call (.replace costs as much again)
                except ValueError:  # text written by hand with its own offset
                    value = parse(value)
            if value is None:
                return None
            return value.replace(tzinfo=utc) if value.tzinfo is None else value.astimezone(utc)

        return process


def sqlite_timestamp(value: datetime) -> str:
    """An aware datetime as UTCDateTime stores it in SQLite ("2026-12-01 15:30:32.123456", UTC),
    for statements written in plain SQL."""
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def commit_sync() -> str:
    from .. import settings
    from .errors import DatabaseSettingError

    value = settings.get("commit_sync").strip().lower()
    if value not in COMMIT_SYNC:
        raise DatabaseSettingError(f"XIANCHENG_COMMIT_SYNC is {value!r}: use full (default) or normal",
                                   message_key="database_setting.commit_sync", value=value)
    return value


def _sqlite_pragmas(dbapi_connection, _record, sync: str = "normal") -> None:
    # Per connection: concurrent Streamlit sessions otherwise see "database is locked",
    # and SQLite ignores foreign keys unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA synchronous = {sync.upper()}")
    cursor.close()
    # Let SQLAlchemy, not the sqlite3 module, say when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    # A write unit of work takes the write lock up front (BEGIN IMMEDIATE): two writers then
    # queue on the busy timeout instead of one failing with "database is locked" when its
    # read snapshot went stale. Reads begin deferred and never block writers (WAL).
    writing = connection.get_execution_options().get("xiancheng_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(url: str) -> Engine:
    """The process's Engine for url (created once; Streamlit sessions share it across threads)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _create(url)
            _ENGINES[url] = engine
        return engine


def _create(url: str) -> Engine:
    sync = commit_sync()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", lambda connection, record: _sqlite_pragmas(connection, record, sync))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A server that does not answer is reported after seconds, not after the OS's minutes.
    # TimeZone=UTC: psycopg then hands back datetimes in datetime.timezone.utc, which UTCDateTime
    # keeps as they are (a server zone such as Etc/UTC cost a conversion per value: ~13 ms of
    # reading 10,000 records).
    options = "-c TimeZone=UTC" + (" -c synchronous_commit=off" if sync == "normal" else "")
    engine = create_engine(url, pool_size=5, max_overflow=10, connect_args={"connect_timeout": 5, "options": options})
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _note_idle(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    # Like pool_pre_ping, but only for a connection that sat idle: a dead one is replaced by
    # the pool (DisconnectionError) instead of failing the user's save.
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # the ping opens no transaction
        try:
            dbapi_connection.execute(";")
        finally:
            dbapi_connection.autocommit = autocommit
    except Exception as error:
        raise exc.DisconnectionError(f"pooled connection lost: {error}") from error


def dispose(url: str) -> None:
    """Forget and close the Engine for url (tests drop their databases afterwards)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()
