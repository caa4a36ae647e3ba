"""Start the dashboard: `python -m xiancheng.ui.serve [streamlit options]`.

Streamlit runs the app script only when the first browser connects, and that first run
pays for imports, boundary loading and the dataset build. Here a background thread does
that work while the server starts and the browser loads Streamlit's own frontend.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
import sys
import threading
import time

from ..settings import ROOT
from . import PAGE_SHOWN, WARMED, WARMING


def _server_started(limit_seconds: float = 60) -> None:
    """Wait until Streamlit's runtime is up: warming earlier only slows the start (GIL)."""
    from streamlit.runtime import Runtime, RuntimeState

    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        if Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL:
            return
        time.sleep(0.01)


def warm() -> None:
    """What the first page needs, while the browser loads Streamlit's frontend (WARMED when
    done); then, once a first page was shown, what the other pages need (_warm_other_pages)."""
    try:
        with _giving_way():
            _server_started()
            # The map component (its script read now, off the first page's path),
            # registered before any script run declares it.
            from . import mapview

            mapview.map_component()
            _page_head(True)  # the first thing the browser asks for
            _page_head(False)
            from .. import geo, mapcache, offline
            from ..settings import DATASET_PATH

            offline.install_static_assets()
            _preload_first_view_files()
            _open_store()
            geo.counties()
            geo.cities()
            _import_first_view_modules()
            # The overview's map comes from the disk (mapcache) when this code rendered it
            # before; if it never did, the first page renders it: folium now, not in that run.
            if not mapcache.has_maps_of_this_version():
                _warm_rendering()
            try:
                from ..ingest.pipeline import load_or_build
            except ImportError:
                load_or_build = None  # the app then shows the dataset's own error
            if load_or_build is not None:
                load_or_build(DATASET_PATH)
    finally:
        _freeze_heap()
        WARMED.set()
    _warm_other_pages()


WARM_SWITCH_INTERVAL = 0.0005  # seconds


