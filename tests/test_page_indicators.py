"""The indicator page under AppTest (URL state, what a user reads) and its map's HTML."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from xiancheng import indicators, maps
from xiancheng.dataset import Citation, Dataset, Document, Target

PAGE = "pages/indicators.py"
TIMEOUT = 60
PREFAB = indicators.indicator_key("新开工装配式建筑占城镇新建建筑面积比例", "%")  # county 2027, city 2024
WATER = indicators.indicator_key("全市县城公共供水普及率", "%")  # 运城, city level only


def run_page(**params) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(PAGE).run()  # straight to the page: one script run, not two
    assert not app.exception, app.exception
    return app


def text_of(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption] + [i.value for i in app.info]
    parts += [h.value for h in app.title] + [h.value for h in app.subheader] + [m.value for m in app.metric]
    return "\n".join(str(p) for p in parts)


def params_of(app: AppTest) -> dict:
    return {k: app.query_params[k] for k in app.query_params}


# ---------------------------------------------------------------- page


def test_default_view_is_an_indicator_on_which_counties_differ(dataset):
    # Not the task count (12 of 14 counties at 69–71, one city plan counted per county):
    # the key towns, 2–4 per county, one colour per distinct value.
    app = run_page()
    assert app.selectbox(key="indicator").value == "derived-key-towns"
    text = text_of(app)
    assert "指标地图" in text
    assert "有数值：县级 6 个，市级 0 个；无数据 111 个县级单位" in text
    assert params_of(app)["indicator"] == "derived-key-towns"
    values = indicators.values(dataset, "derived-key-towns").county_values().values()
    most_common = max(list(values).count(v) for v in set(values))
    assert most_common <= len(values) / 2


def test_a_url_with_state_reproduces_the_view():
    app = run_page(indicator=PREFAB, year="2024-target", method="equal_interval", k="3", city="140800")
    assert app.selectbox(key="indicator").value == PREFAB
    assert app.selectbox(key=f"year-{PREFAB}").value == "2024-target"
    assert app.selectbox(key="method").value == "equal_interval"
    assert app.selectbox(key="k").value == 3
    assert app.selectbox(key="city").value == "140800"
    params = params_of(app)
    assert params["indicator"] == PREFAB and params["year"] == "2024-target" and params["method"] == "equal_interval"
    text = text_of(app)
    # 2024: only 运城's city-wide figure, shown as the city's.
    assert "有数值：县级 0 个，市级 1 个" in text
    assert "运城市 | 市级 | 27 %" in text


def test_the_other_period_of_the_same_indicator_has_the_county_values():
    text = text_of(run_page(indicator=PREFAB, year="2027-target"))
    assert "临汾市洪洞县 | 县级 | 36 %" in text and "临汾市古县 | 县级 | 34 %" in text
    assert "市级 0 个" in text


def test_changing_the_indicator_updates_the_url_and_offers_its_own_years():
    app = run_page()
    app.selectbox(key="indicator").set_value(PREFAB).run()
    assert not app.exception
    assert params_of(app)["indicator"] == PREFAB
    year = app.selectbox(key=f"year-{PREFAB}")
    assert list(year.options) == ["2024年 · 目标值", "2027年 · 目标值"]
    assert params_of(app)["year"] == year.value


def test_a_county_in_the_url_shows_its_value_source_and_county_link():
    app = run_page(county="140826", indicator="derived-tasks")
    text = text_of(app)
    assert "绛县" in text and "70 项" in text
    assert "(/county?county=140826)" in text
    assert "/documents?doc=000_6ee266aaec99fe33.txt" in text


def test_a_county_under_a_city_value_says_so_instead_of_borrowing_it():
    text = text_of(run_page(indicator=WATER, year="2027-target", county="140826"))
    assert "仅有市级数值（运城市），不代表本县" in text
    assert "市级数值：运城市 92 %（不代表本县）" in text


def test_a_county_no_plan_covers_says_so():
    assert "未被已载入规划覆盖" in text_of(run_page(county="140221"))


def test_too_few_distinct_values_reduce_k_and_say_so():
    text = text_of(run_page(indicator="derived-investment", k="5"))
    assert "只有 1 个不同数值，分级数由 5 减为 1" in text


def test_english_and_bad_url_values_fall_back_quietly():
    app = run_page(lang="en", indicator="nonsense", year="2099-target", method="magic", k="99", city="000000")
    assert app.selectbox(key="indicator").value == "derived-key-towns"
    assert app.selectbox(key="method").value == "quantiles" and app.selectbox(key="k").value == 5
    text = text_of(app)
    assert "Indicator map" in text and "6 counties" in text


# ---------------------------------------------------------------- map HTML


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    from xiancheng.ingest.pipeline import build_dataset

    return build_dataset()[0]


def rendered(fmap) -> str:
    """The map page with JSON \\u escapes undone (folium embeds GeoJSON as ASCII JSON)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), fmap.get_root().render())


