"""Officials' own tables → indicator values and classification lists (issue 13). No Streamlit, no store.

read_grid() turns an .xlsx/.xls/.csv into a grid of cells (merged cells filled, error
cells named); detect() finds the header rows, the unit column and the value columns of a
long or a wide (yearbook) table; preview() applies a mapping (detected or corrected by the
user) and returns the records to save and every row that cannot be, with its row number
and reason. Nothing here guesses: a name that does not resolve, resolves to several units,
repeats, or a number column holding text is listed, never saved.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import geo

MAX_BYTES = 20 * 1024 * 1024  # a statistics table is kilobytes; 20 MB is far beyond any yearbook sheet
MAX_CELLS = 200_000
EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")
ERROR_VALUES = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!"})
MISSING_MARKS = frozenset({"", "-", "—", "–", "--", "——", "…", "...", "/", "无", "空"})
# Units of measure as yearbooks print them (a unit row under the header, or "常住人口（万人）").
MEASURE_UNITS = frozenset({
    "%", "‰", "万人", "人", "亿元", "万元", "元", "元/人", "平方公里", "平方千米", "km²", "公顷", "亩", "万亩", "个", "项",
    "户", "万户", "吨", "万吨", "千米", "公里", "米", "岁", "张", "所", "家", "辆", "万千瓦时", "千瓦时", "立方米", "万立方米",
})
NOTE_PREFIX = re.compile(r"^(注|说明|备注|资料来源|数据来源|来源|附注|填表|制表|审核|\*|※)")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年?(?:度|末|底)?")
BRACKETED = re.compile(r"[（(]([^（）()]{1,12})[)）]\s*$")

# Header words (normalised) that name the columns of a long table.
LONG_HEADERS = {
    "indicator": ("指标名称", "指标", "指标项", "项目", "indicator"),
    "value": ("数值", "指标值", "值", "数据", "value", "取值", "类别", "类型值"),
    "year": ("年份", "年度", "年", "year", "统计年度"),
    "measure": ("计量单位", "单位", "unit", "度量单位"),
    "source": ("数据来源", "来源", "source", "出处"),
    "kind": ("数据类型", "值类型", "口径", "kind"),
}
UNIT_HEADERS = ("地区", "单位名称", "县市区", "县(市、区)", "县（市、区）", "区县", "县区", "县", "名称", "行政区", "行政区划", "地区名称", "县级单位", "adcode", "行政区划代码", "区划代码", "代码")
CITY_HEADERS = ("市", "地市", "所属市", "设区市", "城市", "所属地市", "city")
SKIP_HEADERS = ("序号", "编号", "no", "no.", "#")
KINDS = ("value", "target")  # 统计值 (measured) / 目标值 (plan target)


class ImportFileError(ValueError):
    """The file cannot be read as a table; the message names the file (and cell) and the fix."""


@dataclass
class Grid:
    """One sheet as a grid: rows[r][c] is str, float, int or None; row r is sheet row r+1."""

    file_name: str
    sheet: str
    sheet_names: tuple[str, ...]
    rows: list[list]
    kind: str  # xlsx / xls / csv
    encoding: str = ""

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """"C5" for 0-based row 4, column 2."""
    return f"{column_letter(col)}{row + 1}"


# --------------------------------------------------------------------------- reading


def read_grid(data: bytes, file_name: str, sheet: str | None = None) -> Grid:
    """The sheet (default: the first with content) of an .xlsx/.xls/.csv as a Grid.

    Raises ImportFileError for anything that is not a readable table: too large, not a
    spreadsheet, password-protected, empty, a formula error cell (named).
    """
    name = Path(file_name).name
    suffix = Path(name).suffix.lower()
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"{name}：文件 {len(data) / 1024 / 1024:.0f} MB，超过 {MAX_BYTES // 1024 // 1024} MB 上限；请只保留需要导入的工作表。"
            f" ({name}: {len(data) / 1024 / 1024:.0f} MB is over the {MAX_BYTES // 1024 // 1024} MB limit; keep only the sheet to import.)"
        )
    if not data.strip():
        raise ImportFileError(f"{name}：文件是空的。 ({name}: the file is empty.)")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: .xls, or an encrypted .xlsx
        if _ole_encrypted(data):
            raise ImportFileError(
                f"{name}：文件设有打开密码，无法读取；请在 Excel 中取消密码（文件→信息→保护工作簿）后另存再导入。"
                f" ({name}: the workbook is password-protected; remove the password in Excel and save it again.)"
            )
        grid = _read_xls(data, name, sheet)
    elif data[:4] == b"PK\x03\x04":
        grid = _read_xlsx(data, name, sheet)
    elif suffix in (".csv", ".txt") or (suffix not in EXTENSIONS and _looks_like_text(data)):
        grid = _read_csv(data, name)
    else:
        raise ImportFileError(
            f"{name}：不是 Excel（.xlsx/.xls）或 CSV 文件，无法读取。 ({name}: not an Excel (.xlsx/.xls) or CSV file.)"
        )
    if sum(len(r) for r in grid.rows) > MAX_CELLS:
        raise ImportFileError(f"{name}：表格超过 {MAX_CELLS} 个单元格。 ({name}: more than {MAX_CELLS} cells.)")
    if not any(v not in (None, "") for r in grid.rows for v in r):
        raise ImportFileError(
            f"{name}（{grid.sheet}）：工作表没有任何内容。 ({name}, sheet {grid.sheet}: the sheet is empty.)"
        )
    return grid


def _looks_like_text(data: bytes) -> bool:
    return b"\x00" not in data[:4096]


def _ole_encrypted(data: bytes) -> bool:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except OSError:
        return False
    try:
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            return True
        return False
    finally:
        ole.close()


def _pick_sheet(names: list[str], sheet: str | None, file_name: str) -> str:
    if sheet is None:
        return names[0]
    if sheet not in names:
        raise ImportFileError(
            f"{file_name}：没有名为“{sheet}”的工作表（有：{'、'.join(names)}）。"
            f" ({file_name}: no sheet named {sheet!r}; the sheets are {', '.join(names)}.)"
        )
    return sheet


def _formula_error(file_name: str, sheet: str, ref: str, value: str) -> ImportFileError:
    return ImportFileError(
        f"{file_name}（{sheet}）单元格 {ref} 是公式错误 {value}；请在 Excel 中修正该公式或改为数值后再导入，未保存任何数据。"
        f" ({file_name}, sheet {sheet}, cell {ref}: formula error {value}; fix the formula or type the value, then import again. Nothing was saved.)"
    )


def _read_xlsx(data: bytes, file_name: str, sheet: str | None) -> Grid:
    import openpyxl

    try:
        # read_only streams the cells (several times faster); merged ranges are read from the sheet's XML.
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception as error:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise ImportFileError(
            f"{file_name}：无法作为 Excel 工作簿读取（{type(error).__name__}）；请在 Excel 中另存为 .xlsx 后再试。"
            f" ({file_name}: not a readable Excel workbook ({error}); save it again as .xlsx.)"
        ) from None
    titles = [ws.title for ws in book.worksheets]
    chosen = _pick_sheet(titles, sheet, file_name) if sheet else titles[0]
    ws = book[chosen]
    rows: list[list] = []
    for r, row in enumerate(ws.iter_rows()):
        values = []
        for c, cell in enumerate(row):
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", "") == "e" or (isinstance(value, str) and value.strip() in ERROR_VALUES):
                raise _formula_error(file_name, chosen, cell_ref(r, c), str(value))
            values.append(_clean(value))
        rows.append(values)
    merged, uncomputed = _sheet_xml_facts(data, getattr(ws, "_worksheet_path", ""))
    if uncomputed:  # data_only reads such a cell as empty: a silently missing value
        raise _uncomputed_formula(file_name, chosen, uncomputed)
    # A merged cell's value belongs to every cell it covers (a header over several year
    # columns, a city name over its counties' rows).
    from openpyxl.utils.cell import range_boundaries

    for ref in merged:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if min_row - 1 >= len(rows):
            continue
        top = rows[min_row - 1][min_col - 1] if min_col - 1 < len(rows[min_row - 1]) else None
        for r in range(min_row - 1, min(max_row, len(rows))):
            for c in range(min_col - 1, max_col):
                while len(rows[r]) <= c:
                    rows[r].append(None)
                rows[r][c] = top
    book.close()
    return Grid(file_name, chosen, tuple(titles), _trim(rows), "xlsx")


def _sheet_xml_facts(data: bytes, member: str) -> tuple[list[str], str]:
    """From one worksheet's XML inside the .xlsx (read_only mode gives neither): its merged
    ranges ("A1:E1"), and the first formula cell with no computed value ("" if none).

    A formula keeps its last result in <v> when Excel/WPS saved the file; a workbook written
    by a program (openpyxl, some exports) has the formula alone, which reads as empty.
    """
    import zipfile
    from xml.etree.ElementTree import ParseError, iterparse

    if not member:
        return [], ""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = member.lstrip("/")
        if name not in archive.namelist():
            return [], ""
        xml = archive.read(name)
    merged, uncomputed = [], ""
    try:
        for _event, element in iterparse(io.BytesIO(xml)):
            tag = element.tag.rpartition("}")[2]
            if tag == "c":
                if not uncomputed and _formula_without_value(element):
                    uncomputed = element.get("r", "")
                element.clear()
            elif tag == "mergeCell" and element.get("ref"):
                merged.append(element.get("ref"))
    except ParseError:
        return [], ""  # openpyxl read the cells already; nothing more to learn here
    return merged, uncomputed


def _formula_without_value(cell) -> bool:
    children = {child.tag.rpartition("}")[2]: child for child in cell}
    if "f" not in children:
        return False
    value = children.get("v")
    # t="str" with an empty <v/> is a formula whose result is the empty string ("").
    return value is None or (not (value.text or "").strip() and cell.get("t") != "str")


def _uncomputed_formula(file_name: str, sheet: str, ref: str) -> ImportFileError:
    return ImportFileError(
        f"{file_name}（{sheet}）单元格 {ref} 是没有计算结果的公式（文件由程序生成、未经 Excel 计算保存），按空值读取会丢失数据；"
        f"请在 Excel 或 WPS 中打开并保存一次，或将公式“选择性粘贴为数值”后再导入，未保存任何数据。"
        f" ({file_name}, sheet {sheet}, cell {ref}: a formula without a computed value (the file was written by a program and"
        f" never calculated); open and save it in Excel, or paste the values, then import again. Nothing was saved.)"
    )


def _read_xls(data: bytes, file_name: str, sheet: str | None) -> Grid:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except xlrd.XLRDError as error:
        if "encrypt" in str(error).lower():
            raise ImportFileError(
                f"{file_name}：文件设有打开密码，无法读取；请取消密码后另存再导入。 ({file_name}: the workbook is password-protected.)"
            ) from None
        raise ImportFileError(
            f"{file_name}：无法作为 Excel 97-2003（.xls）工作簿读取（{error}）；请另存为 .xlsx。"
            f" ({file_name}: not a readable .xls workbook ({error}); save it as .xlsx.)"
        ) from None
    except Exception as error:
        raise ImportFileError(
            f"{file_name}：无法读取（{type(error).__name__}）；请另存为 .xlsx。 ({file_name}: unreadable ({error}); save it as .xlsx.)"
        ) from None
    names = book.sheet_names()
    chosen = _pick_sheet(names, sheet, file_name)
    ws = book.sheet_by_name(chosen)
    rows = []
    for r in range(ws.nrows):
        values = []
        for c in range(ws.ncols):
            cell = ws.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_ERROR:
                raise _formula_error(file_name, chosen, cell_ref(r, c), xlrd.error_text_from_code.get(cell.value, "#ERROR"))
            values.append(_clean(cell.value) if cell.ctype != xlrd.XL_CELL_EMPTY else None)
        rows.append(values)
    for r0, r1, c0, c1 in ws.merged_cells:
        top = rows[r0][c0]
        for r in range(r0, r1):
            for c in range(c0, c1):
                rows[r][c] = top
    return Grid(file_name, chosen, tuple(names), _trim(rows), "xls")


def _read_csv(data: bytes, file_name: str) -> Grid:
    text = encoding = None
    for candidate in ("utf-8-sig", "gb18030"):  # gb18030 reads GBK and GB2312 files as well
        try:
            text = data.decode(candidate)
            encoding = "utf-8" if candidate == "utf-8-sig" else "gbk"
            if candidate == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
                encoding = "utf-8-bom"
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise ImportFileError(
            f"{file_name}：编码无法识别（不是 UTF-8 或 GBK）；请在 Excel 中另存为“CSV UTF-8”。"
            f" ({file_name}: neither UTF-8 nor GBK; save it as CSV UTF-8.)"
        )
    sample = text[:4096]
    delimiter = max(",\t;，", key=sample.count) if any(d in sample for d in ",\t;，") else ","
    try:
        rows = [[_clean(v) for v in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise ImportFileError(f"{file_name}：CSV 格式错误（{error}）。 ({file_name}: malformed CSV: {error}.)") from None
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and value in ERROR_VALUES:
                raise _formula_error(file_name, "CSV", cell_ref(r, c), value)
    return Grid(file_name, "CSV", ("CSV",), _trim(rows), "csv", encoding)


def _clean(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    if hasattr(value, "year") and hasattr(value, "month"):  # a date cell: keep as text
        return str(value)[:10]
    text = str(value).replace("\r", "").strip()
    return text or None


def _trim(rows: list[list]) -> list[list]:
    """Drop empty rows at the end and empty columns at the right."""
    while rows and not any(v not in (None, "") for v in rows[-1]):
        rows.pop()
    width = 0
    for row in rows:
        for c in range(len(row) - 1, -1, -1):
            if row[c] not in (None, ""):
                width = max(width, c + 1)
                break
    return [row[:width] + [None] * (width - len(row[:width])) for row in rows]


# --------------------------------------------------------------------------- numbers


def parse_number(value) -> float | None:
    """A number from a cell (1,234.5 / "46.2%" / "４６" / 46); None for text."""
    if isinstance(value, (int, float)):
        return float(value)
    text = geo.squeeze(value).replace(",", "").rstrip("%％")
    if re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text):
        return float(text)
    return None


def is_missing(value) -> bool:
    return value is None or (isinstance(value, str) and geo.squeeze(value) in MISSING_MARKS)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _norm(value) -> str:
    return geo.squeeze(cell_text(value)).lower()


# --------------------------------------------------------------------------- mapping


@dataclass
class ColumnSpec:
    """A value column of a wide table: what indicator it holds (the user may correct each part)."""

    index: int
    label: str  # the header text(s) as printed, joined with " · "
    name: str  # indicator name
    year: int | None = None
    unit: str = ""
    kind: str = "numeric"  # numeric / categorical / skip

    def to_dict(self) -> dict:
        return {"index": self.index, "label": self.label, "name": self.name, "year": self.year,
                "unit": self.unit, "kind": self.kind}


@dataclass
class Mapping:
    """Where things are in the sheet (0-based rows/columns); detect() proposes, the user corrects."""

    layout: str  # long / wide
    header_rows: tuple[int, ...]
    first_data_row: int
    unit_column: int
    city_column: int | None = None
    # wide
    columns: list[ColumnSpec] = field(default_factory=list)
    # long
    indicator_column: int | None = None
    value_column: int | None = None
    year_column: int | None = None
    measure_column: int | None = None
    source_column: int | None = None
    # both
    default_year: int | None = None
    value_kind: str = "value"  # value (统计值) / target (目标值)
    last_data_row: int | None = None  # None: up to the first note under the table

    def to_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "columns"}
        data["header_rows"] = list(self.header_rows)
        data["columns"] = [c.to_dict() for c in self.columns]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Mapping":
        values = dict(data)
        values["header_rows"] = tuple(values.get("header_rows", ()))
        values["columns"] = [ColumnSpec(**c) for c in values.get("columns", ())]
        return cls(**values)


@dataclass(frozen=True)
class Record:
    """One value to save, with where it came from."""

    row: int  # sheet row, 1-based as Excel shows it
    cell: str  # "C5"
    adcode: str
    level: str  # county / city / province
    name_as_written: str
    indicator: str
    unit: str
    year: int | None
    kind: str  # value / target
    categorical: bool
    value: float | None = None
    category: str = ""
    source: str = ""


@dataclass(frozen=True)
class Rejection:
    """A row (or cell) that is not saved, and why (reason codes: i18n "imports.reason.<code>")."""

    row: int
    cell: str
    text: str
    reason: str  # unresolved / ambiguous / duplicate / not-a-number / city-mismatch / no-indicator / bad-year
    detail: str = ""


@dataclass(frozen=True)
class Skipped:
    """A row deliberately left out: a total row (合计) or a note under the table."""

    row: int
    text: str
    reason: str  # total / note


@dataclass
class Preview:
    grid: Grid
    mapping: Mapping
    records: list[Record]
    rejected: list[Rejection]
    skipped: list[Skipped]

    @property
    def indicators(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((r.indicator, r.unit) for r in self.records))

    @property
    def resolved_units(self) -> set[str]:
        return {r.adcode for r in self.records}

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({r.row for r in self.rejected})


def _header_word(value, words) -> bool:
    text = _norm(value)
    return bool(text) and any(text == w.lower() or text.rstrip("：:") == w.lower() for w in words)


def _unit_hits(grid: Grid, col: int) -> list[int]:
    """Rows whose cell in col resolves to a unit (or names one ambiguously)."""
    hits = []
    for r, row in enumerate(grid.rows):
        value = row[col] if col < len(row) else None
        if value in (None, "") or (isinstance(value, float) and not value.is_integer()):
            continue
        match = geo.resolve_unit(value)
        if match.adcode or match.reason == "ambiguous":
            hits.append(r)
    return hits


def _is_note(row: list) -> bool:
    filled = [v for v in row if v not in (None, "")]
    if not filled:
        return False
    first = cell_text(filled[0])
    return bool(NOTE_PREFIX.match(first)) or (len(set(map(cell_text, filled))) == 1 and len(first) > 12)


def _is_title(row: list, width: int) -> bool:
    filled = [cell_text(v) for v in row if v not in (None, "")]
    return bool(filled) and len(set(filled)) == 1 and (len(filled) == width or len(filled) == 1) and width > 1


def detect(grid: Grid) -> Mapping:
    """Propose a mapping: the unit column (where most cells name a unit), the header rows
    above the first such row, long or wide layout, and each value column's indicator."""
    width = grid.width
    if width < 2:
        raise ImportFileError(
            f"{grid.file_name}（{grid.sheet}）：只有一列，找不到“单位 + 数值”的表格。"
            f" ({grid.file_name}, sheet {grid.sheet}: one column only; a table needs a unit column and values.)"
        )
    hits = {c: _unit_hits(grid, c) for c in range(width)}
    # The unit column names counties; a city column names the same few cities again and again.
    def score(c: int) -> tuple:
        adcodes = [geo.resolve_unit(grid.rows[r][c]).adcode for r in hits[c]]
        return (len(set(adcodes)) + sum(a is None for a in adcodes), -c)

    unit_column = max(range(width), key=score)
    if len(hits[unit_column]) < 1:
        raise ImportFileError(
            f"{grid.file_name}（{grid.sheet}）：没有一列是县（市、区）名称或区划代码；请检查工作表，或使用模板。"
            f" ({grid.file_name}, sheet {grid.sheet}: no column names counties or adcodes; check the sheet or use the template.)"
        )
    first = hits[unit_column][0]
    header_rows = []
    r = first - 1
    while r >= 0:
        row = grid.rows[r]
        if not any(v not in (None, "") for v in row) or _is_title(row, width):
            break
        header_rows.insert(0, r)
        r -= 1
    city_column = None
    for c in range(width):
        if c == unit_column:
            continue
        cells = [grid.rows[r][c] for r in hits[unit_column] if grid.rows[r][c] not in (None, "")]
        header_says = any(_header_word(grid.rows[h][c], CITY_HEADERS) for h in header_rows)
        if cells and (header_says or sum(geo.city_of_name(v) is not None for v in cells) >= 0.8 * len(hits[unit_column])):
            if all(geo.city_of_name(v) is not None or geo.squeeze(v) in geo.PROVINCE_NAMES for v in cells):
                city_column = c
                break
    labels = header_labels(grid, header_rows, width)
    mapping = Mapping("wide", tuple(header_rows), first, unit_column, city_column)
    # A title row above the header ("2023年运城市各县主要指标") gives the year of columns without one.
    for r in range((header_rows or [first])[0] - 1, -1, -1):
        found_year = YEAR.search(" ".join(cell_text(v) for v in grid.rows[r] if v not in (None, "")))
        if found_year:
            mapping.default_year = int(found_year.group(1))
            break
    found = {}
    for role, words in LONG_HEADERS.items():
        for c in range(width):
            if c in (unit_column, city_column) or c in found.values():
                continue
            if any(_header_word(grid.rows[h][c], words) for h in header_rows):
                found[role] = c
                break
    if "indicator" in found and "value" in found:
        mapping.layout = "long"
        mapping.indicator_column = found["indicator"]
        mapping.value_column = found["value"]
        mapping.year_column = found.get("year")
        mapping.measure_column = found.get("measure")
        mapping.source_column = found.get("source")
        return mapping
    data_rows = _data_rows(grid, mapping)
    for c in range(width):
        if c in (unit_column, city_column):
            continue
        label = labels[c]
        if _header_word(label, SKIP_HEADERS) or _header_word(label, UNIT_HEADERS) or _header_word(label, CITY_HEADERS):
            continue
        cells = [grid.rows[r][c] for r in data_rows if not is_missing(grid.rows[r][c])]
        if not cells:
            continue
        if all(geo.resolve_unit(v).adcode for v in cells if isinstance(v, str)) and not any(parse_number(v) is not None and not _is_adcode(v) for v in cells):
            continue  # another name/adcode column
        numeric = sum(parse_number(v) is not None for v in cells)
        kind = "numeric" if numeric >= 0.6 * len(cells) else "categorical"
        name, year, unit = split_label(label)
        # A header that is only a year ("2023") names no indicator: the user names it in the preview.
        mapping.columns.append(ColumnSpec(c, label, name if (name or year is not None) else (label or column_letter(c)), year, unit, kind))
    return mapping


