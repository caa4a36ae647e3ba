"""指标 · Indicator map: one indicator in one period, classed; click a county for its value."""

from datetime import date

import pandas as pd
import streamlit as st

from xiancheng import categorymap, classes, geo, imported, indicators, maps, ui
from xiancheng.export import ledger
from xiancheng.ui import widgets
from xiancheng.ui.mapview import map_view

t = ui.t
MAP_HEIGHT = 500  # under the head, the picker and two note lines, the map ends on a 1366×768 first screen
lang = ui.lang()
data = ui.dataset()
catalogue = indicators.catalogue(data)
# Imported tables (pages/imports.py) add measured values, targets and category lists.
snapshot = ui.imported_snapshot()
import_versions = tuple(sorted((name, batch.version) for name, batch in snapshot.batches.items()))  # cached layers follow re-imports
catalogue = {**catalogue, **imported.catalogue(snapshot)}
cities = geo.cities()


def value_bars(frame: pd.DataFrame, place: str, value: str):
    """A few units' values as bars, largest on top."""
    import altair as alt

    return alt.Chart(frame, height=40 * len(frame) + 30).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=None), y=alt.Y(f"{place}:N", sort="-x", title=None),
        tooltip=list(frame.columns[:5]),
    )


def md(text: str) -> str:
    """Document text safe inside a Markdown table cell (no markup, no column breaks)."""
    return ui.md_quote(text).replace("  \n", " ")


# --- state: every choice lives in the URL so a copied link reproduces the view. A widget
# keeps its own value while the user works it; when the URL changes from outside (the back
# button, a pasted link) the URL wins. WRITTEN is what this page last put in the URL.
WRITTEN = "_indicators_url"
PARAMS = ("indicator", "year", "method", "k", "city")


def follow_url(name: str, widget_key: str, url_value) -> None:
    written = st.session_state.get(WRITTEN, {})
    if widget_key not in st.session_state or st.query_params.get(name) != written.get(name):
        st.session_state[widget_key] = url_value


keys = list(catalogue)
city_options = [""] + sorted(cities)
follow_url("city", "city", ui.query_param("city", allowed=cities, default=""))
# Labels are made here, not inside format_func: they must not depend on when they are read.
city_labels = {"": t("all_cities"), **cities}
city = st.sidebar.selectbox(t("city_filter"), city_options, format_func=city_labels.get, key="city")
follow_url("method", "method", ui.query_param("method", allowed=classes.METHODS, default=classes.DEFAULT_METHOD))
method_labels = {m: t(f"export.method.{m}") for m in classes.METHODS}
method = st.sidebar.selectbox(t("indicators.method"), classes.METHODS, format_func=method_labels.get, key="method")
k_options = list(range(2, classes.MAX_K + 1))
follow_url("k", "k", int(ui.query_param("k", allowed=[str(n) for n in k_options], default=str(classes.DEFAULT_K))))
k = st.sidebar.selectbox(t("indicators.k"), k_options, key="k")

widgets.compact_header(t("indicators.title"), t("indicators.caption"))
pick_col, year_col = st.columns([3, 1])
with pick_col:
    option_labels = {k: indicators.picker_label(catalogue[k], lang) for k in keys}
    follow_url("indicator", "indicator", ui.query_param("indicator", allowed=catalogue, default=indicators.default_key(data)))
    key = st.selectbox(t("indicators.select"), keys, format_func=option_labels.get, key="indicator")
indicator = catalogue[key]
period = None
with year_col:
    if indicator.periods:
        tokens = [p.token for p in indicator.periods]
        wanted = indicators.Period.parse(ui.query_param("year"))
        default = wanted if wanted in indicator.periods else (
            imported.default_period(snapshot, key) if indicator.source == "import" else indicators.default_period(data, key))
        year_key = f"year-{key}"  # a new widget per indicator: its years differ
        follow_url("year", year_key, default.token)
        period_labels = {p.token: indicators.period_label(p, lang, indicator.source) for p in indicator.periods}
        token = st.selectbox(t("indicators.year"), tokens, format_func=period_labels.get, key=year_key)
        period = indicators.Period.parse(token)
    else:
        st.selectbox(t("indicators.year"), [t("indicators.no_year")], disabled=True, key="year-none")

for name, value in zip(PARAMS, (key, period.token if period else None, method, str(k), city)):
    ui.set_query_param(name, value)
st.session_state[WRITTEN] = {name: st.query_params.get(name) for name in PARAMS}

