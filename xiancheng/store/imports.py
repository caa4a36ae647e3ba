"""Imported tables in the store (issue 13): one versioned batch per named import, its values,
the original file, the mapping used and every rejected row. Re-importing appends a version;
restoring an old version appends a copy of it; nothing is overwritten."""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from sqlalchemy import JSON, Boolean, Float, Index, Integer, LargeBinary, String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base
from .errors import StoreError
from .history import History, current_select, latest_row


class ImportBatch(History, Base):
    """One row per saved version of an import; key = the import's name (default: the file's stem)."""

    __tablename__ = "import_batch"
    __scope__ = ("unit", "area")  # the importer's department; the smallest area covering every value

    unit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    area: Mapped[str] = mapped_column(String(6))
    file_name: Mapped[str] = mapped_column(String(255))
    sheet: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)  # the original file, as uploaded
    mapping: Mapped[dict] = mapped_column(JSON)
    value_kind: Mapped[str] = mapped_column(String(10))  # value (统计值) / target (目标值)
    record_count: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[list] = mapped_column(JSON, default=list)  # every row not saved, with its reason
    skipped: Mapped[list] = mapped_column(JSON, default=list)  # total rows and notes under the table
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ImportedValue(Base):
    """One value of one version of an import (append-only; read through the batch's current version)."""

    __tablename__ = "import_value"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_key: Mapped[str] = mapped_column(String(200))
    batch_version: Mapped[int] = mapped_column(Integer)
    adcode: Mapped[str] = mapped_column(String(6))
    level: Mapped[str] = mapped_column(String(10))
    name_as_written: Mapped[str] = mapped_column(String(200), default="")
    indicator: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(50), default="")
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    categorical: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    category: Mapped[str] = mapped_column(String(200), default="")
    sheet_row: Mapped[int] = mapped_column(Integer)
    cell: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_import_value_batch", "batch_key", "batch_version"),)


class RejectedRowsNotAccepted(StoreError):
    """The preview lists rejected rows and the user has not said to save the good rows only."""


def covering_area(adcodes) -> str:
    """The smallest adcode covering all: the county, its city (140800) or the province (140000)."""
    codes = set(adcodes)
    if len(codes) == 1:
        return next(iter(codes))
    prefixes = {c[:4] for c in codes}
    if len(prefixes) == 1 and "140000" not in codes:
        return next(iter(prefixes)) + "00"
    return "140000"


def save(store, user, preview, content: bytes, *, name: str, based_on: int | None, unit: str | None = None,
         accept_rejected: bool = False, client: str = "") -> ImportBatch:
    """Save the preview's good records as a new version of import `name`.

    With rejected rows the user must say so (accept_rejected); they are kept in the batch.
    """
    if not preview.records:
        raise StoreError(f"{preview.grid.file_name}: nothing to save (no row resolved to a unit with a value)",
                         message_key="import.nothing", file=preview.grid.file_name)
    if preview.rejected and not accept_rejected:
        raise RejectedRowsNotAccepted(
            f"{preview.grid.file_name}: {len(preview.rejected)} row(s) cannot be saved; save the "
            f"{len(preview.records)} good value(s) only if you accept that (accept_rejected)",
            message_key="import.rejected", file=preview.grid.file_name, rejected=len(preview.rejected),
            good=len(preview.records),
        )
    name = name.strip()[:200]
    if not name:
        raise StoreError("an import needs a name", message_key="import.no_name")
    area = covering_area(r.adcode for r in preview.records)
    with store.write(user, "import.indicators", client=client,
                     detail=f"{preview.grid.file_name} [{preview.grid.sheet}] {len(preview.records)} values, "
                            f"{len(preview.rejected)} rejected") as tx:
        batch = tx.append(
            ImportBatch, name, based_on, unit=unit, area=area, file_name=preview.grid.file_name,
            sheet=preview.grid.sheet, sha256=hashlib.sha256(content).hexdigest(), content=content,
            mapping=preview.mapping.to_dict(), value_kind=preview.mapping.value_kind,
            record_count=len(preview.records), rejected=[asdict(r) for r in preview.rejected],
            skipped=[asdict(s) for s in preview.skipped],
        )
        _insert_values(tx.session, name, batch.version, [_value_row(r) for r in preview.records])
    return batch


def _value_row(record) -> dict:
    return dict(adcode=record.adcode, level=record.level, name_as_written=record.name_as_written[:200],
                indicator=record.indicator[:200], unit=record.unit[:50], year=record.year, kind=record.kind,
                categorical=record.categorical, value=record.value, category=record.category[:200],
                sheet_row=record.row, cell=record.cell, source=record.source)


def _insert_values(session, key: str, version: int, rows: list[dict]) -> None:
    # One executemany: a 117 × 20 sheet is 2 340 rows, too many for one ORM object each.
    if rows:
        session.connection().execute(insert(ImportedValue.__table__),
                                     [dict(row, batch_key=key, batch_version=version) for row in rows])


def restore(store, user, name: str, version: int, based_on: int, client: str = "") -> ImportBatch:
    """Make an old version current again by appending a copy of it (its values copied too)."""
    with store.write(user, "import.restore", client=client, detail=f"{name} v{version}") as tx:
        old = tx.session.scalars(select(ImportBatch).where(ImportBatch.key == name, ImportBatch.version == version)).first()
        if old is None:
            raise StoreError(f"import {name!r} has no version {version}", message_key="import.no_version",
                             name=name, version=version)
        columns = {c.key: getattr(old, c.key) for c in ImportBatch.__mapper__.column_attrs
                   if c.key not in ("id", "key", "version", "retired", "created_at", "created_by", "restored_from")}
        batch = tx.append(ImportBatch, name, based_on, restored_from=version, **columns)
        rows = [{c.key: getattr(v, c.key) for c in ImportedValue.__mapper__.column_attrs
                 if c.key not in ("id", "batch_key", "batch_version")}
                for v in tx.session.scalars(select(ImportedValue).where(
                    ImportedValue.batch_key == name, ImportedValue.batch_version == version))]
        _insert_values(tx.session, name, batch.version, rows)
    return batch


def retire(store, user, name: str, based_on: int, client: str = "") -> None:
    with store.write(user, "import.retire", client=client, detail=name) as tx:
        tx.retire(ImportBatch, name, based_on)


def batches(store) -> list[ImportBatch]:
    """The current version of every import (not retired)."""
    return store.current(ImportBatch)


def values(store, batch_key: str | None = None, version: int | None = None) -> list:
    """The values of the current version of every import (or of one version of one import),
    as rows with the table's column names (not ORM objects: ~10× cheaper for thousands)."""
    table = ImportedValue.__table__
    with store.read() as session:
        if batch_key is not None and version is not None:
            query = select(table).where(table.c.batch_key == batch_key, table.c.batch_version == version)
        else:
            current = current_select(ImportBatch).subquery()
            query = select(table).join(
                current, (table.c.batch_key == current.c.key) & (table.c.batch_version == current.c.version))
            if batch_key is not None:
                query = query.where(table.c.batch_key == batch_key)
        return list(session.execute(query.order_by(table.c.id)))


def latest_version(store, name: str) -> int | None:
    with store.read() as session:
        row = latest_row(session, ImportBatch, name)
        return row.version if row is not None else None
