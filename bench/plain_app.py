"""The page a Streamlit user writes first: folium GeoJson of the same 117 counties with a
tooltip, st_folium with its defaults. Only Leaflet is pointed at a local copy (bench/static,
filled by the benchmark) so the page draws offline. Compared with the project by bench_compare.py."""

import folium
import streamlit as st
from streamlit_folium import st_folium

folium.Map.default_js = [("leaflet", "/app/static/leaflet/leaflet.js")]
folium.Map.default_css = [("leaflet_css", "/app/static/leaflet/leaflet.css")]
st.title("山西省县级行政区")
m = folium.Map(location=[37.6, 112.3], zoom_start=7)
folium.GeoJson("geodata/counties_web.geojson", tooltip=folium.GeoJsonTooltip(["name", "city_name"])).add_to(m)
clicked = st_folium(m, height=680, use_container_width=True)
drawing = (clicked or {}).get("last_active_drawing") or {}
st.write((drawing.get("properties") or {}).get("name", "点击一个县"))