def _is_adcode(value) -> bool:
    text = cell_text(value)
    return len(text) == 6 and text.isdigit() and text.startswith("14")


def header_labels(grid: Grid, header_rows, width: int) -> list[str]:
    labels = []
    for c in range(width):
        parts = []
        for h in header_rows:
            text = cell_text(grid.rows[h][c]) if c < len(grid.rows[h]) else ""
            if text and text not in parts:
                parts.append(text)
        # A header row of units alone ("万人", "%") belongs to the label as its unit.
        labels.append(" · ".join(f"（{p}）" if geo.squeeze(p) in MEASURE_UNITS else p for p in parts).replace(" · （", "（"))
    return labels


def split_label(label: str) -> tuple[str, int | None, str]:
    """"常住人口（万人） · 2020年" → ("常住人口", 2020, "万人")."""
    text = unicodedata.normalize("NFKC", label or "")
    unit = ""
    year = None
    parts = [p.strip() for p in text.split("·")]
    kept = []
    for part in parts:
        match = BRACKETED.search(part)
        if match and (geo.squeeze(match.group(1)) in MEASURE_UNITS or "单位" in match.group(1)):
            unit = match.group(1).replace("单位", "").strip(":： ")
            part = part[: match.start()].strip()
        year_match = YEAR.fullmatch(part) or YEAR.search(part)
        if year_match and year is None:
            year = int(year_match.group(1))
            part = (part[: year_match.start()] + part[year_match.end():]).strip()
        if geo.squeeze(part) in MEASURE_UNITS:
            unit = geo.squeeze(part)
            part = ""
        if part:
            kept.append(part)
    return "·".join(kept), year, unit


