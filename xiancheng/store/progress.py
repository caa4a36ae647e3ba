"""Progress reports on plan tasks and projects (issue 14): append-only, scope-checked here.

One record per item (key = the item's stable identity, see xiancheng.progress.item_key);
every report is a new version of it, so the current state is the latest report and the
whole history stays. Two ways of writing:

- ``report`` / ``report_many``: a new report. It goes after whatever was saved last, even
  if someone reported on the same item while the reporter was filling the form: both
  reports are facts and both are kept, in the order they were saved.
- ``correct``: changes the latest report (a typo, a wrong figure). It carries the version
  the user saw; if someone saved after it, the store refuses it (StaleEdit).

Who may report: the row's department is the reporter's own department among the item's
responsible units (else the item's first unit), its area the item's county (or city for a
city-wide item); the store's scope rule then admits an editor of that department and/or
area, and refuses anyone else, whatever the page shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .db import Base
from .errors import ScopeError, StaleEdit, StoreBusy, StoreError
from .history import History, latest_row
from .scope import User

# Stored codes; the Chinese labels (未启动 / 推进中 / 已完成 / 滞后 / 暂缓) live in i18n.
STATUSES = ("not-started", "in-progress", "done", "late", "paused")
PERIOD_PATTERN = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
RACE_RETRIES = 5


class ProgressReport(History, Base):
    """One row per report on a task or project; key = the item identity."""

    __tablename__ = "progress_report"
    __scope__ = ("unit", "adcode")

    unit: Mapped[str] = mapped_column(String(100))       # reporting department (scope)
    adcode: Mapped[str] = mapped_column(String(6))       # the item's county, or its city (scope)
    kind: Mapped[str] = mapped_column(String(10))        # task / project
    period: Mapped[str] = mapped_column(String(7))       # reporting month, "2026-11"
    status: Mapped[str] = mapped_column(String(20))      # one of STATUSES
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 1), nullable=True)
    invest_period_yi: Mapped[Decimal | None] = mapped_column(Numeric(14, 4), nullable=True)
    invest_cumulative_yi: Mapped[Decimal | None] = mapped_column(Numeric(14, 4), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # What the item was when reported: lets an orphaned record (its item gone from a
    # re-ingested document) be shown and matched to the closest items.
    item_document: Mapped[str] = mapped_column(String(200), default="")
    item_title: Mapped[str] = mapped_column(Text, default="")

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("key", "version"), Index("ix_progress_report_adcode", "adcode"))


@dataclass(frozen=True)
class ItemScope:
    """What the store needs to know about the item a report is on."""

    key: str
    kind: str  # task / project
    units: tuple[str, ...]  # responsible departments as the plan names them
    adcode: str  # the county the item is on, or its city/province when it is not on one county
    document: str = ""
    title: str = ""


@dataclass(frozen=True)
class ProgressValues:
    """One report's values, checked (see check_values)."""

    period: str
    status: str
    percent: Decimal | None = None
    invest_period_yi: Decimal | None = None
    invest_cumulative_yi: Decimal | None = None
    note: str = ""


class InvalidProgress(StoreError):
    """A value of a report is not acceptable; the message names the field and the fix."""

    def __init__(self, field: str, message: str, message_key: str, **params):
        super().__init__(message, message_key=message_key, field=field, **params)
        self.field = field


def check_values(period: str, status: str, percent=None, invest_period_yi=None, invest_cumulative_yi=None,
                 note: str = "") -> ProgressValues:
    """The values as stored, or InvalidProgress naming the first bad field."""
    period = str(period or "").strip()
    if not PERIOD_PATTERN.match(period):
        raise InvalidProgress("period", f"period {period!r} is not a month like 2026-11", "progress.bad_period",
                              value=period)
    if status not in STATUSES:
        raise InvalidProgress("status", f"status {status!r} is not one of {', '.join(STATUSES)}", "progress.bad_status",
                              value=status)
    numbers = {}
    for field, value, top in (("percent", percent, Decimal(100)), ("invest_period_yi", invest_period_yi, None),
                              ("invest_cumulative_yi", invest_cumulative_yi, None)):
        numbers[field] = _decimal(field, value, top)
    note = str(note or "").strip()
    if len(note) > 2000:
        raise InvalidProgress("note", f"note is {len(note)} characters; keep it under 2000", "progress.long_note",
                              n=len(note), top=2000)
    return ProgressValues(period, status, note=note, **numbers)


