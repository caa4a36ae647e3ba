"""总览 · Overview: counties coloured by county-town type; click one for its details."""

import streamlit as st

from xiancheng import geo, queries, settings, ui
from xiancheng.dataset import COUNTY_TYPES, NATIONAL_ONLY_TYPES
from xiancheng.ui import widgets
from xiancheng.ui.mapview import map_pending, map_view, rest_waits_for_map

t = ui.t
MAP_HEIGHT = 600  # with the compact head, the whole map is on a 1366×768 projector's first screen
lang = ui.lang()
data = ui.dataset_with_imports()
all_types = queries.county_types(data)
cities = geo.cities()

city_options = [""] + sorted(cities)
basemaps = ["none", "osm"] + (["tianditu"] if settings.get("tianditu_key") else [])
# The city picker and basemap choice are drawn after the map, in this place of the sidebar
# (on a first view with the rest, once the map is painted: see rest_waits_for_map); their
# values are read first: the widgets' own, else the URL's city and no basemap.
sidebar_inputs = st.sidebar.container()
city = ui.query_param("city", allowed=cities, default="")
if st.session_state.get("city") in city_options:
    city = st.session_state["city"]
ui.set_query_param("city", city)
basemap = st.session_state.get("basemap") if st.session_state.get("basemap") in basemaps else basemaps[0]

# The head (title, why counties are grey) is drawn after the map into this place: the map's
# element then reaches the browser first, and the map is drawn in the first render.
head = st.container()
shown = geo.counties_of_city(city) if city else list(ui.counties())
tianditu_key = settings.get("tianditu_key") if basemap == "tianditu" else ""


def type_map():
    from xiancheng import maps  # folium: imported only when the map is not rendered yet

    return maps.type_map(all_types, lang, city or None, basemap, tianditu_key, height=MAP_HEIGHT)


map_col, info_col = st.columns([3, 1.25])
with map_col:
    # Built once for each city, basemap, language and set of types (the same for everyone;
    # the types change with an imported classification list), and kept on disk for the
    # next server start (persist): its first page then needs no folium.
    clicked = map_view(
        type_map, ("type", city, basemap, lang, MAP_HEIGHT, tianditu_key, queries.type_keys(all_types)),
        key=f"overview-map-{city}-{basemap}-{lang}", height=MAP_HEIGHT, returned_objects=["last_active_drawing"], persist=True,
    )
with head:
    # On a session's first view the title comes with the rest, in the place kept for it.
    widgets.compact_header(t("app_title"), t("app_subtitle"), later=map_pending())
    grey = [a for a in shown if all_types[a].status == queries.NOT_STATED]
    if grey and data.documents:  # why they are grey: what is loaded, and that none of it says
        places = "、".join(dict.fromkeys(geo.place_name(d.scope_adcode) for d in data.documents))
        widgets.plain_note(t("overview.grey_why", n=len(grey), docs=len(data.documents), places=places), name="grey")
with info_col:
    if rest_waits_for_map(clicked, t("overview.after_map")):
        st.stop()  # the rest follows once the browser has painted the map
with sidebar_inputs:
    st.selectbox(t("city_filter"), city_options, index=city_options.index(city),
                 format_func=lambda a: cities.get(a, t("all_cities")), key="city")
    st.radio(t("basemap"), basemaps, index=basemaps.index(basemap), format_func=lambda b: t(f"basemap.{b}"), key="basemap")
with map_col:
    st.caption(t("counties_shown", n=len(shown)) + " · " + t("source_boundaries"))
    widgets.export_section(lambda: widgets.type_map_downloads(city or None), key="overview-export")

drawing = (clicked or {}).get("last_active_drawing") or {}
selected = (drawing.get("properties") or {}).get("adcode") or ui.query_param("county", allowed=ui.counties())
ui.set_query_param("county", selected)

with info_col:
    if selected:
        st.subheader(t("clicked_county"))
        county = ui.counties()[selected]
        types = all_types[selected]
        labels = [t("type." + k) for k in types.types] or [t("type." + types.status)]
        # One element for the name and its facts, one for the document list: every click
        # reruns the page, and the browser renders each element again (~8 ms each).
        st.markdown(
            f"### {county.name}\n\n"
            f"**{t('city')}**: {county.city_name}  \n**{t('adcode')}**: `{county.adcode}`  \n"
            f"**{t('kind')}**: {t('kind.' + county.kind)}  \n**{t('overview.types_of')}**: {'、'.join(labels)}"
        )
        st.page_link("pages/county.py", label=t("county.open"), icon=":material/arrow_forward:",
                     query_params={"county": selected, **({"lang": lang} if lang != "zh" else {})})
    else:
        widgets.click_hint(t("clicked_county"), t("click_hint"))

    # The counts follow the click: a county picked on the whole-province map counts its city.
    counted_city = city or (ui.counties()[selected].city_adcode if selected else "")
    counted = geo.counties_of_city(counted_city) if counted_city else shown
    st.subheader(t("overview.counts_by_type") + (f" · {cities[counted_city]}" if counted_city else ""))
    counts = queries.counts_by_type(all_types, counted)
    keys = [*COUNTY_TYPES, *(k for k in NATIONAL_ONLY_TYPES if counts[k]), queries.NOT_STATED, queries.MUNICIPAL_DISTRICT]
    # Markdown tables, not st.dataframe: the first page a visitor opens then does not load
    # Streamlit's 1.3 MB data-grid bundle.
    st.markdown(ui.markdown_table([t("overview.types_of"), t("count")], [[t("type." + k), counts[k]] for k in keys]))
    st.caption(t("overview.counts_note"))

    st.subheader(t("overview.documents", n=len(data.documents)))
    if data.documents:
        st.markdown("\n".join(
            f"- [{ui.md_quote(doc.title)}]({ui.page_url('documents', doc=doc.document)})  \n  {ui.md_quote(doc.number or t('not_printed'))}"
            for doc in data.documents
        ))
    else:
        st.caption(t("overview.no_documents"))

st.subheader(t("overview.counts_by_city"))
rows = []
for city_code in ([city] if city else sorted(cities)):
    city_counts = queries.counts_by_type(all_types, geo.counties_of_city(city_code))
    rows.append([cities[city_code], *(city_counts[k] for k in keys)])
st.markdown(ui.markdown_table([t("city"), *(t("type." + k) for k in keys)], rows))