if indicator.categorical:  # an imported category list: its own colours and legend, no classes
    category_view = imported.categories(snapshot, key)
    map_col, info_col = st.columns([3, 1])
    with map_col:
        clicked = map_view(
            lambda: maps.indicator_base(city or None, height=MAP_HEIGHT, lang=lang), ("indicator-base", city, lang, MAP_HEIGHT),
            build_layer=lambda: categorymap.category_layer(category_view, lang, city or None),
            layer_key=("category", key, import_versions, city, lang),
            key=f"indicator-map-{city}-{lang}", height=MAP_HEIGHT, returned_objects=["last_active_drawing"],
        )
        if category_view.categories:
            with st.expander(t("export.section"), icon=":material/download:", key="category-export-open"):
                widgets.download_row(widgets.indicator_map_downloads(key, None, method, k, city or None), key="indicator-export")
    drawing = (clicked or {}).get("last_active_drawing") or {}
    selected = (drawing.get("properties") or {}).get("adcode") or ui.query_param("county", allowed=ui.counties())
    with info_col:
        if selected:
            st.subheader(t("indicators.selected"))
            entry = category_view.counties.get(selected)
            st.markdown(f"### {md(ui.counties()[selected].name)}")
            if entry:
                st.metric(indicator.name, entry[0])
                st.markdown(t("source") + "：" + ui.source_link(entry[1]))
            else:
                st.markdown(t("indicators.reason.not-imported"))
            st.markdown(f"[{t('indicators.open_county')}]({ui.page_url('county', county=selected)})")
        else:
            widgets.click_hint(t("indicators.selected"), t("indicators.click_hint"))
    st.stop()

view = imported.values(snapshot, key, period) if indicator.source == "import" else indicators.values(data, key, period)
# Notes about the indicator go in one container that is always there: the map keeps its
# place in the page, so switching indicators updates its element instead of replacing it.
notes = st.container()
if indicator.derived:
    notes.caption(t(f"indicators.about.{key}"))
elif indicator.attribute:
    notes.caption(t("indicators.attribute", attribute=md(indicator.attribute)))

shown_counties = geo.counties_of_city(city) if city else list(view.counties)
shown_cities = [a for a in view.cities if city in ("", a)]
used = maps.indicator_classes(view, method, k, city or None)
n_counties = sum(view.counties[a].value is not None for a in shown_counties)
n_cities = sum(view.cities[a].value is not None for a in shown_cities)
if used is None:
    notes.info(t("indicators.no_values"))
elif used.k < k:
    notes.caption(t("indicators.k_reduced", n=used.k, k=k))  # one line: the map stays on the first screen

map_col, info_col = st.columns([3, 1])
with map_col:
    # The base map depends on the city only; the indicator's fills and legend are a layer
    # that the map swaps in place, so a switch does not redraw the whole map.
    # Both are built once per process for their key and reused by every session.
    clicked = map_view(
        lambda: maps.indicator_base(city or None, height=MAP_HEIGHT, lang=lang), ("indicator-base", city, lang, MAP_HEIGHT),
        build_layer=lambda: maps.indicator_layer(view, lang, method, k, city or None),
        layer_key=("indicator", key, period.token if period else None, method, k, city, lang, import_versions),
        key=f"indicator-map-{city}-{lang}", height=MAP_HEIGHT, returned_objects=["last_active_drawing"],
    )
    st.caption(
        t("indicators.summary", counties=n_counties, cities=n_cities, missing=len(shown_counties) - n_counties)
        + " · " + t("source_boundaries")
    )
    if used is not None:
        with st.expander(t("export.section"), icon=":material/download:", key="indicator-export-open"):
            widgets.download_row(
                widgets.indicator_map_downloads(key, period.token if period else None, method, k, city or None),
                key="indicator-export",
            )

# A click is taken once: the map keeps returning the last clicked county, and after the
# back button the URL's county must win over that stale click.
drawing = (clicked or {}).get("last_active_drawing") or {}
clicked_adcode = (drawing.get("properties") or {}).get("adcode")
if clicked_adcode and clicked_adcode != st.session_state.get("_indicators_click"):
    st.session_state["_indicators_click"] = selected = clicked_adcode
else:
    selected = ui.query_param("county", allowed=ui.counties())