def legend_html(fmap) -> str:
    html = fmap.get_root().render()
    match = re.search(r"div\.innerHTML = (\".*?\");\n", html)
    assert match, "legend not found"
    return json.loads(match.group(1))


def test_legend_has_breaks_with_units_method_and_no_data(dataset):
    view = indicators.values(dataset, "derived-tasks")
    legend = legend_html(maps.indicator_map(view, "zh", "quantiles", 5))
    assert "适用任务数（合计：本县＋市级规划）（项）" in legend
    # five distinct values (33, 43, 69, 70, 71) for k=5: one colour each, no shared bounds
    assert all(f">{n} 项<" in legend for n in (33, 43, 69, 70, 71)) and "69 – 70" not in legend
    assert "分级：分位数，5 级" in legend
    assert "无数据（悬停查看原因）" in legend and ">103<" in legend
    english = legend_html(maps.indicator_map(view, "en", "equal_interval", 3))
    # 5 distinct values < 2×3: one class per value, whatever k asked for
    assert "Tasks that apply (total: own + city plans) (tasks)" in english and "Classes: equal interval, 5" in english


def test_legend_changes_with_the_indicator(dataset):
    tasks = legend_html(maps.indicator_map(indicators.values(dataset, "derived-tasks"), "zh"))
    towns = legend_html(maps.indicator_map(indicators.values(dataset, "derived-key-towns"), "zh"))
    assert tasks != towns and "重点镇数量（个）" in towns


def test_city_value_is_on_the_city_polygon_and_counties_are_hatched_not_filled(dataset):
    view = indicators.values(dataset, WATER, "2027-target")
    fmap = maps.indicator_map(view, "zh")
    html = rendered(fmap)
    legend = legend_html(fmap)
    assert "市级数值（斜线覆盖的县无本县数值）" in legend and "2027年 · 目标值" in legend
    assert '"adcode":"140800","name":"运城市"' in html  # the city polygon is drawn
    assert "url(#xc-hatch-transparent-FFFFFF)" in html  # its counties: white hatching over it
    assert "市级数值：运城市 92 %（不代表本县）" in html


def test_county_features_keep_the_properties_a_click_returns(dataset):
    # The geometry is a static file the map fetches; its features carry what a click returns.
    from xiancheng import offline

    html = rendered(maps.indicator_map(indicators.values(dataset, "derived-tasks"), "zh"))
    name, body = offline.geometry_file("counties_web.geojson")
    assert json.dumps(offline.geometry_url("counties_web.geojson")) in html
    features = {f["properties"]["adcode"]: f["properties"] for f in json.loads(body)["features"]}
    assert len(features) == 117 and features["140826"] == {"adcode": "140826", "city_name": "运城市", "name": "绛县"}
    assert '"coordinates"' not in html  # no geometry inline


def drawn_adcodes(html: str) -> list[str] | None:
    """The adcodes the county layer keeps from the geometry file (None: all)."""
    return json.loads(re.search(r"var keep = (null|\[[^\]]*\]);", html).group(1))


def test_city_filter_draws_that_city_and_classes_only_its_values(dataset):
    from xiancheng import geo

    view = indicators.values(dataset, "derived-tasks")
    html = rendered(maps.indicator_map(view, "zh", "quantiles", 5, city_adcode="141000"))
    assert drawn_adcodes(html) == geo.counties_of_city("141000")
    assert "141024" in drawn_adcodes(html) and "140826" not in drawn_adcodes(html)  # 洪洞县 in, 绛县 out
    assert drawn_adcodes(rendered(maps.indicator_map(view, "zh"))) is None
    assert maps.indicator_classes(view, "quantiles", 5, "141000").breaks == (33.0, 43.0)


