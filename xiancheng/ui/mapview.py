"""Maps in the page: the folium map's HTML and script built once per process, not once per
page view, and drawn in the page itself by this project's component (map_component.js).

A map here depends only on what its builder is given (city, language, basemap, the dataset,
which is fixed for the life of the server), never on the session. st_folium renders the
folium map on every rerun of every session (~0.15 s of CPU for the overview); map_view
renders it the first time a cache key is seen and then sends the same bytes to everyone.
The arguments sent to the component, and the values it returns, are st_folium's own; it
draws without a frame (map_component.js says why).

A map built with persist=True is also kept on disk (xiancheng.mapcache): after a restart
the server sends the bytes it rendered before, and its first page imports neither folium
nor streamlit_folium.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from functools import lru_cache
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

    @classmethod
    def from_stored(cls, stored: dict) -> "_Rendered":
        return cls(**{**stored, "css_links": tuple(stored["css_links"]), "js_links": tuple(stored["js_links"])})


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


def _stored_or_rendered(build_map: Callable, cache_key: Hashable, data) -> _Rendered:
    """The map as rendered before for the same key, dataset and code (xiancheng.mapcache),
    else rendered now and stored."""
    from .. import mapcache

    key = ("map", tuple(sorted(data.inputs.items())), cache_key)
    stored = mapcache.read(key)
    if stored is not None:
        try:
            return _Rendered.from_stored(stored)
        except (TypeError, KeyError):
            pass  # written by another version of this class: rendered again
    rendered = _render_map(build_map)
    mapcache.write(key, asdict(rendered))
    return rendered


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
    persist: bool = False,
):
    """Show a folium map (and optionally a feature group swapped in place, as st_folium's
    feature_group_to_add does); returns what st_folium would return.

    cache_key must name everything build_map depends on (layer_key: build_layer's), apart
    from the dataset, which does not change while the server runs. persist: keep the
    rendered map on disk for the next server start; then cache_key must also name what is
    fixed while a server runs (settings such as a tile key), and build_map must depend on
    the dataset only through its input documents or cache_key.
    """
    from ..offline import AFTER_MAP_KEY, MAP_DRAWN_FIELD
    from . import dataset, t

    # Keyed by the dataset too (tests load other datasets in one process); the entry keeps
    # the dataset alive, so its id is not reused while the entry exists.
    data = dataset()
    render = (lambda: _stored_or_rendered(build_map, cache_key, data)) if persist else (lambda: _render_map(build_map))
    rendered: _Rendered = _cached(("map", id(data), cache_key), lambda: (data, render()))[1]
    layer = _cached(("layer", id(data), layer_key), lambda: (data, _render_layer(build_layer)))[1] if build_layer else None
    south_west, north_east = rendered.bounds
    defaults = {
        "last_active_drawing": None,
        "bounds": {"_southWest": {"lat": south_west[0], "lng": south_west[1]}, "_northEast": {"lat": north_east[0], "lng": north_east[1]}},
        "zoom": rendered.zoom,
    }
    defaults = {k: v for k, v in defaults.items() if k in returned_objects}
    hash_key = _cached(("hash", cache_key, key), lambda: component_key(rendered.script, key))

    def on_change():
        value = (st.session_state.get(hash_key) or {}).get("map") or {}
        st.session_state[key] = value
        if painted(value):
            # before the run it starts: app.py then draws the sidebar's widgets (map_pending)
            st.session_state[_MAP_SHOWN] = True

    # The state is named "map", not "value": Streamlit unwraps a state whose only name is
    # "value" and would then look for a callback per field of the map's values.
    result = map_component()(
        key=hash_key, height=height, default={"map": defaults}, on_map_change=on_change,
        data=dict(
            script=rendered.script, header=rendered.header, html=rendered.html, id=rendered.map_id,
            height=height, returned_objects=returned_objects, default=defaults,
            zoom=None, center=None, feature_group=layer, return_on_hover=False, layer_control=None,
            css_links=list(rendered.css_links), js_links=list(rendered.js_links),
            # what the map shows, and the value it reports, if a file it needs did not
            # arrive (map_component.js showFailure)
            failure_texts={what: t("map.failed", what=t(f"map.failed.{what}")) for what in ("script", "geometry")},
            drawn_field=MAP_DRAWN_FIELD,
            # a page waiting for the map (rest_waits_for_map) waits this long at most
            waiting=f".st-key-{AFTER_MAP_KEY}", rest_waits_at_most=REST_WAITS_AT_MOST,
            slow_text=t("map.slow"),  # over a map not drawn by then
        ),
    )
    return result.get("map", defaults)


@lru_cache(maxsize=1)
def map_component():
    """The maps' component: a Streamlit v2 component drawn in the page (map_component.js),
    with st_folium's arguments as its data and st_folium's values as its state "map"."""
    from pathlib import Path

    from streamlit.components.v2 import component

    from ..offline import MAP_COMPONENT

    js = Path(__file__).with_name("map_component.js").read_text(encoding="utf-8")
    return component(MAP_COMPONENT, js=js, isolate_styles=False)


def component_key(script: str, key: str) -> str:
    """The component instance's key, as st_folium's generate_js_hash(script, key, False)
    makes it (element ids stripped: a re-rendered map keeps its element, and is not drawn again)."""
    standardized = re.sub(r"(_[a-z0-9]+)", "", script) + str(key)
    standardized = re.sub(r"(maps\/[-a-z0-9]+\/)", "", standardized) + str(key) + str(False)
    return hashlib.sha256(standardized.encode()).hexdigest()


_MAP_SHOWN = "_xc_map_shown"  # session state: this session's browser has painted a map page's map
# A page's rest waits for its map at most this long (map_component.js): a file that neither
# arrives nor fails (a stalled connection) must not hide the counts and lists for good. A map
# not drawn by then says it is still loading (map.slow), on any page.
REST_WAITS_AT_MOST = 8  # seconds


def painted(value) -> bool:
    """Whether a map's value shows its counties are on screen: the map's own report
    (offline.MAP_DRAWN_FIELD), or a click on a county, which can replace that report when it
    comes before the server has read it (a fast first click)."""
    from ..offline import MAP_DRAWN_FIELD

    return bool(value) and bool(value.get(MAP_DRAWN_FIELD) or value.get("last_active_drawing"))


def map_pending() -> bool:
    """Whether this session's browser has not painted a map-first page's map yet: on such a
    view the page draws its map first and the rest once the map is painted
    (rest_waits_for_map), and app.py draws the sidebar's own widgets with that rest.
    A session with no browser behind it (no request headers: AppTest) never waits."""
    return not st.session_state.get(_MAP_SHOWN) and bool(st.context.headers)


def rest_waits_for_map(value, note: str) -> bool:
    """Whether the page should stop after its map for now, the rest following once the browser
    has painted the map. Call right after map_view, with its value, where the rest begins.

    Rendering the page's other elements (sidebar widgets, tables, lists, ~20) took the
    browser's main thread while the map's element waited to be created: the map came last.
    On a session's first view the page draws its map, shows note in a container the map's
    script looks for (offline.AFTER_MAP_KEY), and stops; once the counties are painted the map
    sets its value (offline.MAP_DRAWN_FIELD) and the rerun draws everything. Later views of the
    session draw everything at once (the browser has the code of every element by then).

    The note is plain text (st.text, styled as a caption by widgets.COMPACT_CSS): a Markdown
    element, or a button, took the browser ~25 ms more before the map's element was created.
    A map that cannot paint lets the rest come after REST_WAITS_AT_MOST (map_component.js)."""
    from ..offline import AFTER_MAP_KEY  # not maps: no folium on a first page

    if not map_pending() or painted(value):
        st.session_state[_MAP_SHOWN] = True
        return False
    with st.container(key=AFTER_MAP_KEY):
        st.text(note)
    return True