@contextlib.contextmanager
def _giving_way():
    """While the warm-up imports (pure CPU), the server's event loop thread answers the
    browser (health, host config, static files, the websocket): each time it wants the GIL
    it waits until this thread gives it up, by default after 5 ms, and it needs the GIL
    many times per request. At 0.5 ms, requests answered during the warm-up took 5 ms
    instead of 7 on average, at most 30-65 ms instead of 50-85 (load ~5)."""
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(WARM_SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(switch_interval)


# After the first page was shown, its map still loads in the browser: the rest of the
# warm-up waits this long more so as not to take the processor from it.
OTHER_PAGES_DELAY = 2.0  # seconds
OTHER_PAGES_LATEST = 30.0  # seconds after the first warm-up, with or without a visitor


def _warm_rendering() -> None:
    """folium and st_folium (with pandas and numpy, ~0.8 s of CPU), the boundaries' label
    points and folium's compiled templates: what rendering a map needs."""
    from .. import maps

    maps.label_points()
    maps.warm()
    _import_quietly("streamlit_folium")


def _warm_other_pages() -> None:
    """Once the first page was shown (or after OTHER_PAGES_LATEST seconds): what the other
    pages and the overview's other maps import, so their first visitor does not wait for it."""
    PAGE_SHOWN.wait(OTHER_PAGES_LATEST)
    time.sleep(OTHER_PAGES_DELAY)
    try:
        with _giving_way():
            _warm_rendering()
            _import_quietly("xiancheng.tables")
    finally:
        # As _freeze_heap: the modules live for good. Collected first: a visitor's page ran
        # since, and its garbage in cycles would otherwise be frozen (kept) with them.
        gc.collect()
        gc.freeze()


def _preload_first_view_files() -> None:
    """Read and compress now what a first visit fetches (fileserver): Streamlit's frontend
    files named in its page and the first view's element chunks, Leaflet and the geometry,
    so that no first request waits for that."""
    from .. import offline
    from .fileserver import FILES

    frontend = set(_index_files() or ())
    frontend |= {f"static/js/{name}" for name in (*_element_chunks(FIRST_VIEW_ELEMENTS), *_element_chunks(REST_ELEMENTS))}
    app_files = [offline.LEAFLET_JS, offline.LEAFLET_CSS, *(offline.geometry_url(n) for n in offline.GEOMETRY_FILES)]
    FILES.preload([*(f"/{name}" for name in sorted(frontend)), *app_files])


def _import_first_view_modules() -> None:
    """What the first page's run imports besides: the sign-in, sidebar and map helpers and the
    imported tables (the map itself needs no folium when it is stored: mapcache)."""
    # streamlit.emojis: the first alert without an icon whose text is not ASCII (the
    # overview's hint) loads Streamlit's emoji catalogue and compiles its regex (~0.1 s);
    # material_icon_names: the first icon; pyarrow and component_arrow: the first component
    # (the map); PIL's image plugins: the page icon, the run's first element.
    try:
        from PIL import Image

        Image.preinit()
    except ImportError:
        pass
    for name in ("xiancheng.ui.auth", "xiancheng.store.sessions", "xiancheng.ui.widgets", "xiancheng.queries",
                 "xiancheng.imported", "streamlit.material_icon_names", "streamlit.emojis", "pyarrow",
                 "streamlit.components.v1.component_arrow", "xiancheng.ui.mapview", "xiancheng.ui.downloads"):
        _import_quietly(name)


def _import_quietly(name: str) -> None:
    import importlib
    import logging

    # Declaring a component outside a script run (streamlit_folium's import declares st_folium's,
    # which the maps do not use: they use only its HTML helpers) logs a "missing
    # ScriptRunContext" warning meant for bare scripts.
    context_log = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = context_log.level
    context_log.setLevel(logging.ERROR)
    try:
        importlib.import_module(name)
    except ImportError:
        pass
    finally:
        context_log.setLevel(level)


def _freeze_heap() -> None:
    """Move everything loaded so far (modules, boundaries, the dataset) out of the garbage
    collector's reach: a full collection over this heap costs ~0.1 s of CPU, and Python runs
    one by itself every so often (Streamlit's own after every run is off, config.toml), in
    the middle of some visitor's page. Frozen objects are still freed when nothing refers to
    them; only cycles among them stay.

    The collector was off since main(): start-up allocates hundreds of thousands of objects
    that live for good, and collecting over them again and again cost ~0.3 s of CPU before
    the first page. No collection here either (another ~0.1 s while the first visitor
    waits): the only garbage start-up leaves in cycles is ~1,500 small objects, which stay."""
    gc.freeze()
    gc.enable()


def _open_store() -> None:
    """Migrate the store on start; a problem is printed here and shown in the app's sidebar."""
    from ..store import DatabaseSettingError
    from ..store import open as open_store

    try:
        open_store()
    except DatabaseSettingError as error:
        print(f"store: {error}", file=sys.stderr)


class NoMetrics:
    """ASGI middleware: /_stcore/metrics answers 404. Streamlit 1.67 has no option to turn it
    off, and it tells anyone internal names and session counts."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].rstrip("/").endswith("/_stcore/metrics"):
            from starlette.responses import PlainTextResponse

            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BackendAtRoot:
    """ASGI middleware: the served index.html tells Streamlit's frontend where the server is.

    Without it the frontend guesses the server from the page's path: a deep link such as
    /county?county=… first asks /county/_stcore/health and /county/_stcore/host-config
    (two 404s) before trying /. `window.__streamlit.BACKEND_BASE_URL` is the frontend's own
    setting for this (Streamlit 1.67 reads it at start); its path is server.baseUrlPath.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or "/_stcore/" in scope["path"]:
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        body = b""

        async def injecting_send(message):
            nonlocal start, body
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                is_html = headers.get(b"content-type", b"").startswith(b"text/html")
                if message["status"] == 200 and is_html and b"content-encoding" not in headers:
                    start = message  # held until the whole page is read
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body += message.get("body", b"")
                if message.get("more_body"):
                    return
                page = body
                if STREAMLIT_INDEX in body:  # Streamlit's page, not another HTML file
                    first, last = _page_head(scope["path"].rstrip("/") in _map_paths())
                    page = body.replace(b"<head>", b"<head>" + first, 1)
                    # after Streamlit's own preloads, which come first
                    page = page.replace(b"</head>", last + b"</head>", 1)
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
                await send({"type": "http.response.body", "body": page})
                return
            await send(message)

        await self.app(scope, receive, injecting_send)


STREAMLIT_INDEX = b"window.prerenderReady"  # a line of Streamlit's own index.html


_PAGE_HEAD_LOCK = threading.Lock()


def _page_head(on_map_page: bool) -> tuple[bytes, bytes]:
    """What BackendAtRoot puts first and last in the page's <head>; Leaflet's script and the
    geometry's loader only on a page that draws a map (on_map_page: the URL's path is one of
    _map_paths). Made once each (~0.1 s of CPU: the geometry's content hash for its loader,
    Streamlit's chunk graph for the preloads, the project's style rules), by the warm-up as
    soon as the server runs; a page asked for meanwhile waits for that instead of making it
    a second time on the thread that answers the browser."""
    with _PAGE_HEAD_LOCK:
        return _page_head_made(on_map_page)


@functools.lru_cache(maxsize=2)
def _page_head_made(on_map_page: bool) -> tuple[bytes, bytes]:
    from ..offline import leaflet_script_tag, map_head_tags

    leaflet = leaflet_script_tag().encode() if on_map_page else b""
    return (
        _compat_script() + _backend_script() + leaflet + _page_css(),
        _element_preloads() + map_head_tags(on_map_page).encode(),
    )


@functools.lru_cache(maxsize=1)
def _compat_script() -> bytes:
    """compat.js, first in the page: core-js and a v-flag RegExp for a browser older than
    Streamlit's frontend expects, a notice where even that cannot run it."""
    import json
    from pathlib import Path

    from ..i18n import t
    from ..offline import CORE_JS

    code = Path(__file__).with_name("compat.js").read_text(encoding="utf-8")
    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("//"))  # comments: for the reader
    notice = json.dumps([t("compat.old_browser", "zh"), t("compat.old_browser", "en")], ensure_ascii=False)
    code = code.replace("'__CORE_JS__'", json.dumps(CORE_JS)).replace("__NOTICE__", notice)
    return f"<script>{code}</script>".encode()