def _data_rows(grid: Grid, mapping: Mapping) -> list[int]:
    """Rows of the table body: from the first data row up to a note under the table."""
    rows = []
    end = mapping.last_data_row if mapping.last_data_row is not None else len(grid.rows) - 1
    for r in range(mapping.first_data_row, min(end, len(grid.rows) - 1) + 1):
        row = grid.rows[r]
        if mapping.last_data_row is None and _is_note(row) and not geo.resolve_unit(row[mapping.unit_column]).adcode:
            break
        rows.append(r)
    return rows


# --------------------------------------------------------------------------- preview


def preview(grid: Grid, mapping: Mapping | None = None) -> Preview:
    """The records a mapping gives and every row that cannot be saved, with its reason."""
    mapping = mapping or detect(grid)
    records: list[Record] = []
    rejected: list[Rejection] = []
    skipped: list[Skipped] = []
    body = _data_rows(grid, mapping)
    end = body[-1] if body else mapping.first_data_row - 1
    for r in range(end + 1, len(grid.rows)):
        text = " ".join(cell_text(v) for v in grid.rows[r] if v not in (None, ""))
        if text:
            skipped.append(Skipped(r + 1, text[:200], "note"))
    units: dict[int, geo.UnitMatch] = {}
    for r in body:
        row = grid.rows[r]
        name = row[mapping.unit_column] if mapping.unit_column < len(row) else None
        if all(v in (None, "") for v in row):
            continue
        if name in (None, ""):
            rejected.append(Rejection(r + 1, cell_ref(r, mapping.unit_column), "", "unresolved", "空 (empty)"))
            continue
        city = row[mapping.city_column] if mapping.city_column is not None else None
        match = geo.resolve_unit(name, city)
        if match.reason == "total":
            skipped.append(Skipped(r + 1, cell_text(name), "total"))
            continue
        if match.adcode is None:
            written = cell_text(name) + (f"（{cell_text(city)}）" if city not in (None, "") else "")
            rejected.append(Rejection(r + 1, cell_ref(r, mapping.unit_column), written, match.reason, match.detail))
            continue
        units[r] = match
    if mapping.layout == "long":
        candidates = _long_records(grid, mapping, units, rejected)
    else:
        candidates = _wide_records(grid, mapping, units, rejected)
    # A unit written twice for the same indicator and year: neither row is saved (which is right?).
    seen: dict[tuple, list[Record]] = {}
    for record in candidates:
        seen.setdefault((record.adcode, record.indicator, record.unit, record.year), []).append(record)
    repeated_rows: dict[int, list[int]] = {}
    for group in seen.values():
        rows = sorted({rec.row for rec in group})
        if len(rows) > 1:
            for rec in group:
                repeated_rows.setdefault(rec.row, rows)
    for record in candidates:
        if record.row in repeated_rows:
            continue
        records.append(record)
    for row, rows in sorted(repeated_rows.items()):
        others = [n for n in rows if n != row]
        match = units[row - 1]
        rejected.append(Rejection(row, cell_ref(row - 1, mapping.unit_column), cell_text(grid.rows[row - 1][mapping.unit_column]),
                                  "duplicate", f"{geo.full_name(match.adcode)}；第 {'、'.join(map(str, others))} 行 (rows {', '.join(map(str, others))})"))
    rejected.sort(key=lambda x: (x.row, x.cell))
    skipped.sort(key=lambda x: x.row)
    return Preview(grid, mapping, records, rejected, skipped)