ui.set_query_param("county", selected)
with info_col:
    if selected:
        st.subheader(t("indicators.selected"))
        county = ui.counties()[selected]
        unit = view.counties[selected]
        st.markdown(f"### {md(county.name)}")
        st.caption(md(county.city_name))
        if unit.value is not None:
            st.metric(md(indicators.display_name(indicator, lang)), indicators.value_label(unit, indicator, lang))
            if unit.value_text:
                st.caption(md(unit.value_text))
        else:
            st.markdown(md(indicators.reason_text(unit, lang)))
            if unit.reason == indicators.CITY_LEVEL and county.city_adcode in view.cities:
                city_unit = view.cities[county.city_adcode]
                if city_unit.value is not None:
                    st.caption(t("indicators.tip_city", city=md(cities[county.city_adcode]), value=md(indicators.value_label(city_unit, indicator, lang))))
            if unit.reason == indicators.PROVINCE_LEVEL and view.province is not None and view.province.value is not None:
                st.caption(t("indicators.tip_province", place=md(unit.detail), value=md(indicators.value_label(view.province, indicator, lang))))
        for note in indicators.note_texts(unit, lang):
            st.caption(note)
        if unit.citations:
            colon, sep = ("：", "；") if lang == "zh" else (": ", "; ")
            st.markdown(t("source") + colon + sep.join(ui.source_link(c) for c in dict.fromkeys(unit.citations[:5])))
        st.markdown(f"[{t('indicators.open_county')}]({ui.page_url('county', county=selected)})")
    else:
        widgets.click_hint(t("indicators.selected"), t("indicators.click_hint"))
    # The shown values beside the map, as a table to read and to download (unit, value,
    # period, source); with only a few units, a sorted bar chart.
    shown_rows = indicators.value_table(data, view, city or None, lang)
    if shown_rows:
        frame = pd.DataFrame(shown_rows)
        place_col, value_col = t("indicators.col_place"), t("indicators.col_value")
        st.markdown(f"**{t('indicators.shown_values', n=len(frame))}**")
        if len(frame) < indicators.FEW_UNITS:
            st.caption(t("indicators.few_units", n=len(frame)))
            st.altair_chart(value_bars(frame, place_col, value_col), width="stretch")
        else:
            widgets.table(frame[[place_col, value_col]], name="indicator-values", whole_elsewhere=t("indicators.whole_at"), hide_index=True, width="stretch", height=widgets.table_height(len(frame), 260))
        stem = f"指标数值_{indicators.display_name(indicator, 'zh')}_{cities.get(city, '山西省')}_{date.today().isoformat()}"
        csv_col, xlsx_col = st.columns(2)
        with csv_col:
            ui.download_button(t("indicators.download_csv"), lambda: ledger.table_csv(shown_rows),
                               file_name=f"{stem}.csv", mime="text/csv", key="indicator-values-csv",
                               icon=":material/download:", width="stretch")
        with xlsx_col:
            ui.download_button(t("indicators.download_xlsx"), lambda: ledger.table_xlsx(shown_rows, "指标数值"), file_name=f"{stem}.xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               key="indicator-values-xlsx", icon=":material/download:", width="stretch")

# --- the values as a table, each with its source
st.subheader(t("indicators.table_title"))
rows = [(view.province, geo.place_name(geo.PROVINCE_ADCODE))] if view.province is not None else []
rows += [(view.cities[a], cities.get(a, a)) for a in shown_cities]
rows += [(view.counties[a], geo.full_name(a)) for a in shown_counties if view.counties[a].value is not None or view.counties[a].reason in (indicators.NO_NUMBER, indicators.CONFLICT, indicators.UNPRICED)]
level_order = {"province": 0, "city": 1, "county": 2}
rows.sort(key=lambda row: (level_order[row[0].level], -(row[0].value if row[0].value is not None else float("-inf"))))
if rows:
    header = [t("indicators.col_place"), t("indicators.col_level"), t("indicators.col_value"), t("indicators.col_text"), t("indicators.col_note"), t("indicators.col_source")]
    cells = []
    for unit, place in rows:
        notes = [indicators.reason_text(unit, lang)] + indicators.note_texts(unit, lang)
        cells.append([
            md(place), t(f"indicators.level.{unit.level}"), md(indicators.value_label(unit, indicator, lang)),
            md(unit.value_text), md("；".join(n for n in notes if n)),
            " ".join(ui.source_link(c) for c in dict.fromkeys(unit.citations[:3])),
        ])
    keep = [i for i in range(len(header)) if any(row[i] for row in cells)]  # no empty columns
    lines = ["| " + " | ".join(header[i] for i in keep) + " |", "|" + "---|" * len(keep)]
    lines += ["| " + " | ".join(row[i] for i in keep) + " |" for row in cells]
    st.markdown("\n".join(lines))
else:
    st.caption(t("indicators.no_values"))