def test_document_text_is_escaped_in_tooltips():
    cite = Citation(document="x.txt", line_start=1, line_end=1, quote="q")
    data = Dataset(
        documents=[Document(document="x.txt", title="t", scope_adcode="140826", scope_level="county",
                            kind="action-plan", sha256="0", line_count=1, citation=cite)],
        targets=[
            Target(indicator="某率<b>", scope_adcode="140826", scope_level="county", year=2025, value=None,
                   value_text="<script>alert(1)</script>", unit="%", citation=cite),
            Target(indicator="某率<b>", scope_adcode="141024", scope_level="county", year=2025, value=3,
                   value_text="达到<img src=x onerror=alert(1)>", unit="%", citation=cite),
        ],
    )
    key = indicators.indicator_key("某率<b>", "%")
    fmap = maps.indicator_map(indicators.values(data, key), "zh")
    html = rendered(fmap)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "某率&lt;b&gt;" in legend_html(fmap)


def map_component(app: AppTest) -> tuple[str, dict]:
    """(element id, st_folium's arguments) of the map on the page (its component's data)."""
    (element,) = app.get("bidi_component")
    return element.proto.id, json.loads(element.proto.json)


def test_switching_the_indicator_keeps_the_map_and_swaps_only_its_layer():
    app = run_page(indicator="derived-tasks")
    first_id, first = map_component(app)
    app.selectbox(key="indicator").set_value("derived-key-towns").run()
    assert not app.exception, app.exception
    second_id, second = map_component(app)
    # Same element and base script: the browser keeps the map and its drawn shapes.
    assert second_id == first_id and second["script"] == first["script"]
    # What changes travels in the (small) feature group: fills, tooltips, legend.
    assert "适用任务数（合计：本县＋市级规划）（项）" in first["feature_group"] and "重点镇数量（个）" in second["feature_group"]
    assert "重点镇数量" not in second["script"]
    assert len(second["feature_group"]) < 20_000


def test_counts_separate_the_own_plan_from_the_city_wide_plan(dataset):
    own = indicators.values(dataset, "derived-tasks-own").county_values()
    city = indicators.values(dataset, "derived-tasks-city").county_values()
    total = indicators.values(dataset, "derived-tasks").county_values()
    assert own == {"141024": 33.0, "141025": 43.0}  # 洪洞县 and 古县 have plans of their own
    assert len(city) == 12 and set(city.values()) <= {69.0, 70.0, 71.0}  # 运城's plan, per county
    for adcode, value in total.items():
        assert value == own.get(adcode, 0) + city.get(adcode, 0)
    legend = legend_html(maps.indicator_map(indicators.values(dataset, "derived-tasks-city"), "zh"))
    assert "适用任务数（市级规划）（项）" in legend  # the map says which count it shows


def test_the_shown_values_are_beside_the_map_with_downloads(dataset):
    app = run_page(indicator="derived-key-towns")
    assert any(m.value == "**图上数值（6 个单位）**" for m in app.markdown)
    buttons = {b.proto.label: b.proto for b in app.get("download_button")}
    assert {"CSV", "Excel"} <= set(buttons)
    rows = indicators.value_table(dataset, indicators.values(dataset, "derived-key-towns"))
    assert [r["数值"] for r in rows] == sorted((r["数值"] for r in rows), reverse=True)
    assert set(rows[0]) == {"单位", "层级", "数值", "计量单位", "时期", "原文", "来源"}
    assert all(r["来源"] and "None" not in str(r) for r in rows)


def test_an_indicator_with_a_few_units_is_a_sorted_bar_chart():
    key = indicators.indicator_key("全县常住人口城镇化率", "%")
    app = run_page(indicator=key, year="2027-target")
    assert any("只有 2 个单位有数值" in c.value for c in app.caption)
    assert _has_bar_chart(app)


def _has_bar_chart(app) -> bool:
    def walk(node):
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else []:
            yield child
            yield from walk(child)

    specs = [json.loads(e.proto.spec) for e in walk(app.main) if getattr(e, "type", "") == "vega_lite_chart"]
    return any(s["mark"]["type"] == "bar" and s["encoding"]["y"]["sort"] == "-x" for s in specs)