def _wide_records(grid, mapping, units, rejected) -> list[Record]:
    out = []
    for r, match in units.items():
        row = grid.rows[r]
        for spec in mapping.columns:
            if spec.kind == "skip" or spec.index >= len(row) or not spec.name.strip():
                continue  # skipped, or a column the user has not named yet
            value = row[spec.index]
            if is_missing(value) and not (spec.kind == "categorical" and value not in (None, "")):
                continue
            common = dict(row=r + 1, cell=cell_ref(r, spec.index), adcode=match.adcode, level=match.level,
                          name_as_written=cell_text(row[mapping.unit_column]), indicator=spec.name.strip(),
                          unit=spec.unit, year=spec.year if spec.year is not None else mapping.default_year,
                          kind=mapping.value_kind)
            if spec.kind == "categorical":
                out.append(Record(categorical=True, category=cell_text(value), **common))
                continue
            number = parse_number(value)
            if number is None:
                rejected.append(Rejection(r + 1, cell_ref(r, spec.index), cell_text(value), "not-a-number", spec.name))
                continue
            out.append(Record(categorical=False, value=number, **common))
    return out


def _long_records(grid, mapping, units, rejected) -> list[Record]:
    out = []
    for r, match in units.items():
        row = grid.rows[r]

        def cell(col):
            return row[col] if col is not None and col < len(row) else None

        name = cell_text(cell(mapping.indicator_column))
        if not name and is_missing(cell(mapping.value_column)):
            continue  # a unit row left blank (the template lists all 117)
        if not name:
            rejected.append(Rejection(r + 1, cell_ref(r, mapping.indicator_column), "", "no-indicator"))
            continue
        year = mapping.default_year
        if mapping.year_column is not None and not is_missing(cell(mapping.year_column)):
            found = YEAR.search(cell_text(cell(mapping.year_column)))
            if not found:
                rejected.append(Rejection(r + 1, cell_ref(r, mapping.year_column), cell_text(cell(mapping.year_column)), "bad-year"))
                continue
            year = int(found.group(1))
        unit = geo.squeeze(cell_text(cell(mapping.measure_column)))
        name, label_year, label_unit = split_label(name)
        unit = unit or label_unit
        year = year if year is not None else label_year
        value = cell(mapping.value_column)
        if is_missing(value):
            continue
        common = dict(row=r + 1, cell=cell_ref(r, mapping.value_column), adcode=match.adcode, level=match.level,
                      name_as_written=cell_text(row[mapping.unit_column]), indicator=name, unit=unit, year=year,
                      kind=mapping.value_kind, source=cell_text(cell(mapping.source_column)))
        number = parse_number(value)
        if number is None and unit:
            rejected.append(Rejection(r + 1, common["cell"], cell_text(value), "not-a-number", name))
            continue
        if number is None:
            out.append(Record(categorical=True, category=cell_text(value), **common))
        else:
            out.append(Record(categorical=False, value=number, **common))
    # A long indicator is categorical only when none of its rows is a number: mixed → text rows rejected.
    numeric_names = {(x.indicator, x.unit) for x in out if not x.categorical}
    kept = []
    for record in out:
        if record.categorical and (record.indicator, record.unit) in numeric_names:
            rejected.append(Rejection(record.row, record.cell, record.category, "not-a-number", record.indicator))
        else:
            kept.append(record)
    return kept