def _backend_script() -> bytes:
    import json

    from .fileserver import base_path

    path = json.dumps(base_path() + "/")
    return f"<script>window.__streamlit = {{BACKEND_BASE_URL: window.location.origin + {path}}};</script>".encode()


def _page_css() -> bytes:
    """The project's own style rules, in the page from the start (widgets.COMPACT_CSS)."""
    from .widgets import COMPACT_CSS

    return f"<style>{COMPACT_CSS}</style>".encode()


@functools.lru_cache(maxsize=1)
def _map_paths() -> tuple[str, ...]:
    """The URL paths of the pages that draw a map (PageSpec.draws_map), without a trailing
    slash; the default page answers at the root too."""
    from . import PAGES
    from .fileserver import base_path

    paths = [base_path() + "/" + p.url_path for p in PAGES if p.draws_map]
    paths += [base_path()] if any(p.draws_map and p.default for p in PAGES) else []
    return tuple(paths)


# Elements whose code Streamlit's frontend fetches only once one of them has arrived (a
# chain of ~20-40 requests each). What a session's first view of the overview draws before
# its map is painted (the map) is preloaded with the page: it loads while the websocket
# opens, and the map's element is not kept waiting for it. So are the buttons, the first
# of the rest's elements (the sidebar's 演示模式, the sign-in).
FIRST_VIEW_ELEMENTS = ("Button", "BidiComponent")
# What the rest of that view draws once the map is painted (the sidebar's language toggle,
# the city picker, the basemap choice) is preloaded only then: the map's script calls
# window.xcPreloadRest as it reports itself painted, so this code loads while the server
# runs the rest of the page, not while the page's own files and the map are loading.
# Not preloaded at all: what no first view draws (the sign-in fields and the download
# buttons, drawn once their expander is opened; the raw-HTML markdown parser).
REST_ELEMENTS = ("Checkbox", "Selectbox", "Radio")


