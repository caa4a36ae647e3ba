"""The progress 台账 round trip (issue 14): download for a scope and period, fill offline, upload.

The download is the ledger workbook (export/ledger.py's sheet layout) with the progress
columns added, status empty or prefilled with the latest report, a drop-down list on the
status column, and the item identity in a hidden last column. The upload is matched by
that identity (never by row order or text), every cell is checked, and nothing is saved
until the uploader confirms the preview (save()).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .. import progress as pg
from ..i18n import t
from ..store import progress as sp
from .ledger import _write_sheet, source_text

IDENTITY_HEADER = ("标识（请勿修改）", "Identity (do not edit)")
# Columns: (i18n key, width, number?) — the first seven describe the item, the rest are filled in.
COLUMNS = (
    ("export.col_no", 6, False), ("progress.col.kind", 8, False), ("progress.col.item", 48, False),
    ("progress.col.unit", 26, False), ("progress.col.planned_year", 9, False),
    ("progress.col.invest_planned", 12, True), ("export.col_source", 30, False),
    ("progress.col.status", 10, False), ("progress.col.period", 10, False), ("progress.col.percent", 10, True),
    ("progress.col.invest_period", 12, True), ("progress.col.invest_cumulative", 12, True),
    ("progress.col.note", 30, False),
)
FILLED = ("status", "period", "percent", "invest_period", "invest_cumulative", "note")
_FIELD_OF_KEY = {"progress.col.status": "status", "progress.col.period": "period", "progress.col.percent": "percent",
                 "progress.col.invest_period": "invest_period", "progress.col.invest_cumulative": "invest_cumulative",
                 "progress.col.note": "note"}
NUMBER_FIELDS = ("percent", "invest_period", "invest_cumulative")


def download(items: list[pg.Item], status_of: dict[str, pg.ItemStatus], *, period: str, title: str,
             prefill: bool = True, documents=None, lang: str = "zh", export_date: date | None = None) -> bytes:
    """The 台账 workbook for these items and period (bytes of an .xlsx)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    documents = {d.document: d for d in documents} if documents is not None and not isinstance(documents, dict) else (documents or {})
    labels = [t(f"progress.status.{s}", lang) for s in sp.STATUSES]
    rows = []
    for number, item in enumerate(items, start=1):
        state = status_of.get(item.key)
        reported = state is not None and state.reported is not None and prefill
        rows.append([
            number, t(f"progress.kind.{item.kind}", lang), item.title, "、".join(item.units),
            item.planned_year or "", item.planned_investment_yi if item.planned_investment_yi is not None else "",
            source_text(item.citation, documents, lang),
            t(f"progress.status.{state.reported}", lang) if reported else "",
            period,
            state.percent if reported and state.percent is not None else "",
            "",
            state.invest_cumulative_yi if reported and state.invest_cumulative_yi is not None else "",
            "",
            item.key,
        ])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("progress.sheet", lang)
    headers = [t(key, lang) for key, _w, _n in COLUMNS] + [IDENTITY_HEADER[0 if lang == "zh" else 1]]
    preamble = [t("export.date", lang, date=(export_date or date.today()).isoformat()),
                t("progress.caption", lang)]
    _write_sheet(sheet, title, preamble, headers, rows, [w for _k, w, _n in COLUMNS] + [20],
                 number_columns=tuple(i + 1 for i, (_k, _w, n) in enumerate(COLUMNS) if n))
    identity_column = get_column_letter(len(headers))
    sheet.column_dimensions[identity_column].hidden = True
    if rows:
        status_column = get_column_letter(8)
        first = sheet.max_row - len(rows) + 1
        choice = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                                showErrorMessage=True, error="/".join(labels))
        choice.add(f"{status_column}{first}:{status_column}{sheet.max_row}")
        sheet.add_data_validation(choice)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Problem:
    row: int  # row number in the sheet
    column: str  # header of the column
    value: object
    message: str  # English, with the file and row, for logs
    message_key: str = ""  # the same for a person: i18n "refusal.<message_key>" (xiancheng.refusals)
    params: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Change:
    row: int
    item: pg.Item
    values: sp.ProgressValues
    changes: tuple[tuple[str, object, object], ...]  # (field, before, after)