# --------------------------------------------------------------------------- classification lists


def type_of_category(text: str) -> str | None:
    """The county-town type key a category names ("农产品主产区型县城", "文旅赋能型"), or None."""
    from .ingest.classify import TYPE_STEMS

    squeezed = geo.squeeze(text)
    for stem in sorted(TYPE_STEMS, key=len, reverse=True):
        if stem in squeezed:
            return TYPE_STEMS[stem]
    return None


def is_type_list(records: list[Record]) -> bool:
    """A categorical indicator whose every category names a county-town type."""
    return bool(records) and all(r.categorical and type_of_category(r.category) for r in records)


def read_file(path: Path, sheet: str | None = None) -> tuple[bytes, Grid]:
    """Read a file from disk (the command line); too large a file is refused before it is read."""
    size = Path(path).stat().st_size
    if size > MAX_BYTES:
        name = Path(path).name
        raise ImportFileError(
            f"{name}：文件 {size / 1024 / 1024:.0f} MB，超过 {MAX_BYTES // 1024 // 1024} MB 上限。"
            f" ({name}: {size / 1024 / 1024:.0f} MB is over the {MAX_BYTES // 1024 // 1024} MB limit.)"
        )
    data = Path(path).read_bytes()
    return data, read_grid(data, Path(path).name, sheet)


