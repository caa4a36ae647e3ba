"""Append-only, versioned records: the pattern every table that people write follows.

A record is identified by its `key`; each save appends a row with the next `version`, who
saved it and when. Nothing is ever UPDATEd or DELETEd (a flush that tries is refused): the
current value is the latest row per key, retiring a record appends a row with
`retired=True`. The unique (key, version) constraint is the concurrency guard: two saves
based on the same version both try to write version n+1, the database accepts one, and the
other is turned into a StaleEdit naming who saved first and when.

Reading the current state does not group the whole history: `current_row` points at the
latest row of every record of every History table, and each History table has a projection,
`<table>_current`, holding a copy of that latest row (retired or not) keyed by `key`. Both are
derived (never dumped, rebuilt by `rebuild_current`) and written in the same transaction as
the history row they follow, so they can never disagree with a committed history. The
projection is what Store.current_rows reads: the current state of 10,000 records is one
ordered scan of 10,000 rows instead of 10,000 lookups scattered over the whole history.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import (Boolean, Column, Integer, String, Table, UniqueConstraint, and_, any_, delete, func, insert,
                        literal, select)
from sqlalchemy.orm import Mapped, aliased, declared_attr, mapped_column
from sqlalchemy.sql import visitors

from .db import Base, UTCDateTime


class History:
    """Mixin for a versioned table; declare `__tablename__`, your columns and `__scope__`.

    `__scope__ = (unit_column, adcode_column)` names the columns that say which department
    and which county/city a row belongs to (either may be None when the table has no such
    column); `__scope__ = None` (the default) means only admins write the table.
    """

    __scope__: ClassVar[tuple[str | None, str | None] | None] = None

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("key", "version"),)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)  # declarative maps the class here
        table = cls.__dict__.get("__table__")
        if table is not None and table not in _PROJECTIONS:
            _PROJECTIONS[table] = _projection_table(table)

    def scope_of(self) -> tuple[str | None, str | None]:
        unit_column, adcode_column = self.__scope__ or (None, None)
        return (getattr(self, unit_column) if unit_column else None,
                getattr(self, adcode_column) if adcode_column else None)


class CurrentRow(Base):
    """Derived: (table, key) → the latest history row of that record (retired or not).

    Upserted with the history row in one transaction (only ever to a higher version), so
    reading the current state is one indexed join instead of a GROUP BY over all versions.
    """

    __tablename__ = "current_row"

    table_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    row_id: Mapped[int] = mapped_column(Integer)


_POINTER = CurrentRow.__table__
_PROJECTIONS: dict = {}  # History table → its projection table


def _projection_table(table: Table) -> Table:
    """`<table>_current`: the table's columns (same names, order and types), one row per key.
    Declared in the history table's MetaData, so migrations and create_all know it.

    On SQLite WITHOUT ROWID: the rows live in key order inside the primary key's b-tree, so
    the ordered scan of a current read needs no lookup of each row by rowid (migration 0007
    rebuilds older databases' projections so). PostgreSQL ignores the option."""
    columns = [Column(c.name, c.type, primary_key=c.name == "key", nullable=c.nullable and c.name != "id")
               for c in table.c]
    return Table(f"{table.name}_current", table.metadata, *columns, info={"projection_of": table.name},
                 sqlite_with_rowid=False)


def projection(model) -> Table:
    """The projection table of a History model (or of its Table)."""
    return _PROJECTIONS[model if hasattr(model, "c") else model.__table__]


def is_projection(table) -> bool:
    return "projection_of" in table.info


def record_title(row) -> str:
    """What a person calls the record, when its table keeps that (a progress report's item title)."""
    return getattr(row, "item_title", "") or ""


_UPSERTS: dict = {}  # (table, dialect name) → its upsert statement, built once


def _upsert_newer(table: Table, dialect_name: str):
    """newer_only's upsert of values into table: never back to an older version, whatever
    order concurrent transactions flush in."""
    statement = _UPSERTS.get((table, dialect_name))
    if statement is None:
        if dialect_name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        statement = _UPSERTS[(table, dialect_name)] = newer_only(dialect_insert(table), table)
    return statement


def newer_only(statement, table: Table):
    """An INSERT into table (current_row or a projection; a dialect's insert, of values or
    from a select) that on its primary key's conflict UPDATEs every other column, only to
    a newer version."""
    index = list(table.primary_key.columns)
    return statement.on_conflict_do_update(
        index_elements=index,
        set_={c.name: statement.excluded[c.name] for c in table.c if c not in index},
        where=statement.excluded.version > table.c.version,
    )


def newest(rows) -> list:
    """Of just-inserted History rows, the newest per record, in (table, key) order (one order for
    every writer: concurrent transactions lock pointer and projection rows without deadlocking)."""
    found: dict[tuple[str, str], object] = {}
    for row in rows:
        slot = (row.__tablename__, row.key)
        if slot not in found or row.version > found[slot].version:
            found[slot] = row
    return [found[slot] for slot in sorted(found)]


def pointers(rows) -> list[dict]:
    """current_row values for just-inserted History rows already reduced by newest()."""
    return [{"table_name": row.__tablename__, "key": row.key, "version": row.version, "row_id": row.id}
            for row in rows]


def point_current(connection, rows) -> None:
    """Make current_row and the projections follow these just-inserted History rows."""
    rows = newest(rows)
    if rows:
        connection.execute(_upsert_newer(_POINTER, connection.dialect.name), pointers(rows))
        project(connection, rows)


_ATTRIBUTES: dict = {}  # model → [(attribute, column name)] of every column


def project(connection, rows) -> None:
    """Copy these History rows (the newest of their records, in (table, key) order, ids set)
    into their tables' projections, unless a newer version is there already."""
    by_model: dict = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    for model, group in by_model.items():
        attributes = _ATTRIBUTES.get(model)
        if attributes is None:
            attributes = _ATTRIBUTES[model] = [(model.__mapper__.get_property_by_column(c).key, c.name)
                                               for c in model.__table__.c]
        connection.execute(_upsert_newer(projection(model), connection.dialect.name),
                           [{name: getattr(row, attribute) for attribute, name in attributes} for row in group])


def rebuild_current(connection, model) -> int:
    """Recompute current_row and the projection of one History table (a model or a Table) from
    its history; rows pointed at."""
    table = model if hasattr(model, "c") else model.__table__
    latest = latest_versions(table)
    connection.execute(delete(_POINTER).where(_POINTER.c.table_name == table.name))
    connection.execute(insert(_POINTER).from_select(
        ["table_name", "key", "version", "row_id"],
        select(literal(table.name, String), table.c.key, table.c.version, table.c.id)
        .join(latest, and_(table.c.key == latest.c.key, table.c.version == latest.c.version))))
    current = projection(table)
    connection.execute(delete(current))
    connection.execute(insert(current).from_select(
        [c.name for c in table.c],
        select(table).join(_POINTER, and_(_POINTER.c.table_name == table.name, _POINTER.c.row_id == table.c.id))))
    return connection.execute(select(func.count()).select_from(_POINTER)
                              .where(_POINTER.c.table_name == table.name)).scalar_one()


def history_tables() -> list:
    """The History tables of the store's own models (Base), by name."""
    return sorted((mapper.local_table for mapper in Base.registry.mappers if issubclass(mapper.class_, History)),
                  key=lambda table: table.name)


def latest_versions(model):
    """Subquery: (key, version) of the latest row of every key in model's table (a model or a Table);
    served by the unique (key, version) index without reading the rows."""
    columns = model.c if hasattr(model, "c") else model
    return (select(columns.key, func.max(columns.version).label("version"))
            .group_by(columns.key).subquery())


def current_select(model, include_retired: bool = False, dialect: str | None = None):
    """SELECT of the current row of every record, by key (add .where() filters as you like).

    Pass the model for ORM objects, or model.__table__ for plain rows; rows of the history
    table itself, to join or filter against it (Store.current/current_rows read the projection
    instead: current_from_projection). Served by current_row: one indexed lookup per record,
    whatever the length of the history. dialect="postgresql" looks the rows up by the ids in
    current_row (= ANY(ARRAY(…)): index scans) instead of joining it: for the join PostgreSQL's
    cost model prefers a hash join over a scan of the whole history (10,000 records of 100,000
    rows: ~40 ms of server CPU instead of ~25, growing with the history).
    """
    columns = model.c if hasattr(model, "c") else model
    table = model if hasattr(model, "c") else model.__table__
    if dialect == "postgresql":
        ids = select(_POINTER.c.row_id).where(_POINTER.c.table_name == table.name).scalar_subquery()
        query = select(model).where(columns.id == any_(func.array(ids)))
        order = columns.key  # the same as current_row's key
    else:
        query = select(model).join(_POINTER, and_(_POINTER.c.table_name == table.name, _POINTER.c.row_id == columns.id))
        order = _POINTER.c.key  # current_row's primary key is (table_name, key): its order, so no sort
    if not include_retired:
        query = query.where(columns.retired.is_(False))
    return query.order_by(order)


def current_from_projection(model, where=(), include_retired: bool = False, orm: bool = False):
    """SELECT of the current row of every record from the table's projection, ordered by key,
    with the history table's column names and types (where-clauses written against the
    history table's columns are applied to the projection's). orm=True: as objects of the
    model (Store.current) instead of plain rows."""
    table = model if hasattr(model, "c") else model.__table__
    current = projection(table)
    if orm:
        query = select(aliased(model, current, adapt_on_names=True))
    else:
        query = select(*(current.c[c.name] for c in table.c))
    if where:
        query = query.where(*(on_projection(clause, table, current) for clause in where))
    if not include_retired:
        query = query.where(current.c.retired.is_(False))
    return query.order_by(current.c.key)


def on_projection(clause, table: Table, current: Table):
    """A where-clause on the history table's columns, on the projection's instead. Subqueries are
    left as written (a subquery over the history means the history)."""
    from sqlalchemy.sql.elements import ColumnClause
    from sqlalchemy.sql.selectable import SelectBase

    def replace(element):
        if isinstance(element, SelectBase):
            return element
        if isinstance(element, ColumnClause) and getattr(element, "table", None) is table:
            return current.c[element.name]
        return None

    return visitors.replacement_traverse(and_(clause), {}, replace)


def latest_row(session, model, key: str):
    """The newest row of one record (retired or not), or None."""
    return session.scalars(
        select(model).where(model.key == key).order_by(model.version.desc()).limit(1)
    ).first()
