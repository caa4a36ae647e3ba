"""Imported values on the pages (issue 13), under AppTest with a store of the test's own."""

from __future__ import annotations

import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from xiancheng import imported, imports, store as store_module
from xiancheng.store import imports as stored

TIMEOUT = 60


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A store of this test alone: the app under AppTest reads it through the setting."""
    url = f"sqlite:///{tmp_path}/pages.sqlite"
    monkeypatch.setenv("XIANCHENG_DATABASE_URL", url)
    yield store_module.open(url)
    store_module.forget(url)


def save(workspace, rows, name, **mapping_changes):
    data = workbook(rows)
    grid = imports.read_grid(data, f"{name}.xlsx")
    mapping = imports.detect(grid)
    for key, value in mapping_changes.items():
        setattr(mapping, key, value)
    preview = imports.preview(grid, mapping)
    return stored.save(workspace, store_module.system_user("test"), preview, data, name=name,
                       based_on=stored.latest_version(workspace, name), accept_rejected=True)


def run(page: str, **params) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def text_of(app) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption] + [i.value for i in app.info]
    parts += [h.value for h in app.title] + [h.value for h in app.subheader] + [m.value for m in app.metric]
    parts += [w.value for w in app.warning]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # markdown escapes (人口\.xlsx) dropped


POPULATION = [["县（市、区）", "常住人口（万人）"], ["古县", 8.1], ["洪洞县", 68.5], ["浮山县", 11.0], ["临汾市", 390.0], ["山西省", 3466.0]]
TYPES = [["县（市、区）", "县城类型"], ["古县", "农产品主产区县城"], ["洪洞县", "农产品主产区型县城"], ["浮山县", "农产品主产区县城"]]


def test_imported_indicator_in_the_picker_and_on_the_map(workspace):
    save(workspace, POPULATION, "人口", default_year=2023)
    key = imported.indicator_key("常住人口", "万人", "value", False)
    app = run("pages/indicators.py", indicator=key, county="141025")
    picker = app.selectbox(key="indicator")
    assert picker.value == key
    assert "［统计值·导入］ 常住人口（万人）" in picker.options
    # plan targets beside it say 目标值 (and their level), counts from the plans 计数; none says 统计值
    plan_targets = [o for o in picker.options if o.startswith("［目标值·") and "导入" not in o]
    assert any("［目标值·县级］" in o for o in plan_targets) and any("［目标值·市级］" in o for o in plan_targets)
    assert any(o.startswith("［计数］ 适用任务数") for o in picker.options)
    assert [o for o in picker.options if "统计值" in o] == ["［统计值·导入］ 常住人口（万人）"]
    assert app.selectbox(key=f"year-{key}").options == ["2023年 · 统计值"]  # a measured value, not 现状值
    text = text_of(app)
    assert "8.1 万人" in text  # the selected county's value
    assert "人口.xlsx 第2行" in text  # its citation: file and row
    assert "临汾市 | 市级 | 390 万人" in text or "390 万人" in text


def test_imported_type_list_is_a_type_source_with_disagreement_on_the_county_page(workspace):
    save(workspace, TYPES, "类型名单")
    key = imported.indicator_key("县城类型", "", "value", True)
    app = run("pages/indicators.py", indicator=key, county="141024")
    assert "农产品主产区型县城" in text_of(app)
    county = run("pages/county.py", county="141025")  # 古县: Gu's plan says 重点生态功能区
    text = text_of(county)
    assert "导入的名单" in text and "类型名单.xlsx 第2行" in text
    assert "农产品主产区县城" in text
    assert county.warning, "a plan and the imported list disagree: both are shown with a warning"


def test_county_page_compares_with_city_province_and_same_type(workspace):
    save(workspace, TYPES, "类型名单")
    save(workspace, POPULATION, "人口", default_year=2023)
    app = run("pages/county.py", county="141027")  # 浮山县
    text = text_of(app)
    assert "11 万人" in text
    assert "390 万人" in text
    assert "3466 万人" in text or "3,466 万人" in text
    # 古县 8.1, 洪洞县 68.5, 浮山县 11 share 农产品主产区 by the imported list: median 11, range 8.1 – 68.5
    assert "8.1 万人 – 68.5 万人" in text


def test_import_page_is_listed_for_editors_and_admins_only():
    from xiancheng import ui

    spec = next(p for p in ui.PAGES if p.url_path == "imports")
    people = {role: store_module.User(role, role, role, areas=("140000",)) for role in ("admin", "editor", "viewer")}
    assert [spec.listed_for(u) for u in (None, people["viewer"], people["editor"], people["admin"])] == [False, False, True, True]
    overview = next(p for p in ui.PAGES if p.default)
    assert overview.listed_for(None) and overview.listed_for(people["viewer"])


def test_import_page_opened_by_url_tells_visitors_and_viewers_calmly(workspace):
    app = run("pages/imports.py")
    assert "此页需要登录" in text_of(app) and not app.get("file_uploader")
    workspace.add_user(store_module.system_user("test"), "li", "viewer password 1", "viewer")
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    app.session_state["xiancheng_user"] = workspace.user("li")
    app.switch_page("pages/imports.py").run()
    assert not app.exception, app.exception
    assert "此页需要以下角色：管理员 / 填报员" in text_of(app) and not app.get("file_uploader")


ZONES = [["县（市、区）", "主体功能区"], ["古县", "重点生态功能区"], ["洪洞县", "农产品主产区"], ["浮山县", "重点生态功能区"]]
LINFEN = "141000"


def _colour_counts(png: bytes) -> dict[tuple, int]:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour: n for n, colour in image.getcolors(maxcolors=1 << 21)}


def _rgb(hex_colour: str) -> tuple:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_map_exports_draw_an_imported_indicator_with_its_values_and_legend(workspace):
    from datetime import date

    from test_export import pdf_text, squash
    from xiancheng import palette
    from xiancheng.ui import widgets

    save(workspace, POPULATION, "人口", default_year=2023)
    key = imported.indicator_key("常住人口", "万人", "value", False)
    app = run("pages/indicators.py", indicator=key, city=LINFEN)
    assert [b.proto.label for b in app.get("download_button")][:4] == ["PNG", "PNG（300 dpi）", "SVG", "PDF"]
    downloads = widgets.indicator_map_downloads(key, "2023-value", "quantiles", 5, LINFEN)
    assert downloads[0].file_name.startswith("指标图_常住人口_2023年统计值_临汾市_")
    png = downloads[0].make()
    counts = _colour_counts(png)
    # three counties, three values (8.1, 11, 68.5): three classes, each painted on a county (far more than a legend swatch)
    for colour in palette.sequential(3):
        assert counts.get(_rgb(colour), 0) > 4000, (colour, counts.get(_rgb(colour)))
    assert counts.get(_rgb(palette.NO_DATA), 0) > 50000  # the 14 other 临汾 units: no data
    text = squash(pdf_text(downloads[3].make()))
    assert "常住人口（万人）" in text and "2023年·统计值" in text
    assert "8.1" in text and "68.5" in text  # the class bounds are the imported values
    assert "无数据：导入的表格未给出(14)" in text
    assert "人口.xlsx（工作表Sheet，导入第1版" in text  # the source line names the import
    widgets.clear_export_caches()


def test_map_exports_draw_an_imported_category_list_with_its_categories(workspace):
    from test_export import pdf_text, squash
    from xiancheng import palette
    from xiancheng.ui import widgets

    save(workspace, ZONES, "功能区")
    key = imported.indicator_key("主体功能区", "", "value", True)
    app = run("pages/indicators.py", indicator=key, city=LINFEN)
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["PNG", "PNG（300 dpi）", "SVG", "PDF"], (labels, app.selectbox(key="indicator").value, text_of(app)[:500])
    downloads = widgets.indicator_map_downloads(key, None, "quantiles", 5, LINFEN)
    counts = _colour_counts(downloads[0].make())
    colours = palette.category_colours(["重点生态功能区", "农产品主产区"])  # by count, as the web legend
    ecological, farming = (counts.get(_rgb(colours[c]), 0) for c in ("重点生态功能区", "农产品主产区"))
    assert ecological > 4000 and farming > 4000, (ecological, farming)
    text = squash(pdf_text(downloads[3].make()))
    assert "重点生态功能区(2)" in text and "农产品主产区(1)" in text and "无数据：导入的表格未给出(14)" in text, text
    assert "功能区.xlsx（工作表Sheet，导入第1版" in text, text
    widgets.clear_export_caches()


@pytest.mark.parametrize("page, params", [("pages/overview.py", {}), ("pages/present.py", {"mode": "present", "set": "city:141000"})])
def test_type_maps_are_built_again_when_an_imported_list_changes_the_types(workspace, monkeypatch, page, params):
    """Type maps are built once per process and reused; an imported list of county-town types
    changes the colours, so the next run draws the new map, not the one built before it."""
    from xiancheng.ui import mapview

    sent = []
    monkeypatch.setattr(mapview, "map_component", lambda: lambda **kwargs: sent.append(kwargs["data"]["script"]) or kwargs.get("default"))
    import json
    import re

    from xiancheng.i18n import type_label

    def tooltip_of_fushan(script: str) -> str:  # 浮山县: no plan states its type; the imported list does
        return json.loads(re.search(r'"141027":(\[\d+,"(?:[^"\\]|\\.)*"\])', script).group(1))[1]

    run(page, **params)
    assert type_label("agricultural", "zh") not in tooltip_of_fushan(sent[-1])
    save(workspace, TYPES, "类型名单")
    run(page, **params)
    assert tooltip_of_fushan(sent[-1]) == type_label("agricultural", "zh")
