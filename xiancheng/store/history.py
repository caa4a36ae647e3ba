"""Append-only, versioned records: the pattern every table that people write follows.

A record is identified by its `key`; each save appends a row with the next `version`, who
saved it and when. Nothing is ever UPDATEd or DELETEd (a flush that tries is refused): the
current value is the latest row per key, retiring a record appends a row with
`retired=True`. The unique (key, version) constraint is the concurrency guard: two saves
based on the same version both try to write version n+1, the database accepts one, and the
other is turned into a StaleEdit naming who saved first and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, Integer, String, UniqueConstraint, and_, func, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .db import UTCDateTime


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

    def scope_of(self) -> tuple[str | None, str | None]:
        unit_column, adcode_column = self.__scope__ or (None, None)
        return (getattr(self, unit_column) if unit_column else None,
                getattr(self, adcode_column) if adcode_column else None)


def latest_versions(model):
    """Subquery: (key, version) of the latest row of every key in model's table (a model or a Table);
    served by the unique (key, version) index without reading the rows."""
    columns = model.c if hasattr(model, "c") else model
    return (select(columns.key, func.max(columns.version).label("version"))
            .group_by(columns.key).subquery())


def current_select(model, include_retired: bool = False):
    """SELECT of the current row of every record (add .where() filters as you like).

    Pass the model for ORM objects, or model.__table__ for plain rows (Store.current_rows).
    """
    columns = model.c if hasattr(model, "c") else model
    latest = latest_versions(model)
    query = select(model).join(latest, and_(columns.key == latest.c.key, columns.version == latest.c.version))
    if not include_retired:
        query = query.where(columns.retired.is_(False))
    return query.order_by(columns.key)


def latest_row(session, model, key: str):
    """The newest row of one record (retired or not), or None."""
    return session.scalars(
        select(model).where(model.key == key).order_by(model.version.desc()).limit(1)
    ).first()