__all__ = [
    "ColumnSpec", "Grid", "ImportFileError", "Mapping", "Preview", "Record", "Rejection", "Skipped", "detect",
    "cell_text", "header_labels", "is_type_list", "parse_number", "preview", "read_file", "read_grid", "split_label",
    "template_workbook", "type_of_category",
]


# --------------------------------------------------------------------------- template


def template_workbook() -> bytes:
    """A workbook to fill in: a long sheet and a wide sheet with the 117 units and their adcodes."""
    import openpyxl
    from openpyxl.styles import Font

    units = sorted(geo.counties().values(), key=lambda c: (c.city_adcode, c.adcode))
    book = openpyxl.Workbook()
    long_sheet = book.active
    long_sheet.title = "长表"
    long_sheet.append(["所属市", "县（市、区）", "区划代码", "指标", "年份", "数值", "单位", "来源"])
    for county in units:
        long_sheet.append([county.city_name, county.name, county.adcode, "", None, None, "", ""])
    wide = book.create_sheet("宽表")
    wide.append(["所属市", "县（市、区）", "区划代码", "常住人口（万人）", "城镇化率（%）", "县城类型"])
    for county in units:
        wide.append([county.city_name, county.name, county.adcode, None, None, None])
    notes = book.create_sheet("说明")
    for line in (
        "长表：每行一个数值（县、指标、年份、数值、单位）；宽表：每行一个县，每列一个指标，列名写“指标（单位）”，可加年份如“常住人口（万人）2023年”。",
        "分类指标（如县城类型、主体功能区）直接填文字；县城类型请用五类名称（城市融合型、专业功能型、文旅赋能型、农产品主产区、重点生态功能区）。",
        "城区、矿区、郊区须保留“所属市”列；市、省的数值可另起一行写“运城市”“山西省”。",
        "Long sheet: one value per row. Wide sheet: one row per county, one column per indicator named 'name (unit)'. "
        "Keep the city column for 城区/矿区/郊区.",
    ):
        notes.append([line])
    for sheet in (long_sheet, wide):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["B"].width = 14
        sheet.column_dimensions["D"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