@dataclass
class Preview:
    """What an upload would save, and everything that would not be saved and why."""

    file_name: str
    changes: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # row, item title, reason
    unknown: list[tuple[int, str]] = field(default_factory=list)  # row, text of the row
    blank: int = 0  # rows with nothing filled in
    missing: list[pg.Item] = field(default_factory=list)  # items of the download not in the upload

    @property
    def ok(self) -> bool:
        return not (self.problems or self.refused or self.unknown)


class UnreadableLedger(ValueError):
    """The upload is not a 台账 this page can read. str() is English for logs; message_key and
    params give the same for a person (i18n "refusal.<message_key>", see xiancheng.refusals)."""

    def __init__(self, message: str, message_key: str, **params):
        super().__init__(message)
        self.message_key = message_key
        self.params = params


def _status_codes() -> dict[str, str]:
    codes = {}
    for status in sp.STATUSES:
        codes[status] = status
        for lang in ("zh", "en"):
            codes[t(f"progress.status.{status}", lang).strip().lower()] = status
    return codes


def _header_fields() -> dict[str, str]:
    fields = {}
    for key, field_name in _FIELD_OF_KEY.items():
        for lang in ("zh", "en"):
            fields[t(key, lang)] = field_name
    for text in IDENTITY_HEADER:
        fields[text] = "identity"
    for lang in ("zh", "en"):
        fields[t("progress.col.item", lang)] = "item"
    return fields


def _period_text(value) -> str:
    if isinstance(value, (datetime, date)):
        return f"{value.year}-{value.month:02d}"
    return str(value).strip() if value is not None else ""


