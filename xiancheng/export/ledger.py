"""The Excel 台账 (and CSV) of tasks and projects: who does what by when, with sources."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Mapping, Sequence

from .. import geo
from ..i18n import t

TASK_WIDTHS = (6, 72, 30, 10, 40)
PROJECT_WIDTHS = (6, 40, 22, 12, 28, 40)
EXTRA_WIDTHS = (22, 16)  # 适用县, 行动 (the explorer's columns)
HEADER_FILL = "DDEBF7"

# OWASP's CSV-injection rule: a cell starting with one of these is read as a formula (or a
# DDE call) by Excel, LibreOffice and WPS. Document text and URL filters can start so.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 (so .xlsx) cannot hold: C0 controls other than tab and line feed.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_cell(value):
    """A CSV value a spreadsheet shows as text: one leading formula character gets a ' before it."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_text(text: str) -> str:
    """Text as an .xlsx cell keeps it: CR and CRLF line ends become LF (XML reads them so
    anyway), control characters XML cannot hold become U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def _append_inert(sheet, values: list) -> int:
    """Append a row whose strings are always text, never formulas; returns its row number.

    openpyxl turns a string starting with '=' into a formula. Here every string cell is typed
    as text, and one starting with a formula character carries Excel's own quote prefix (what
    typing ' before it does), so editing the cell does not make it a formula either.
    """
    sheet.append([xlsx_text(v) if isinstance(v, str) else v for v in values])
    row = sheet.max_row
    for cell in sheet[row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True
    return row


@dataclass(frozen=True)
class RowExtras:
    """What the explorer shows of a row beyond the ledger's own columns: the counties it
    applies to and its action, as on screen, and the absolute URL of its cited lines."""

    counties: str
    action: str
    link: str


def _with_extras(headers: list[str], rows: list[list], extras: Sequence[RowExtras] | None, lang: str,
                 replaced: int = 0):
    """headers and rows with 适用县 and 行动 after the item column (column 2); unchanged without
    extras. replaced: how many of the columns after the item the extras stand in for (the
    project sheet's 涉及县 says what 适用县 says: one column, not two)."""
    if extras is None:
        return headers, rows
    headers = headers[:2] + [t("explorer.col.counties", lang), t("explorer.col.action", lang)] + headers[2 + replaced:]
    rows = [row[:2] + [extra.counties, extra.action] + row[2 + replaced:] for row, extra in zip(rows, extras, strict=True)]
    return headers, rows


def _documents_by_name(documents) -> dict:
    if documents is None:
        return {}
    if isinstance(documents, Mapping):
        return dict(documents)
    return {d.document: d for d in documents}


def source_text(citation, documents: Mapping, lang: str = "zh") -> str:
    """"《title》（number）第 a–b 行" for a citation; the file name if the document is unknown."""
    from .staticmap import document_label

    document = documents.get(citation.document)
    name = document_label(document, lang) if document is not None else citation.document
    if citation.line_start == citation.line_end:
        lines = str(citation.line_start)
    else:
        lines = f"{citation.line_start}–{citation.line_end}"
    key = "export.cite_line" if citation.line_start == citation.line_end else "export.cite"
    return t(key, lang, document=name, lines=lines)


def deadline_year(task) -> int | None:
    """The latest year a task mentions, read as its deadline; None when it names no year."""
    return max(task.years) if task.years else None


def task_text(task) -> str:
    """The task as printed; its heading in 【】 when the paragraph does not repeat it."""
    text = " ".join(task.text.split())
    heading = " ".join((getattr(task, "title", "") or task.heading).split())
    if heading and heading not in text:
        return f"【{heading}】{text}"
    return text


def _place(adcode: str) -> str:
    # 城区/矿区/郊区 occur in more than one city: name those with their city.
    county = geo.counties().get(adcode)
    if county is not None and len(geo.name_index().get(county.name, ())) > 1:
        return geo.full_name(adcode)
    return geo.place_name(adcode)


def task_rows(tasks: Iterable, documents=None, lang: str = "zh") -> list[list]:
    """序号 / 任务 / 责任单位 / 完成年限 / 来源 for each task, in the given order."""
    by_name = _documents_by_name(documents)
    rows = []
    for number, task in enumerate(tasks, start=1):
        year = deadline_year(task)
        rows.append([number, task_text(task), "、".join(task.responsible_units), year if year else "", source_text(task.citation, by_name, lang)])
    return rows


def project_rows(projects: Iterable, documents=None, lang: str = "zh") -> list[list]:
    """序号 / 项目 / 涉及县 / 投资(亿元) / 责任单位 / 来源 for each project."""
    by_name = _documents_by_name(documents)
    rows = []
    for number, project in enumerate(projects, start=1):
        places = project.adcodes or [project.scope_adcode]
        investment = project.investment_yi if project.investment_yi is not None else (project.investment_text or "")
        name = " ".join(project.name.split())
        rows.append([number, name, "、".join(_place(a) for a in places), investment, "、".join(project.responsible_units), source_text(project.citation, by_name, lang)])
    return rows


def task_headers(lang: str) -> list[str]:
    return [t(k, lang) for k in ("export.col_no", "export.col_task", "export.col_units", "export.col_deadline", "export.col_source")]


def project_headers(lang: str) -> list[str]:
    keys = ("export.col_no", "export.col_project", "export.col_counties", "export.col_investment", "export.col_units", "export.col_source")
    return [t(k, lang) for k in keys]


def _filters_text(filters: Mapping[str, str], lang: str) -> str:
    if not filters:
        return t("export.ledger_filters_none", lang)
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    return t("export.ledger_filters", lang, filters=sep.join(f"{k}{colon}{v}" for k, v in filters.items()))


def _sources_text(sources: Sequence[str], lang: str) -> str:
    if not sources:
        return t("export.sources_none", lang)
    return t("export.sources", lang, docs=("；" if lang == "zh" else "; ").join(sources))


def _write_sheet(sheet, title: str, preamble: list[str], headers: list[str], rows: list[list], widths: Sequence[int], number_columns=(), links: Sequence[str] | None = None) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    last_column = get_column_letter(len(headers))
    _append_inert(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(f"A1:{last_column}1")
    for text in preamble:
        row = _append_inert(sheet, [text])
        sheet.merge_cells(f"A{row}:{last_column}{row}")
        cell = sheet.cell(row=row, column=1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(size=9, color="444444")
        # Merged cells do not grow with their text: give long lines room for two rows.
        sheet.row_dimensions[row].height = 15 * max(1, min(4, len(text) // 90 + 1))
    header_row = _append_inert(sheet, headers)
    thin = Side(style="thin", color="BBBBBB")
    for column, _ in enumerate(headers, start=1):
        cell = sheet.cell(row=header_row, column=column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = Border(bottom=thin, top=thin, left=thin, right=thin)
    for row in rows:
        index = _append_inert(sheet, row)
        for column in range(1, len(headers) + 1):
            cell = sheet.cell(row=index, column=column)
            horizontal = "right" if column in number_columns else "center" if column == 1 else "left"
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=horizontal)
            cell.border = Border(bottom=thin, top=thin, left=thin, right=thin)
            if column in number_columns and isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
        if links:
            # The source cell (last column) opens the cited lines on the documents page. A
            # hyperlink is a relationship of the cell, not a formula: the text stays inert.
            source = sheet.cell(row=index, column=len(headers))
            source.hyperlink = links[index - header_row - 1]
            source.font = Font(color="0563C1", underline="single")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    if rows:
        sheet.auto_filter.ref = f"A{header_row}:{last_column}{sheet.max_row}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def ledger_xlsx(
    tasks: Iterable,
    projects: Iterable = (),
    *,
    title: str,
    filters: Mapping[str, str] | None = None,
    sources: Sequence[str] = (),
    lang: str = "zh",
    documents=None,
    export_date: date | None = None,
    task_extras: Sequence[RowExtras] | None = None,
    project_extras: Sequence[RowExtras] | None = None,
) -> bytes:
    """The 台账 as .xlsx bytes: a task sheet and a project sheet.

    Each sheet opens with the title, the filters applied, the sources and a note that the
    deadline year is the latest year the task mentions (empty when it names none), then a
    table with a frozen header row. documents (Document records, or a mapping by file
    name) turn citations into titles and numbers; sources name the documents in the header.
    task_extras / project_extras (one per task / project, in order) add the explorer's
    适用县 and 行动 columns and link each row's source cell to its cited lines.
    """
    from openpyxl import Workbook

    filters = dict(filters or {})
    day = (export_date or date.today()).isoformat()
    workbook = Workbook()
    workbook.properties.title = xlsx_text(title)
    workbook.properties.creator = "xiancheng"
    stamp = datetime.combine(export_date or date.today(), datetime.min.time())
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    preamble = [_filters_text(filters, lang), _sources_text(list(sources), lang), t("export.date", lang, date=day)]

    task_sheet = workbook.active
    task_sheet.title = t("export.ledger_sheet_tasks", lang)
    shift = 0 if task_extras is None else 2
    headers, rows = _with_extras(task_headers(lang), task_rows(tasks, documents, lang), task_extras, lang)
    _write_sheet(
        task_sheet,
        title,
        preamble + [t("export.ledger_note_deadline", lang)],
        headers,
        rows,
        TASK_WIDTHS[:2] + (EXTRA_WIDTHS if shift else ()) + TASK_WIDTHS[2:],
        number_columns=(4 + shift,),
        links=[extra.link for extra in task_extras] if task_extras is not None else None,
    )
    project_sheet = workbook.create_sheet(t("export.ledger_sheet_projects", lang))
    # With the explorer's columns, 适用县 replaces the sheet's own 涉及县 (column 3).
    shift = 0 if project_extras is None else 1
    headers, rows = _with_extras(project_headers(lang), project_rows(projects, documents, lang), project_extras, lang,
                                 replaced=1)
    _write_sheet(
        project_sheet,
        title,
        preamble + [t("export.ledger_note_investment", lang)],
        headers,
        rows,
        PROJECT_WIDTHS[:2] + EXTRA_WIDTHS + PROJECT_WIDTHS[3:] if shift else PROJECT_WIDTHS,
        number_columns=(4 + shift,),
        links=[extra.link for extra in project_extras] if project_extras is not None else None,
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tasks_csv(tasks: Iterable, *, documents=None, lang: str = "zh") -> bytes:
    """The task table as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly)."""
    return _csv(task_headers(lang), task_rows(tasks, documents, lang))


def projects_csv(projects: Iterable, *, documents=None, lang: str = "zh") -> bytes:
    """The project table as CSV (UTF-8 with BOM)."""
    return _csv(project_headers(lang), project_rows(projects, documents, lang))


def table_csv(rows: list[dict]) -> bytes:
    """Rows of a shown table (same keys each) as CSV, formula characters made inert."""
    return _csv(list(rows[0]) if rows else [], [list(row.values()) for row in rows])


def table_xlsx(rows: list[dict], sheet_name: str) -> bytes:
    """Rows of a shown table as a one-sheet .xlsx whose text cells are never formulas."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    if rows:
        _append_inert(sheet, list(rows[0]))
    for row in rows:
        _append_inert(sheet, list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(headers: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
