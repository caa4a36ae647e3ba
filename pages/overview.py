"""总览 · Overview: counties coloured by county-town type; click one for its details."""

import streamlit as st
from streamlit_folium import st_folium

from xiancheng import geo, maps, queries, settings, ui

t = ui.t
lang = ui.lang()
data = ui.dataset()
all_types = queries.county_types(data)
cities = geo.cities()

city_options = [""] + sorted(cities)
city = ui.query_param("city", allowed=cities, default="")
city = st.sidebar.selectbox(
    t("city_filter"), city_options, index=city_options.index(city),
    format_func=lambda a: cities.get(a, t("all_cities")), key="city",
)
ui.set_query_param("city", city)
basemaps = ["none", "osm"] + (["tianditu"] if settings.get("tianditu_key") else [])
basemap = st.sidebar.radio(t("basemap"), basemaps, format_func=lambda b: t(f"basemap.{b}"), key="basemap")

st.title(t("app_title"))
st.caption(t("app_subtitle"))
map_col, info_col = st.columns([3, 1])
with map_col:
    fmap = maps.type_map(all_types, lang, city or None, basemap, settings.get("tianditu_key"))
    clicked = st_folium(
        fmap, key=f"overview-map-{city}-{basemap}-{lang}", height=680, use_container_width=True,
        returned_objects=["last_active_drawing"],
    )
    shown = geo.counties_of_city(city) if city else list(ui.counties())
    st.caption(t("counties_shown", n=len(shown)) + " · " + t("source_boundaries"))

drawing = (clicked or {}).get("last_active_drawing") or {}
selected = (drawing.get("properties") or {}).get("adcode") or ui.query_param("county", allowed=ui.counties())
ui.set_query_param("county", selected)
with info_col:
    st.subheader(t("clicked_county"))
    if selected:
        county = ui.counties()[selected]
        st.markdown(f"### {county.name}")
        st.markdown(
            f"**{t('city')}**: {county.city_name}  \n**{t('adcode')}**: `{county.adcode}`  \n"
            f"**{t('kind')}**: {t('kind.' + county.kind)}"
        )
    else:
        st.info(t("click_hint"))