@functools.lru_cache(maxsize=1)
def _element_preloads() -> bytes:
    """<link rel="modulepreload"> for the first view's element chunks, and the
    window.xcPreloadRest function that adds those of the rest."""
    import json

    first = _element_chunks(FIRST_VIEW_ELEMENTS)
    rest = [n for n in _element_chunks(REST_ELEMENTS) if n not in first]
    links = "".join(f'<link rel="modulepreload" crossorigin href="./static/js/{n}">' for n in first)
    later = (
        "<script>window.xcPreloadRest=function(){if(window.xcPreloadRest.done){return;}window.xcPreloadRest.done=true;"
        f"{json.dumps(rest)}.forEach(function(n){{var l=document.createElement('link');l.rel='modulepreload';"
        "l.crossOrigin='anonymous';l.href='./static/js/'+n;document.head.appendChild(l);});};</script>"
    )
    return (links + later).encode()


@functools.lru_cache(maxsize=1)
def _index_files() -> frozenset[str] | None:
    """The frontend files Streamlit's index.html names ("static/js/….js", its style sheet and
    fonts), or None if the page cannot be read."""
    from pathlib import Path

    from streamlit.file_util import get_static_dir

    try:
        index = (Path(get_static_dir()) / "index.html").read_text(encoding="utf-8")
    except OSError:
        return None
    return frozenset(re.findall(r"\./(static/(?:js|css|media)/[\w.-]+)", index))


@functools.lru_cache(maxsize=4)
def _element_chunks(elements: tuple[str, ...]) -> list[str]:
    """The chunks of those elements and everything they import, found in the installed
    Streamlit's build (chunk names carry a content hash), less what Streamlit's index.html
    preloads itself. Unknown names are skipped."""
    from pathlib import Path

    from streamlit.file_util import get_static_dir

    js = Path(get_static_dir()) / "static" / "js"
    index_files = _index_files()
    try:
        names = {p.name for p in js.glob("*.js")}
    except OSError:
        return []
    if index_files is None:
        return []
    already = {f.rsplit("/", 1)[1] for f in index_files if f.startswith("static/js/") and f.endswith(".js")}
    stack = [n for n in names if n.split(".")[0] in elements and re.fullmatch(r"[\w-]+\.[\w-]{8}\.js", n)]
    seen: set[str] = set()
    while stack:
        name = stack.pop()
        if name in seen or name not in names:
            continue
        seen.add(name)
        stack += re.findall(r'(?:from|import)\s*"\./([\w.-]+\.js)"', (js / name).read_text(encoding="utf-8"))
    return sorted(seen - already)


def _middleware() -> None:
    """Around Streamlit's own middleware (what `streamlit run` builds): first the frontend's
    and the app's versioned files from memory (fileserver), then NoMetrics; BackendAtRoot
    behind Streamlit's, where the page is not yet compressed."""
    from starlette.middleware import Middleware
    from streamlit.web.server.starlette import starlette_app

    from .fileserver import FilesFromMemory

    streamlit_middleware = starlette_app.create_streamlit_middleware
    starlette_app.create_streamlit_middleware = lambda: [
        Middleware(FilesFromMemory), Middleware(NoMetrics), *streamlit_middleware(), Middleware(BackendAtRoot),
    ]


