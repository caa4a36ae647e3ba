"""Streamlit AppTest over every page: what a user reads, not only that it ran."""

import pytest
from streamlit.testing.v1 import AppTest

from xiancheng import geo, ui

TIMEOUT = 60


def run_page(page: str | None = None, **params) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    if page:
        app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    return app


def all_text(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    parts += [h.value for h in app.title] + [h.value for h in app.subheader] + [i.value for i in app.info]
    parts += [e.value for e in app.error] + [w.value for w in app.warning]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("spec", ui.PAGES, ids=[p.url_path for p in ui.PAGES])
def test_every_page_runs_without_exception(spec):
    app = run_page(spec.path)
    assert app.title or app.header or app.subheader, spec.path
    # draws_map decides where a first visit fetches the geometry early (offline.map_head_tags)
    assert bool(app.get("bidi_component")) == spec.draws_map, spec.path


def test_overview_counts_types_per_city_in_plain_tables():
    app = run_page()
    table = next(m.value for m in app.markdown if m.value.startswith("| 所属城市"))
    yuncheng = next(line for line in table.splitlines() if line.startswith("| 运城市"))
    # 运城市: 2 urban-integration, 3 specialised, 2 culture-tourism, 5 agricultural, 2 ecological
    assert yuncheng.split(" | ")[1:6] == ["2", "3", "2", "5", "2"]
    assert not app.dataframe  # no data-grid bundle on the first page


def test_overview_shows_title_all_counties_and_click_hint():
    app = run_page()
    text = all_text(app)
    assert "县城一张图" in text
    assert "显示县级单位 117 个" in text
    assert "点击地图上的县区查看信息" in text


def test_city_filter_from_the_url_limits_the_view():
    app = run_page(city="140800")
    assert "显示县级单位 13 个" in all_text(app)
    assert app.selectbox(key="city").value == "140800"


def test_selected_county_from_the_url_shows_name_city_and_adcode():
    app = run_page(county="140826")
    text = all_text(app)
    assert "绛县" in text and "运城市" in text and "140826" in text


def test_chengqu_of_jincheng_is_not_yangquan():
    card = next(m.value for m in run_page(county="140502").markdown if "所属城市" in m.value)
    assert "晋城市" in card and "阳泉市" not in card and "140502" in card


def test_english_toggle_switches_the_text():
    app = run_page(lang="en")
    text = all_text(app)
    assert "County Towns at a Glance" in text
    assert "117 county-level units shown" in text
    assert "县城一张图" not in text


def test_unknown_url_values_fall_back_quietly():
    app = run_page(county="999999", city="nonsense", lang="xx")
    assert "显示县级单位 117 个" in all_text(app)


def test_missing_geodata_shows_the_rebuild_command_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setattr(geo, "GEODATA_DIR", tmp_path)
    geo.counties.cache_clear()
    ui.counties.clear()
    try:
        app = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
        assert not app.exception
        message = " ".join(e.value for e in app.error)
        assert "counties.geojson" in message and "python geodata/build.py" in message
    finally:
        monkeypatch.undo()
        geo.counties.cache_clear()
        ui.counties.clear()


def test_overview_says_in_one_line_why_counties_are_grey():
    from xiancheng import queries

    data = ui.dataset()
    grey = sum(c.status == queries.NOT_STATED for c in queries.county_types(data).values())
    line = next(c.value for c in run_page().text if c.value.startswith("灰色"))  # widgets.plain_note
    assert f"灰色的 {grey} 个县" in line and f"已载入的 {len(data.documents)} 份文件" in line
    for document in data.documents:
        assert geo.place_name(document.scope_adcode) in line
    assert "都没有写明其县城类型" in line and "\n" not in line


def test_a_clicked_county_counts_its_city_beside_the_map():
    app = run_page(county="140827")  # as after a click on 垣曲县 on the whole-province map
    assert "各类型县级单位数 · 运城市" in [s.value for s in app.subheader]
    table = next(m.value for m in app.markdown if m.value.startswith("| 县城类型"))
    rows = dict(line.strip("| ").split(" | ") for line in table.splitlines()[2:])
    assert rows["已载入文件未明确类型"] == "0" and rows["市辖区（非县城）"] == "1" and rows["农产品主产区县城"] == "5"


@pytest.mark.parametrize("page, params", [
    ("pages/county.py", {"county": "140827"}),  # city-wide projects without an investment
    ("pages/county.py", {"county": "141024"}),
    ("pages/indicators.py", {"indicator": "derived-investment"}),
    ("pages/explorer.py", {"kind": "project"}),
])
def test_no_literal_none_or_nan_in_a_chinese_view(page, params):
    import re

    app = run_page(page, **params)
    words = re.compile(r"\b(None|nan|NaN|null)\b")
    assert not words.search(all_text(app))
    for frame in app.dataframe:  # the data grid shows a null cell as a grey "None"
        assert not frame.value.isna().any().any(), (page, frame.value.columns[frame.value.isna().any()].tolist())
        assert not any(words.fullmatch(str(c)) for c in frame.value.to_numpy().ravel()), page


def _navigation_script():
    import streamlit as st

    from xiancheng import ui

    def show(name):
        return lambda: st.markdown(f"page {name}")

    pages = [st.Page(show("a"), title="A", url_path="a", default=True),
             st.Page(show("b"), title="B", url_path="b"), st.Page(show("c"), title="C", url_path="c")]
    predicted = ui.requested_page(pages)
    page = st.navigation(pages)
    st.session_state.setdefault("runs", []).append((predicted.url_path if predicted else None, page.url_path))
    page.run()
    if st.button("to c"):
        st.switch_page(pages[2])


def test_the_page_told_before_navigation_is_the_page_navigation_chooses():
    # app.py places the navigation by the page it will show (a map-first page's first view
    # has it after the map): the page told beforehand must be the one st.navigation picks.
    app = AppTest.from_function(_navigation_script, default_timeout=TIMEOUT).run()
    app.button[0].click().run()  # st.switch_page: the next run asks for c by its script hash
    app.run()  # a rerun on c (as a widget on c would make)
    assert not app.exception, app.exception
    runs = app.session_state["runs"]
    assert runs[0] == ("", "") and runs[-1] == ("c", "c"), runs  # the default page's url_path is ""
    assert all(told == chosen for told, chosen in runs), runs
    assert any(m.value == "page c" for m in app.markdown)