def read_upload(data: bytes, file_name: str, items: dict[str, pg.Item], status_of: dict[str, pg.ItemStatus],
                user, *, expected: list[str] | None = None, period: str | None = None,
                lang: str = "zh") -> Preview:
    """Check every cell of an uploaded 台账 and compare it with the latest reports.

    expected: the item keys the user downloaded (to list the rows deleted from the file).
    period: the period to use for rows whose period cell is empty.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception as error:  # zipfile.BadZipFile, KeyError, InvalidFileException, …
        raise UnreadableLedger(f"{file_name}: not an .xlsx workbook ({type(error).__name__}: {error})",
                               "ledger.not_xlsx", file=file_name, reason=f"{type(error).__name__}: {error}") from error
    header_fields = _header_fields()
    sheet, header_row, columns = None, None, {}
    for candidate in workbook.worksheets:
        for index, row in enumerate(candidate.iter_rows(min_row=1, max_row=30, values_only=True), start=1):
            found = {header_fields[str(v).strip()]: i for i, v in enumerate(row) if v is not None and str(v).strip() in header_fields}
            if "identity" in found and "status" in found:
                sheet, header_row, columns = candidate, index, found
                break
        if sheet is not None:
            break
    if sheet is None:
        raise UnreadableLedger(f"{file_name}: no sheet with the columns {t('progress.col.status', lang)} and "
                               f"{IDENTITY_HEADER[0]}: upload the 台账 downloaded from this page",
                               "ledger.no_sheet", file=file_name, identity=IDENTITY_HEADER[0])
    headers = {name: t(key, lang) for key, name in _FIELD_OF_KEY.items()}
    codes = _status_codes()
    preview = Preview(file_name)
    seen: set[str] = set()
    for row_number, row in enumerate(sheet.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
        cells = {name: (row[i] if i < len(row) else None) for name, i in columns.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        key = str(cells.get("identity") or "").strip()
        item = items.get(key)
        if item is None:
            text = " ".join(str(v) for v in row if v not in (None, ""))[:120]
            preview.unknown.append((row_number, text))
            continue
        if key in seen:
            preview.problems.append(Problem(row_number, IDENTITY_HEADER[0], key, f"{file_name} row {row_number}: the item appears twice; keep one row",
                                            "ledger.twice"))
            continue
        seen.add(key)
        filled = {name: cells.get(name) for name in ("status", "percent", "invest_period", "invest_cumulative", "note")}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in filled.values()):
            preview.blank += 1
            continue
        if not sp.may_report(user, item.scope):
            preview.refused.append((row_number, item.title, f"{'、'.join(item.units) or item.home_adcode}"))
            continue
        row_problems = []
        status_cell = cells.get("status")
        status = codes.get(str(status_cell).strip().lower()) if status_cell is not None else None
        if status is None:
            row_problems.append(Problem(row_number, headers["status"], status_cell,
                                        f"{file_name} row {row_number}: status {status_cell!r} is not one of "
                                        + "/".join(t(f"progress.status.{s}", lang) for s in sp.STATUSES),
                                        "ledger.bad_status", {"value": status_cell}))
        numbers = {}
        for name in NUMBER_FIELDS:
            value = cells.get(name)
            if isinstance(value, str):
                if value.strip():
                    row_problems.append(Problem(row_number, headers[name], value,
                                                f"{file_name} row {row_number}, {headers[name]}: {value!r} is text; type a number (or leave it empty)",
                                                "ledger.text_number", {"value": value}))
                value = None
            numbers[name] = value
        row_period = _period_text(cells.get("period")) or (period or "")
        if row_problems:
            preview.problems.extend(row_problems)
            continue
        try:
            values = sp.check_values(row_period, status, numbers["percent"], numbers["invest_period"],
                                     numbers["invest_cumulative"], cells.get("note") or "")
        except sp.InvalidProgress as invalid:
            column = headers.get({"invest_period_yi": "invest_period", "invest_cumulative_yi": "invest_cumulative"}.get(invalid.field, invalid.field), invalid.field)
            preview.problems.append(Problem(row_number, column, cells.get(invalid.field), f"{file_name} row {row_number}, {column}: {invalid}",
                                            invalid.message_key, invalid.params))
            continue
        change = Change(row_number, item, values, tuple(_differences(status_of.get(item.key), values)))
        (preview.changes if change.changes else preview.unchanged).append(change)
    if expected:
        preview.missing = [items[k] for k in expected if k in items and k not in seen]
    workbook.close()
    return preview


def _differences(state: pg.ItemStatus | None, values: sp.ProgressValues):
    before = {
        "status": state.reported if state else None, "period": state.period if state else None,
        "percent": state.percent if state else None, "invest_period": state.invest_period_yi if state else None,
        "invest_cumulative": state.invest_cumulative_yi if state else None, "note": state.note if state else "",
    }
    after = {"status": values.status, "period": values.period, "percent": _float(values.percent),
             "invest_period": _float(values.invest_period_yi), "invest_cumulative": _float(values.invest_cumulative_yi),
             "note": values.note}
    for name in FILLED:
        if (before[name] or None) != (after[name] or None):
            yield name, before[name], after[name]


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def save(workspace, user, preview: Preview, *, client: str = "") -> int:
    """Save the preview's changes as the uploader's reports, in one transaction; returns how many."""
    if not preview.changes:
        return 0
    sp.report_many(workspace, user, [(c.item.scope, c.values) for c in preview.changes], client=client,
                   detail=f"ledger upload {preview.file_name}", action="progress.upload")
    return len(preview.changes)


def change_text(change: Change, lang: str = "zh") -> str:
    """'状态：推进中 → 已完成；完成进度（%）：30 → 100' for the preview."""
    names = {"status": "progress.col.status", "period": "progress.col.period", "percent": "progress.col.percent",
             "invest_period": "progress.col.invest_period", "invest_cumulative": "progress.col.invest_cumulative",
             "note": "progress.col.note"}
    parts = []
    for name, before, after in change.changes:
        if name == "status":
            before = t(f"progress.status.{before}", lang) if before else "—"
            after = t(f"progress.status.{after}", lang)
        parts.append(f"{t(names[name], lang)}：{'—' if before in (None, '') else _show(before)} → {_show(after)}")
    return "；".join(parts)


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if value not in (None, "") else "—"
