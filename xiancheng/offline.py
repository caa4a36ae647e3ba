"""Serve Leaflet, the map geometry and core-js as static files, so pages work with no internet.

Leaflet comes from the installed xstatic-leaflet package; core-js (for older browsers, see
ui.serve's compatibility loader) from the project's vendor folder. The county and city-line geometry
is written once per process as content-hashed files (name changes when the bytes do), which
the browser fetches once and then keeps (ui.serve marks these paths immutable for a year)
instead of receiving ~180 KB of coordinates inside every map page.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import re
import shutil
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet

from .settings import STATIC_DIR

# Streamlit serves <app>/static/ at /app/static/ when server.enableStaticServing is on.
STATIC_URL = "/app/static"
# Versioned folder: a new Leaflet gets a new URL, so the old one may be cached for good.
LEAFLET_DIR = f"leaflet-{xstatic_leaflet.VERSION}"
LEAFLET_JS = f"{STATIC_URL}/{LEAFLET_DIR}/leaflet.js"
LEAFLET_CSS = f"{STATIC_URL}/{LEAFLET_DIR}/leaflet.css"
GEOMETRY_DIR = "geo"
# core-js: the standard library's newer parts (Array.prototype.toSorted, Object.groupBy, …)
# for a browser older than Streamlit's frontend expects. npm's core-js-bundle, vendored as
# published (no PyPI package carries it); versioned folder, as Leaflet's.
CORE_JS_VERSION = "3.50.0"
CORE_JS_SOURCE = Path(__file__).with_name("vendor") / f"core-js-bundle-{CORE_JS_VERSION}" / "minified.js"
CORE_JS_DIR = f"core-js-{CORE_JS_VERSION}"
CORE_JS = f"{STATIC_URL}/{CORE_JS_DIR}/core-js.min.js"
# Paths whose content never changes under the same name (versioned folders, hashed geometry).
IMMUTABLE_PATH = re.compile(
    rf"/app/static/({re.escape(LEAFLET_DIR)}/|{re.escape(CORE_JS_DIR)}/|{GEOMETRY_DIR}/[\w-]+\.[0-9a-f]{{12}}\.json$)"
)
# What a click and a tooltip need of a county; everything else is looked up by adcode.
COUNTY_PROPERTIES = ("adcode", "name", "city_name")


@lru_cache(maxsize=4)
def geometry_file(name: str) -> tuple[str, bytes]:
    """(file name with content hash, bytes) of a web geometry file, compact JSON."""
    from . import geo

    data = json.loads(geo.geojson_text(name))
    for feature in data["features"]:
        props = feature["properties"]
        feature["properties"] = {k: props[k] for k in COUNTY_PROPERTIES if k in props}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()[:12]
    return f"{Path(name).stem.replace('_', '-')}.{digest}.json", body


GEOMETRY_FILES = ("counties_web.geojson", "city_lines_web.geojson")


def geometry_url(name: str) -> str:
    return f"{STATIC_URL}/{GEOMETRY_DIR}/{geometry_file(name)[0]}"


def install_static_assets(static_dir: Path = STATIC_DIR) -> Path:
    """Copy Leaflet and core-js into static_dir (only what changed) and write the geometry files."""
    source = Path(xstatic_leaflet.BASE_DIR)
    target = Path(static_dir) / LEAFLET_DIR
    for path in source.rglob("*"):
        if path.is_dir() or path.suffix == ".map":
            continue
        _copy_if_changed(path, target / path.relative_to(source))
    _copy_if_changed(CORE_JS_SOURCE, Path(static_dir) / CORE_JS_DIR / "core-js.min.js")
    geometry = Path(static_dir) / GEOMETRY_DIR
    geometry.mkdir(parents=True, exist_ok=True)
    for name in GEOMETRY_FILES:
        file_name, body = geometry_file(name)
        dest = geometry / file_name
        if not dest.exists():
            tmp = dest.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.replace(dest)  # atomic: a browser never reads half a file
    return target


def _copy_if_changed(path: Path, dest: Path) -> None:
    if dest.exists() and filecmp.cmp(path, dest, shallow=False):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, dest)


def use_local_leaflet() -> None:
    """Point folium at the local Leaflet and drop its CDN extras (jQuery, Bootstrap, icons).

    folium's defaults load six files from CDNs; on an intranet the map then
    stays blank. Our maps use only Leaflet itself.
    """
    import folium  # here, not at module level: ui.serve imports this before the server starts

    folium.Map.default_js = [("leaflet", LEAFLET_JS)]
    folium.Map.default_css = [("leaflet_css", LEAFLET_CSS)]


def mark_immutable_static() -> None:
    """Serve the versioned and content-hashed static files with a one-year cache lifetime.

    Streamlit's app static route sends no Cache-Control, so the browser asks again on every
    page (ETag, 304). Wraps that route (Streamlit's Starlette server); with another
    Streamlit the files are still served, only revalidated.
    """
    try:
        from starlette.routing import Route
        from streamlit.web.server.starlette import starlette_app
    except ImportError:
        return
    original = starlette_app.create_app_static_serving_routes
    if getattr(original, "_xc_immutable", False):
        return

    def routes(main_script_path, base_url):
        wrapped = []
        for route in original(main_script_path, base_url):
            if isinstance(route, Route) and "GET" in (route.methods or ()):
                endpoint = route.endpoint

                async def cached(request, endpoint=endpoint):
                    response = await endpoint(request)
                    if response.status_code == 200 and IMMUTABLE_PATH.search(request.url.path):
                        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
                    return response

                route = Route(route.path, cached, methods=["GET"])
            wrapped.append(route)
        return wrapped

    routes._xc_immutable = True
    starlette_app.create_app_static_serving_routes = routes


# The maps' component (ui/map_component.js, a Streamlit v2 component drawn in the page).
MAP_COMPONENT = "xiancheng.map"
# The component value's field and the container key of a page whose rest waits for its map
# (ui.mapview.rest_waits_for_map; the map's script in maps.py): here, not in maps, so that
# a page whose map is stored (mapcache) imports no folium.
MAP_DRAWN_FIELD = "xc_drawn"
AFTER_MAP_KEY = "xc-after-map"


# The page's own geometry (map_head_tags): window[GEOMETRY_GLOBAL][url], a promise of the
# parsed GeoJSON, taken by the page's first map (maps._STATIC_SHAPES_JS).
GEOMETRY_GLOBAL = "xcGeometry"


def map_head_tags(on_map_page: bool) -> str:
    """Leaflet's style sheet, and a script that fetches and parses the geometry: what every
    map needs besides Leaflet's script, ready before a map's element exists. The geometry
    only on a page that draws a map (on_map_page, ui.serve decides by the URL's path):
    elsewhere a first visit does not fetch or keep ~180 KB (a map opened later in the same
    visit fetches its own).

    The style sheet goes last in the page's head, after Streamlit's own: the map's element
    lies in Streamlit's page, and Leaflet's rules, then the maps' own (added by the map after
    it), decide how it looks. Applied from the start, the map's script runs at once instead of
    after the sheet's load event. The geometry is fetched and parsed while the page waits for
    the server (window.xcGeometry: URL → promise); the first map takes it from there and adds
    its shapes in the same task as its script, not tasks later when a fetch of its own returns.
    """
    urls = json.dumps([geometry_url(n) for n in GEOMETRY_FILES])
    # data-xc-done: loaded or failed; the map's loadSheet then does not wait for an event that came
    sheet = f'<link rel="stylesheet" href="{LEAFLET_CSS}" onload="this.dataset.xcDone=1" onerror="this.dataset.xcDone=1">'
    # The catch: a failed early fetch is not the page's error (a map then fetches again).
    fetches = (
        f"{urls}.forEach(function(u){{"
        f"window.{GEOMETRY_GLOBAL}[u]=fetch(u).then(function(r){{if(!r.ok){{throw new Error(r.status);}}return r.json();}});"
        f"window.{GEOMETRY_GLOBAL}[u].catch(function(){{}});}});"
    ) if on_map_page else ""
    return sheet + f"<script>window.{GEOMETRY_GLOBAL}={{}};{fetches}</script>"


def leaflet_script_tag() -> str:
    """Leaflet's script for a page that draws a map (ui.serve puts it there by the URL's
    path; a map opened later elsewhere loads it itself), early in its head and in the page's
    own HTML: the browser's preload scanner fetches it with the first files (a tag added by a
    script was asked for ~100 ms later, once the parser ran), and it runs as soon as it
    arrives, while the browser still fetches Streamlit's modules (a network wait), not between
    Streamlit's module and the frontend's first render or its websocket, where a later script
    ran (12-60 ms), which is when the frontend first asks the server for anything. A map that
    starts before it ran waits for its load event, and asks again once if it failed
    (map_component.js)."""
    # data-xc-failed: a map then asks for the script once more (map_component.js loadScript)
    return f'<script async fetchpriority="high" src="{LEAFLET_JS}" onerror="this.dataset.xcFailed=1"></script>'
