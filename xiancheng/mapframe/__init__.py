"""The map's frame: a Streamlit component frontend written for these maps (index.html here).

st_folium's frontend is a 225 KB React bundle that, once its frame exists, starts Leaflet's
script, then its style sheet, then the map: three steps one after the other on the
browser's main thread, shared with the page. This frame has Leaflet in its own head (from
the browser's cache: the page prefetches it) and runs the map as soon as the page sends
the arguments. It takes st_folium's arguments and answers with st_folium's values (the
same folium script, html and header; last_active_drawing, bounds, zoom, …) so that
ui.mapview and the maps' own scripts (window.__GLOBAL_DATA__, window.Streamlit) are the
same for both; it leaves out what these maps never use (drawing tools, geocoder, layer
control events, tag filters).
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE = Path(__file__).with_name("index.html")


def page(leaflet_js: str, leaflet_css: str) -> str:
    """The frame's index.html for this Leaflet (its URLs change with Leaflet's version)."""
    return TEMPLATE.read_text(encoding="utf-8").replace("{{LEAFLET_JS}}", leaflet_js).replace("{{LEAFLET_CSS}}", leaflet_css)
