"""Backup and restore: every store table to one JSON file and back, exactly, SQLite ↔ PostgreSQL."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import BigInteger, Date, DateTime, Integer, LargeBinary, MetaData, Numeric, delete, exc, func, insert, select, text

from . import migrate
from .db import Base, UTCDateTime
from .errors import StoreError
from .history import CurrentRow, history_tables, is_projection, rebuild_current

FORMAT = "xiancheng-store-dump"
FORMAT_VERSION = 1


# Derived from the history (not facts): not dumped, rebuilt by restore. (So are the History
# tables' projections, <table>_current: is_projection.)
DERIVED = frozenset({CurrentRow.__tablename__})


def _tables(derived: bool = False):
    """Every table the models declare, parents before children (with the derived ones if asked)."""
    return [t for t in Base.metadata.sorted_tables if derived or not (t.name in DERIVED or is_projection(t))]


def _check_models_cover(engine) -> None:
    reflected = MetaData()
    reflected.reflect(engine)
    unknown = set(reflected.tables) - set(Base.metadata.tables) - {"alembic_version"}
    if unknown:
        raise StoreError(f"tables without a model (not dumped): {', '.join(sorted(unknown))}; "
                         "import their module in xiancheng/store/__init__.py")


def _encode(column, value):
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return value.isoformat()
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)  # exact, unlike a JSON float
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _decode(column, value):
    if value is None:
        return None
    if isinstance(column.type, (UTCDateTime, DateTime)):
        return datetime.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column.type, Numeric) and isinstance(value, str):
        return Decimal(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def dump(store, path: Path | None = None) -> dict:
    """Every row of every table, ordered by primary key, plus the migration revision."""
    engine = store.engine
    _check_models_cover(engine)
    tables = {}
    with engine.connect() as connection:
        revision = migrate.current_revision(engine)
        for table in _tables():
            columns = list(table.columns)
            order = list(table.primary_key.columns) or columns
            rows = connection.execute(select(table).order_by(*order)).all()
            tables[table.name] = {
                "columns": [c.name for c in columns],
                "rows": [[_encode(c, row[i]) for i, c in enumerate(columns)] for row in rows],
            }
    data = {"format": FORMAT, "format_version": FORMAT_VERSION, "revision": revision, "tables": tables}
    if path is not None:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return data


def load(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoreError(f"{path}: not a readable store dump ({error})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreError(f"{path}: not a store dump (no \"format\": \"{FORMAT}\")")
    return data


def restore(store, data: dict, *, replace: bool = False) -> dict[str, int]:
    """Load a dump into store's database (same migration revision); returns rows per table.

    Refuses a database that already holds accounts or history unless replace=True, so a
    restore never silently mixes two workspaces. All in one transaction.
    """
    engine = store.engine
    revision = migrate.current_revision(engine)
    if data.get("revision") != revision:
        raise StoreError(
            f"the dump is at migration {data.get('revision')!r} and the database at {revision!r}: "
            "restore into a database at the dump's revision (upgrade the older side first with "
            "`python -m xiancheng db upgrade`, then dump again)"
        )
    known = {t.name: t for t in _tables()}
    projections = {t.name for t in Base.metadata.tables.values() if is_projection(t)}
    unknown = set(data["tables"]) - set(known) - DERIVED - projections
    if unknown:
        raise StoreError(f"the dump has tables this app does not know: {', '.join(sorted(unknown))}")
    try:
        return _load_rows(engine, data, replace)
    except (exc.IntegrityError, exc.DataError, exc.StatementError, ValueError, TypeError) as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise StoreError(f"the dump does not fit the database ({reason}); nothing was changed") from error


def _load_rows(engine, data: dict, replace: bool) -> dict[str, int]:
    counts = {}
    with engine.begin() as connection:
        if not replace:
            for table in _tables():
                if table.name == "data_version":
                    continue
                if connection.execute(select(func.count()).select_from(table)).scalar_one():
                    raise StoreError(f"the database already has rows in {table.name}; restore into an empty "
                                     "database, or pass --replace to overwrite everything in it")
        for table in reversed(_tables(derived=True)):
            connection.execute(delete(table))
        for table in _tables():
            block = data["tables"].get(table.name, {"columns": [], "rows": []})
            columns = [table.c[name] for name in block["columns"]]
            rows = [{c.name: _decode(c, value) for c, value in zip(columns, row)} for row in block["rows"]]
            if rows:
                connection.execute(insert(table), rows)
            counts[table.name] = len(rows)
        for table in history_tables():
            rebuild_current(connection, table)
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    return counts


def _reset_sequences(connection) -> None:
    """After explicit ids, PostgreSQL's sequences must continue past the restored rows."""
    for table in _tables():
        for column in table.primary_key.columns:
            if isinstance(column.type, (Integer, BigInteger)) and column.autoincrement in (True, "auto"):
                sequence = connection.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}).scalar()
                if sequence:
                    connection.execute(text(
                        f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'),
                        {"s": sequence})