def _decimal(field: str, value, top: Decimal | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InvalidProgress(field, f"{field} must be a number, got {value!r}", "progress.not_number", value=value)
    if isinstance(value, float) and value != value:  # NaN: an empty cell
        return None
    number = Decimal(str(value))
    if number < 0 or (top is not None and number > top):
        raise InvalidProgress(field, f"{field} {value} is out of range (0–{top if top is not None else '∞'})",
                              "progress.out_of_range", value=value, top="∞" if top is None else top)
    try:
        return number.quantize(Decimal("0.1") if field == "percent" else Decimal("0.0001"))
    except InvalidOperation:
        raise InvalidProgress(field, f"{field} {value} is too large", "progress.too_large", value=value) from None


def reporting_unit(user: User | None, item: ItemScope) -> str:
    """The department a report is filed under: the reporter's own among the item's, else its first."""
    if user is not None:
        for unit in item.units:
            if unit in user.units:
                return unit
    return item.units[0] if item.units else ""


def may_report(user: User | None, item: ItemScope) -> bool:
    """For greying out buttons; the store checks again when saving."""
    return user is not None and user.can_write(reporting_unit(user, item), item.adcode)


def _row_values(user: User, item: ItemScope, values: ProgressValues) -> dict:
    return dict(unit=reporting_unit(user, item)[:100], adcode=item.adcode, kind=item.kind, period=values.period,
                status=values.status, percent=values.percent, invest_period_yi=values.invest_period_yi,
                invest_cumulative_yi=values.invest_cumulative_yi, note=values.note,
                item_document=item.document[:200], item_title=item.title)


def report_many(store, user: User, entries: list[tuple[ItemScope, ProgressValues]], *, client: str = "",
                detail: str = "", action: str = "progress.report") -> list[ProgressReport]:
    """Save new reports on several items in one transaction (all or none), each after the latest."""
    for attempt in range(RACE_RETRIES):
        try:
            with store.write(user, action, client=client, detail=detail) as tx:
                return [tx.append_after_latest(ProgressReport, item.key, **_row_values(user, item, values))
                        for item, values in entries]
        except StaleEdit:
            # Another report landed between our read and our insert: file ours after it.
            if attempt == RACE_RETRIES - 1:
                raise
        except StoreBusy:  # SQLite: concurrent writers held the file past the busy timeout
            if attempt == RACE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def report(store, user: User, item: ItemScope, values: ProgressValues, *, client: str = "",
           detail: str = "") -> ProgressReport:
    """Save a new report on one item (after whatever was saved last)."""
    return report_many(store, user, [(item, values)], client=client, detail=detail)[0]


def correct(store, user: User, item: ItemScope, based_on: int, values: ProgressValues, *,
            client: str = "") -> ProgressReport:
    """Change the latest report; refused (StaleEdit) if someone saved after version based_on."""
    with store.write(user, "progress.correct", client=client) as tx:
        return tx.append(ProgressReport, item.key, based_on, **_row_values(user, item, values))


def reattach(store, user: User, orphan_key: str, item: ItemScope, *, client: str = "") -> ProgressReport:
    """Move an orphaned record's current report onto an item (admins): the item gets a new
    report carrying the orphan's values and saying where it came from; the orphan is retired
    (its history stays under the old key)."""
    with store.write(user, "progress.reattach", client=client, detail=f"{orphan_key} -> {item.key}") as tx:
        if not user.is_admin:
            raise ScopeError(f"only admins re-attach progress; {user.username} is {user.role}",
                             message_key="scope.admin_only", user=user.username, role=user.role,
                             table="progress_report", record=orphan_key, title="")
        old = latest_row(tx.session, ProgressReport, orphan_key)
        if old is None or old.retired:
            raise StoreError(f"no current progress under {orphan_key!r}", message_key="missing",
                             table="progress_report", record=orphan_key, title="")
        values = ProgressValues(old.period, old.status, old.percent, old.invest_period_yi, old.invest_cumulative_yi,
                                (old.note + " " if old.note else "") + f"[re-attached from {orphan_key}]")
        latest = latest_row(tx.session, ProgressReport, item.key)
        row = tx.append(ProgressReport, item.key, latest.version if latest else None,
                        **{**_row_values(user, item, values), "unit": old.unit})
        tx.retire(ProgressReport, orphan_key, old.version)
        return row


def current(store, *where) -> dict[str, ProgressReport]:
    """Item key → its latest report (not retired)."""
    return {row.key: row for row in store.current(ProgressReport, *where)}


def history_for_period(store, period: str) -> list:
    """Every version of the records that have a report for period (to tell what changed in
    it), as plain read-only rows (row.key, row.status, …): with 10,000 reports, building ORM
    objects took most of the 调度会 briefing's gathering time."""
    from sqlalchemy import select

    table = ProgressReport.__table__
    keys = select(table.c.key).where(table.c.period == period).distinct()
    with store.engine.connect() as connection:
        return connection.execute(select(table).where(table.c.key.in_(keys))
                                  .order_by(table.c.key, table.c.version)).all()
