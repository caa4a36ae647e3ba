"""st_folium with the map's HTML and script built once per process, not once per page view.

A map here depends only on what its builder is given (city, language, basemap, the dataset,
which is fixed for the life of the server), never on the session. st_folium renders the
folium map on every rerun of every session (~0.15 s of CPU for the overview); map_view
renders it the first time a cache key is seen and then sends the same bytes to everyone.
The arguments sent to the component are st_folium's own (same frontend, same behaviour).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Hashable

import streamlit as st

_MAX_ENTRIES = 96  # maps (city × language × basemap × …) and indicator layers, a few KB to 200 KB each


@dataclass(frozen=True)
class _Rendered:
    script: str
    header: str
    html: str
    map_id: str
    bounds: list
    zoom: float | None
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


_cache: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple, build: Callable[[], object]):
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = build()  # outside the lock: two sessions may both build a new key once
    with _lock:
        _cache[key] = value
        while len(_cache) > _MAX_ENTRIES:
            _cache.popitem(last=False)
    return value


def clear() -> None:
    """Forget every built map (the dataset changed)."""
    with _lock:
        _cache.clear()


def _render_map(build_map: Callable) -> _Rendered:
    import streamlit_folium as sf

    fmap = build_map()
    fmap.get_root().render()
    fmap.render()
    html, header = sf._get_html(fmap), sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    css, js = [], []
    for _name, href in getattr(fmap, "default_css", []):
        css.append(href)
    for _name, src in getattr(fmap, "default_js", []):
        js.append(src)
    return _Rendered(
        script, header, html, sf.get_full_id(fmap), fmap.get_bounds(), fmap.options.get("zoom"),
        tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js)),
    )


def _render_layer(build_layer: Callable) -> str:
    import folium
    import streamlit_folium as sf

    # The layer's script names its map; any map stands in, its name becomes map_div.
    return sf._get_feature_group_string(build_layer(), map=folium.Map(tiles=None), idx=0)


def map_view(
    build_map: Callable,
    cache_key: Hashable,
    *,
    key: str,
    height: int,
    returned_objects: list[str],
    build_layer: Callable | None = None,
    layer_key: Hashable = None,
):
    """Show a folium map (and optionally a feature group swapped in place, as st_folium's
    feature_group_to_add); returns what st_folium returns.

    cache_key must name everything build_map depends on (layer_key: build_layer's), apart
    from the dataset, which does not change while the server runs.
    """
    import streamlit_folium as sf

    from . import dataset

    # Keyed by the dataset too (tests load other datasets in one process); the entry keeps
    # the dataset alive, so its id is not reused while the entry exists.
    data = dataset()
    rendered: _Rendered = _cached(("map", id(data), cache_key), lambda: (data, _render_map(build_map)))[1]
    layer = _cached(("layer", id(data), layer_key), lambda: (data, _render_layer(build_layer)))[1] if build_layer else None
    south_west, north_east = rendered.bounds
    defaults = {
        "last_active_drawing": None,
        "bounds": {"_southWest": {"lat": south_west[0], "lng": south_west[1]}, "_northEast": {"lat": north_east[0], "lng": north_east[1]}},
        "zoom": rendered.zoom,
    }
    defaults = {k: v for k, v in defaults.items() if k in returned_objects}
    hash_key = _cached(("hash", cache_key, key), lambda: sf.generate_js_hash(rendered.script, key, False))

    def on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=rendered.script, header=rendered.header, html=rendered.html, id=rendered.map_id,
        key=hash_key, height=height, width=None, returned_objects=returned_objects, default=defaults,
        zoom=None, center=None, feature_group=layer, return_on_hover=False, layer_control=None,
        pixelated=False, css_links=list(rendered.css_links), js_links=list(rendered.js_links),
        on_change=on_change, wrap_longitude=False,
    )


_MAP_SHOWN = "_xc_map_shown"  # session state: this session's browser has painted a map page's map


def rest_waits_for_map(value, note: str) -> bool:
    """Whether the page should stop after its map for now, the rest following once the browser
    has painted the map. Call right after map_view, with its value, where the rest begins.

    Rendering the page's other elements (sidebar widgets, tables, lists, ~20) took the
    browser's main thread while the map's frame waited to be created: the map came last.
    On a session's first view the page draws its map, shows note in a container the map's
    script looks for (maps.AFTER_MAP_KEY), and stops; once the counties are painted the map
    sets its value (maps.MAP_DRAWN_FIELD) and the rerun draws everything. Later views of the
    session draw everything at once (the browser has the code of every element by then).
    A session with no browser behind it (no request headers: AppTest) never waits."""
    from ..maps import AFTER_MAP_KEY, MAP_DRAWN_FIELD

    if st.session_state.get(_MAP_SHOWN):
        return False
    if (value or {}).get(MAP_DRAWN_FIELD) or not st.context.headers:
        st.session_state[_MAP_SHOWN] = True
        return False
    with st.container(key=AFTER_MAP_KEY):
        st.caption(note)
    return True