def _no_repl_check() -> None:
    """Streamlit checks once per process, at the first element, whether it runs in a Python
    REPL to print a hint: inspect.stack() on the script thread, which resolves the real path
    of every loaded module (~2,500 here, a file-system call each, slowed further by the GIL
    while the warm-up thread computes) in the middle of the first visitor's page. Here it
    is the server: there is no REPL to warn."""
    try:
        from streamlit import delta_generator
    except ImportError:
        return
    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True


def _quick_component_scan() -> None:
    """Streamlit looks for v2 components in every installed package when its runtime starts,
    before the server answers: it parses the metadata of each (~100 here, four times each
    through the email parser, ~0.2 s of CPU). A package's raw METADATA that never says
    "streamlit" and does not name an st-/st_ package is one its own filter rejects (name,
    summary and requirements all come from that file), so it is rejected here after one
    read; the others still go through Streamlit's own filter."""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:
        return
    _wrap_once(manifest_scanner, "_is_likely_streamlit_component_package", _quick_filter)


def _quick_filter(original):
    def likely(dist) -> bool:
        try:
            text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
        except Exception:
            text = None
        if text is not None:
            lowered = "\n" + text.lower()
            if "streamlit" not in lowered and "\nname: st-" not in lowered and "\nname: st_" not in lowered:
                return False
        return original(dist)

    return likely


def _plain_component_args() -> None:
    """Streamlit asks of every value in a component's data that is not a str or a number
    whether it is a data frame, and that question imports pandas (~0.5 s of CPU) in the
    middle of the first page that shows a map. A value built only of dicts, lists, strings,
    numbers, booleans and None (all that map_view sends) is none of the data frame kinds
    Streamlit knows (its answer for them is always no), so it is answered here without the
    import; anything else still goes to Streamlit's check."""
    try:
        from streamlit.components.v2.bidi_component import serialization
    except ImportError:
        return
    _wrap_once(serialization, "is_dataframe_like", _plain_first)


def _plain_first(original):
    def is_dataframe_like(obj) -> bool:
        return False if _plain_json(obj) else original(obj)

    return is_dataframe_like


def _keep_compiled_scripts() -> None:
    """Streamlit empties its cache of compiled page scripts whenever the last visitor leaves,
    so that a script edited meanwhile is read again. Here no file watcher runs
    (server.fileWatcherType "none": scripts change only with a restart), and in an office the
    last visitor leaves often: the next first view then compiled app.py and its page again
    (9 ms of CPU per such view, of 66). With a file watcher on, it is emptied as before."""
    try:
        from streamlit import config
        from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    except ImportError:
        return

    def keep_unless_watched(original):
        def clear(self) -> None:
            if config.get_option("server.fileWatcherType") != "none":
                original(self)

        return clear

    _wrap_once(ScriptCache, "clear", keep_unless_watched)


def _wrap_once(module, name: str, wrap) -> None:
    """Replace module.name by wrap(original), once per process (main may run again in tests),
    and not at all if this Streamlit has no such function."""
    original = getattr(module, name, None)
    if original is None or getattr(original, "_xc_wrapped", False):
        return
    wrapped = wrap(original)
    wrapped._xc_wrapped = True
    setattr(module, name, wrapped)


def _plain_json(obj, depth: int = 0) -> bool:
    kind = type(obj)
    if obj is None or kind in (str, int, float, bool):
        return True
    if depth > 8:
        return False
    if kind is list:
        return all(_plain_json(v, depth + 1) for v in obj)
    if kind is dict:
        return all(type(k) is str and _plain_json(v, depth + 1) for k, v in obj.items())
    return False


def main(argv: list[str] | None = None) -> int:
    from streamlit.web import cli

    from ..offline import mark_immutable_static

    # Off until warm() has loaded everything that lives for the whole process (_freeze_heap).
    gc.disable()
    mark_immutable_static()
    _middleware()
    _no_repl_check()
    _quick_component_scan()
    _plain_component_args()
    _keep_compiled_scripts()
    WARMING.set()
    threading.Thread(target=warm, name="xiancheng-warm", daemon=True).start()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
