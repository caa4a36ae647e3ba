"""Import core (issue 13): workbooks and CSVs built here, detection, name resolution, rejections."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from xiancheng import imports
from xiancheng.imports import ImportFileError


def xlsx(rows, merges=(), title="Sheet1", extra_sheets=()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for merge in merges:
        sheet.merge_cells(merge)
    for name, more in extra_sheets:
        other = book.create_sheet(name)
        for row in more:
            other.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def run(data: bytes, name: str, sheet=None, **changes):
    grid = imports.read_grid(data, name, sheet)
    mapping = imports.detect(grid)
    for key, value in changes.items():
        setattr(mapping, key, value)
    return imports.preview(grid, mapping)


def values(preview, indicator=None, year="any"):
    return {(r.adcode, r.year): r.value for r in preview.records
            if (indicator is None or r.indicator == indicator) and (year == "any" or r.year == year)}


YEARBOOK = [
    ["2023年运城市各县（市、区）主要指标", None, None, None, None],
    ["序号", "县（市、区）", "常住人口（万人）", None, "城镇化率（%）"],
    [None, None, "2020年", "2023年", None],
    [1, "运城市盐湖区", 70.1, 71.2, 80.5],
    [2, "临猗", 50, 49.8, 41.0],
    [3, "永济市", 40, 39.5, "待核实"],
    [4, "万荣县", 38, 37.7, 35.2],
    [None, "合计", 198.1, 198.2, 52.1],
    ["注：常住人口为年末数。", None, None, None, None],
    ["资料来源：《运城统计年鉴2024》", None, None, None, None],
]
YEARBOOK_MERGES = ("A1:E1", "C2:D2", "A2:A3", "B2:B3", "E2:E3")


def test_wide_yearbook_with_merged_headers_total_row_and_footnotes():
    preview = run(xlsx(YEARBOOK, YEARBOOK_MERGES), "运城主要指标.xlsx")
    mapping = preview.mapping
    assert mapping.layout == "wide"
    assert mapping.header_rows == (1, 2) and mapping.first_data_row == 3 and mapping.unit_column == 1
    assert [(c.name, c.year, c.unit, c.kind) for c in mapping.columns] == [
        ("常住人口", 2020, "万人", "numeric"), ("常住人口", 2023, "万人", "numeric"), ("城镇化率", None, "%", "numeric"),
    ]
    assert mapping.default_year == 2023  # from the title row
    assert values(preview, "常住人口") == {
        ("140802", 2020): 70.1, ("140802", 2023): 71.2, ("140821", 2020): 50.0, ("140821", 2023): 49.8,
        ("140881", 2020): 40.0, ("140881", 2023): 39.5, ("140822", 2020): 38.0, ("140822", 2023): 37.7,
    }
    assert values(preview, "城镇化率") == {("140802", 2023): 80.5, ("140821", 2023): 41.0, ("140822", 2023): 35.2}
    assert [(r.row, r.cell, r.text, r.reason) for r in preview.rejected] == [(6, "E6", "待核实", "not-a-number")]
    assert [(s.row, s.reason) for s in preview.skipped] == [(8, "total"), (9, "note"), (10, "note")]
    assert preview.resolved_units == {"140802", "140821", "140881", "140822"}
    first = next(r for r in preview.records if r.adcode == "140802" and r.year == 2020)
    assert (first.row, first.cell, first.name_as_written) == (4, "C4", "运城市盐湖区")


def test_long_table_csv_utf8_bom_and_gbk_give_the_same_values():
    rows = [
        ["地区", "指标", "年份", "数值", "单位", "来源"],
        ["洪洞县", "常住人口", "2023", "68.5", "万人", "临汾统计年鉴"],
        ["洪洞县", "城镇化率", "2023", "45.2%", "%", "临汾统计年鉴"],
        ["140821", "常住人口", "2023年", "49.8", "万人", ""],
        ["祁　县", "常住人口", "2023", "25.1", "万人", ""],
        ["火星县", "常住人口", "2023", "1", "万人", ""],
    ]
    results = []
    for encoding in ("utf-8", "utf-8-sig", "gbk"):
        preview = run(csv_bytes(rows, encoding), f"long-{encoding}.csv")
        assert preview.mapping.layout == "long"
        results.append(sorted((r.adcode, r.indicator, r.unit, r.year, r.value, r.source) for r in preview.records))
        assert [(r.row, r.reason, r.text) for r in preview.rejected] == [(6, "unresolved", "火星县")]
    assert results[0] == results[1] == results[2] == [
        ("140727", "常住人口", "万人", 2023, 25.1, ""),
        ("140821", "常住人口", "万人", 2023, 49.8, ""),
        ("141024", "城镇化率", "%", 2023, 45.2, "临汾统计年鉴"),
        ("141024", "常住人口", "万人", 2023, 68.5, "临汾统计年鉴"),
    ]
    assert imports.read_grid(csv_bytes(rows, "gbk"), "x.csv").encoding == "gbk"
    assert imports.read_grid(csv_bytes(rows, "utf-8-sig"), "x.csv").encoding == "utf-8-bom"


def test_old_names_short_names_and_city_prefix_resolve():
    rows = [["县区", "GDP（亿元）"], ["大同县", 1], ["长治县", 2], ["潞城市", 3], ["怀仁县", 4], ["太谷县", 5],
            ["洪洞", 6], ["运城市盐湖区", 7], ["运城盐湖区", 8], ["山西省", 9], ["吕梁市", 10]]
    preview = run(xlsx(rows), "old.xlsx")
    got = {r.name_as_written: (r.adcode, r.level) for r in preview.records}
    assert got == {
        "大同县": ("140215", "county"), "长治县": ("140404", "county"), "潞城市": ("140406", "county"),
        "怀仁县": ("140681", "county"), "太谷县": ("140703", "county"), "洪洞": ("141024", "county"),
        "山西省": ("140000", "province"), "吕梁市": ("141100", "city"),
    }
    # 运城市盐湖区 and 运城盐湖区 are one unit written twice: neither is saved
    assert [(r.row, r.reason) for r in preview.rejected] == [(8, "duplicate"), (9, "duplicate")]
    assert "140802" not in preview.resolved_units


def test_generic_district_names_need_a_city_column_or_prefix():
    without = run(xlsx([["单位名称", "人口（万人）"], ["城区", 1.0], ["矿区", 2.0], ["郊区", 3.0], ["阳泉市城区", 4.0], ["古县", 5.0]]), "a.xlsx")
    assert [(r.row, r.text, r.reason) for r in without.rejected] == [
        (2, "城区", "ambiguous"), (3, "矿区", "ambiguous"), (4, "郊区", "ambiguous"),
    ]
    assert {r.adcode: r.value for r in without.records} == {"140302": 4.0, "141025": 5.0}
    with_city = run(xlsx([["市", "区县", "人口（万人）"], ["阳泉市", "城区", 1.0], ["晋城", "城区", 2.0], ["阳泉市", "矿区", 3.0],
                          ["长治市", "郊区", 4.0], ["运城市", "洪洞县", 5.0]]), "b.xlsx")
    assert with_city.mapping.city_column == 0 and with_city.mapping.unit_column == 1
    assert {r.adcode: r.value for r in with_city.records} == {"140302": 1.0, "140502": 2.0, "140303": 3.0, "140403": 4.0}
    assert [(r.row, r.reason) for r in with_city.rejected] == [(6, "city-mismatch")]


def test_city_column_merged_over_its_counties():
    rows = [["市", "县", "城镇化率（%）"], ["晋城市", "城区", 90], [None, "泽州县", 50], [None, "高平市", 55]]
    preview = run(xlsx(rows, ("A2:A4",)), "m.xlsx")
    assert {r.adcode: r.value for r in preview.records} == {"140502": 90.0, "140525": 50.0, "140581": 55.0}


def test_categorical_type_list_and_zone_list():
    rows = [["县（市、区）", "县城类型", "主体功能区"], ["古县", "重点生态功能区县城", "重点生态功能区"], ["洪洞县", "农产品主产区型县城", "农产品主产区"],
            ["盐湖区", None, "城市化地区"]]
    preview = run(xlsx(rows), "types.xlsx")
    assert [(c.name, c.kind) for c in preview.mapping.columns] == [("县城类型", "categorical"), ("主体功能区", "categorical")]
    types = [r for r in preview.records if r.indicator == "县城类型"]
    assert {r.adcode: r.category for r in types} == {"141025": "重点生态功能区县城", "141024": "农产品主产区型县城"}
    assert imports.is_type_list(types)
    assert not imports.is_type_list([r for r in preview.records if r.indicator == "主体功能区"])
    assert imports.type_of_category("农产品主产区型县城") == "agricultural"


def test_user_corrects_the_mapping_before_saving():
    rows = [["单位", "2022", "2023"], ["古县", "1.5", "1.7"], ["洪洞县", "2.5", "2.8"]]
    grid = imports.read_grid(xlsx(rows), "fix.xlsx")
    mapping = imports.detect(grid)
    assert [(c.name, c.year) for c in mapping.columns] == [("", 2022), ("", 2023)]
    assert imports.preview(grid, mapping).records == []  # columns without a name are not saved
    for column in mapping.columns:
        column.name, column.unit = "一般公共预算收入", "亿元"
    mapping.columns[0].kind = "skip"
    mapping.value_kind = "target"
    preview = imports.preview(grid, mapping)
    assert sorted((r.adcode, r.indicator, r.unit, r.year, r.kind, r.value) for r in preview.records) == [
        ("141024", "一般公共预算收入", "亿元", 2023, "target", 2.8), ("141025", "一般公共预算收入", "亿元", 2023, "target", 1.7),
    ]
    assert imports.Mapping.from_dict(mapping.to_dict()) == mapping


def test_sheet_choice_and_unknown_sheet():
    data = xlsx([["说明"]], title="封面", extra_sheets=[("数据", [["县", "人口"], ["古县", 9]])])
    preview = run(data, "two.xlsx", sheet="数据")
    assert {r.adcode: r.value for r in preview.records} == {"141025": 9.0}
    with pytest.raises(ImportFileError, match="没有名为“表3”的工作表"):
        imports.read_grid(data, "two.xlsx", "表3")


def test_xls_workbook():
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("表1")
    for r, row in enumerate([["县", "人口（万人）"], ["古县", 9.5], ["城区", 3]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    preview = run(buffer.getvalue(), "old.xls")
    assert {r.adcode: r.value for r in preview.records} == {"141025": 9.5}
    assert [(r.row, r.reason) for r in preview.rejected] == [(3, "ambiguous")]


# --------------------------------------------------------------------------- bad files


def test_not_a_spreadsheet():
    with pytest.raises(ImportFileError, match=r"report\.xlsx.*(不是|无法作为)"):
        imports.read_grid(b"%PDF-1.4 not a workbook" + bytes(range(256)), "report.xlsx")
    with pytest.raises(ImportFileError, match="无法作为 Excel 工作簿读取"):
        imports.read_grid(b"PK\x03\x04broken zip", "broken.xlsx")


def test_password_protected_workbook():
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(xlsx([["县", "人口"], ["古县", 1]]))
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", encrypted)
    assert msoffcrypto
    with pytest.raises(ImportFileError, match="locked.xlsx.*密码"):
        imports.read_grid(encrypted.getvalue(), "locked.xlsx")


def test_empty_files():
    with pytest.raises(ImportFileError, match="empty.csv.*空"):
        imports.read_grid(b"", "empty.csv")
    with pytest.raises(ImportFileError, match="工作表没有任何内容"):
        imports.read_grid(xlsx([]), "blank.xlsx")


def test_too_large(tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(ImportFileError, match="50 MB.*上限"):
        imports.read_file(big)
    with pytest.raises(ImportFileError, match="50 MB"):
        imports.read_grid(b"a" * (50 * 1024 * 1024), "big.csv")


def test_formula_error_cell_is_named():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["县", "人均GDP"])
    sheet.append(["古县", 3])
    sheet["B3"] = "#DIV/0!"
    sheet["A3"] = "洪洞县"
    sheet["B3"].data_type = "e"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportFileError, match="B3.*#DIV/0!"):
        imports.read_grid(buffer.getvalue(), "err.xlsx")


def _formula_book(cached: dict[str, str] | None = None) -> bytes:
    """洪洞县's value is a formula, written by openpyxl (so with no computed value); cached
    puts a computed result into the XML as Excel would when saving ({"B3": "6"})."""
    import re
    import zipfile

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "人口"
    sheet.append(["县", "常住人口（万人）"])
    sheet.append(["古县", 3])
    sheet.append(["洪洞县", "=B2*2"])
    buffer = io.BytesIO()
    book.save(buffer)
    if not cached:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for ref, value in cached.items():
                    text = re.sub(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v>\s*</v>', rf"\1<v>{value}</v>", text)
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def test_formula_without_computed_value_is_refused_with_sheet_and_cell():
    with pytest.raises(ImportFileError) as refused:
        imports.read_grid(_formula_book(), "公式.xlsx")
    message = str(refused.value)
    assert "公式.xlsx" in message and "人口" in message and "B3" in message
    assert "没有计算结果的公式" in message and "粘贴为数值" in message and "未保存任何数据" in message
    assert "paste the values" in message


def test_formula_with_its_computed_value_is_read():
    grid = imports.read_grid(_formula_book({"B3": "6"}), "算好.xlsx")
    preview = imports.preview(grid, imports.detect(grid))
    assert values(preview) == {("141024", None): 6.0, ("141025", None): 3.0}
    assert not preview.rejected


def test_formula_ref_error_cell_is_named():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "财政"
    sheet.append(["县", "一般公共预算收入（亿元）"])
    sheet.append(["古县", 3.1])
    sheet.append(["洪洞县", "#REF!"])
    sheet["B3"].data_type = "e"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportFileError, match=r"财政.*B3.*#REF!.*未保存任何数据"):
        imports.read_grid(buffer.getvalue(), "引用.xlsx")


def test_no_unit_column():
    with pytest.raises(ImportFileError, match="没有一列是县"):
        imports.detect(imports.read_grid(xlsx([["a", "b"], ["x", 1]]), "x.xlsx"))
