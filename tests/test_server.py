"""The app server as shipped (`python -m xiancheng.ui.serve`): what it must not answer."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from appserver import running_app


@pytest.fixture(scope="module")
def server():
    with running_app() as (url, _process, _seconds):
        yield url


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/metrics/", "/_stcore/metrics?families=session_events"])
def test_metrics_do_not_answer(server, path):
    assert status(server + path) == 404


def test_health_still_answers(server):
    assert status(server + "/_stcore/health") == 200


@pytest.mark.parametrize("path", ["/", "/county?county=141024", "/documents"])
def test_every_page_tells_the_frontend_the_server_is_at_the_root(server, path):
    with urllib.request.urlopen(server + path, timeout=10) as response:
        page = response.read()
        assert int(response.headers["Content-Length"]) == len(page)
    assert page.count(b"window.__streamlit = {BACKEND_BASE_URL: window.location.origin + \"/\"}") == 1
    assert page.index(b"window.__streamlit") < page.index(b"static/js/index.")  # set before the app starts


def test_no_parent_frame_may_drive_the_page(server):
    # Streamlit's default lets pages of its cloud's origins stop or rerun the app and hand it
    # a token from a parent frame; the dashboard is not hosted there (.streamlit/config.toml).
    with urllib.request.urlopen(server + "/_stcore/host-config", timeout=10) as response:
        assert json.load(response)["allowedOrigins"] == []


def get(url: str, **headers) -> tuple[dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_the_frontend_s_and_the_maps_files_come_whole_from_memory_gzipped(server):
    # ui.fileserver, in front of Streamlit's stack: the bytes on disk, compressed once.
    import gzip
    import re
    from pathlib import Path

    import xstatic.pkg.leaflet as xstatic_leaflet
    from streamlit.file_util import get_static_dir

    from xiancheng.offline import LEAFLET_JS

    _, page = get(server + "/")
    entry = re.search(rb'src="\./(static/js/index\.[\w-]+\.js)"', page).group(1).decode()
    for url, on_disk, extra in ((f"/{entry}", Path(get_static_dir()) / entry, {}),
                                (LEAFLET_JS, Path(xstatic_leaflet.BASE_DIR) / "leaflet.js", {"x-content-type-options": "nosniff"})):
        headers, body = get(server + url)
        assert body == on_disk.read_bytes()
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        assert headers["content-type"] == "text/javascript; charset=utf-8"
        assert all(headers[k] == v for k, v in extra.items())
        packed_headers, packed = get(server + url, **{"Accept-Encoding": "gzip"})
        assert packed_headers["content-encoding"] == "gzip" and gzip.decompress(packed) == body
        assert len(packed) < len(body) / 2


def test_an_unknown_frontend_file_gets_streamlits_own_answer(server):
    headers, body = get(server + "/static/js/no-such-chunk.js")
    assert headers["content-type"].startswith("text/html") and b"window.prerenderReady" in body
    assert status(server + "/static/js/../../index.html") == 400


def test_clients_that_vanish_mid_page_leave_no_traceback_in_the_log():
    """Browsers closed or cut off while a page is still being sent (no close frame) are
    normal under load; the server log stays free of tracebacks and errors about them."""
    import asyncio
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit_client import open_page
    from websockets.asyncio.client import connect

    async def vanish(ws_url: str, query: str, after: float) -> None:
        ws = await connect(ws_url, subprotocols=["streamlit"], max_size=None, compression="deflate")
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_script_hash = ""
        await ws.send(back.SerializeToString())
        try:
            async with asyncio.timeout(after):
                async for _ in ws:
                    pass
        except TimeoutError:
            pass
        ws.transport.abort()  # the tab is gone: no close handshake

    async def load(ws_url: str) -> None:
        await open_page(ws_url)  # warm: later sessions are cut off while messages flow
        await asyncio.gather(*(vanish(ws_url, q, 0.2 * i) for i in range(1, 11) for q in ("", "county=141024")))
        await open_page(ws_url, "city=140800")  # the server still serves a whole page afterwards
        await asyncio.sleep(2)

    with running_app() as (url, process, _seconds):
        # In a thread of its own: after the browser tests, Playwright's loop runs in this one
        # and asyncio.run refuses to start a second.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, load(url.replace("http", "ws") + "/_stcore/stream")).result()
        process.terminate()
        process.wait(15)
        log = process.log_path.read_text(encoding="utf-8", errors="replace")
    assert "Uvicorn server started" in log  # the log was read
    for sign in ("Traceback", "ERROR", "Exception", "Error sending websocket payload"):
        assert sign not in log, log[-4000:]


def test_quick_component_scan_keeps_streamlits_choice(tmp_path, monkeypatch):
    """The server's cheaper filter for Streamlit's v2 component scan picks the same packages
    as Streamlit's own, on what is installed and on made-up packages that say "streamlit"
    only in a requirement, only in the summary, or only through an st- name."""
    import importlib.metadata

    from streamlit.components.v2 import manifest_scanner

    from xiancheng.ui import serve

    original = manifest_scanner._is_likely_streamlit_component_package
    monkeypatch.setattr(manifest_scanner, "_is_likely_streamlit_component_package", original)
    serve._quick_component_scan()
    quick = manifest_scanner._is_likely_streamlit_component_package
    assert quick is not original
    made = {
        "plain_pkg": "Name: plain-pkg\nVersion: 1\nSummary: nothing to see\n",
        "needs_it": "Name: needs-it\nVersion: 1\nRequires-Dist: Streamlit>=1.0\n",
        "says_it": "Name: says-it\nVersion: 1\nSummary: A widget for STREAMLIT apps\n",
        "st_thing": "Name: st-thing\nVersion: 1\n",
    }
    for name, metadata in made.items():
        info = tmp_path / f"{name}-1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(metadata, encoding="utf-8")
    dists = [*importlib.metadata.distributions(), *importlib.metadata.distributions(path=[str(tmp_path)])]
    assert [quick(d) for d in dists] == [original(d) for d in dists]
    assert [quick(d) for d in importlib.metadata.distributions(path=[str(tmp_path)])].count(True) == 3


def test_the_page_loads_leaflet_itself_and_preloads_what_the_first_view_draws():
    """The map is drawn in the page (ui/map_component.js): the page's head carries Leaflet's
    script, async and before Streamlit's own module script (it runs while the browser fetches
    Streamlit's modules, not between the first of them and the frontend's first render),
    Leaflet's style sheet after Streamlit's (the maps' own rules follow it), a script that
    fetches the geometry into window.xcGeometry, preloads the first view's element code (the
    map's BidiComponent chunk, the note's button), and leaves the rest's (checkbox, select
    box, radio) to window.xcPreloadRest, which the map calls once it is painted."""
    import re

    from xiancheng.offline import GEOMETRY_FILES, GEOMETRY_GLOBAL, LEAFLET_CSS, LEAFLET_JS, geometry_url

    from xiancheng.ui import PAGES

    with running_app() as (url, _process, _seconds):
        with urllib.request.urlopen(url + "/", timeout=10) as response:
            page = response.read().decode()
        head = page.split("</head>")[0]
        # in the page's HTML, where the browser's preload scanner finds it with the first files
        leaflet = re.search(r'<script async fetchpriority="high" src="([^"]+)" onerror="this\.dataset\.xcFailed=1"></script>', head)
        assert leaflet and leaflet.group(1) == LEAFLET_JS and page.count(LEAFLET_JS) == 1, "Leaflet's script once, in the head"
        streamlit_module = re.search(r'<script type="module" crossorigin src="\./static/js/index\.[\w-]+\.js"></script>', head)
        assert streamlit_module, "no Streamlit module script in the head"
        assert leaflet.start() < streamlit_module.start()
        assert status(url + LEAFLET_JS) == 200
        sheets = re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', head)
        assert sheets[-1] == LEAFLET_CSS and sheets.count(LEAFLET_CSS) == 1, sheets
        assert any(re.fullmatch(r"\./static/css/index\.[\w-]+\.css", s) for s in sheets[:-1]), "Leaflet's sheet after Streamlit's"
        assert status(url + LEAFLET_CSS) == 200
        loader = re.search(rf"<script>window\.{GEOMETRY_GLOBAL}=\{{\}};(\[.*?\])\.forEach\(function\(u\)\{{.*?fetch\(u\)", head)
        assert loader, "no geometry loader in the head"
        # Leaflet and the geometry only where a page draws a map: the default page (the root,
        # above) and the map pages' paths, with or without a trailing slash
        for spec in PAGES:
            for path in (f"/{spec.url_path}", f"/{spec.url_path}/"):
                with urllib.request.urlopen(url + path, timeout=10) as response:
                    other = response.read().decode().split("</head>")[0]
                assert (LEAFLET_JS in other.replace(LEAFLET_CSS, "")) == spec.draws_map, path
                assert ("fetch(u)" in other) == spec.draws_map, path
                assert f"window.{GEOMETRY_GLOBAL}={{}};" in other and LEAFLET_CSS in other, path
        geometry = json.loads(loader.group(1))
        assert geometry == [geometry_url(n) for n in GEOMETRY_FILES]
        assert all(status(url + g) == 200 for g in geometry)
        assert 'rel="prefetch"' not in head
        preloaded = re.findall(r'<link rel="modulepreload" crossorigin href="./static/js/([\w.-]+)">', head)
        assert any(n.startswith("BidiComponent.") for n in preloaded) and any(n.startswith("Button.") for n in preloaded)
        assert not any(n.startswith("ComponentInstance.") for n in preloaded)  # no frame component any more
        later = re.search(r"window\.xcPreloadRest=function\(\).*?(\[.*?\])\.forEach", head)
        assert later, "no xcPreloadRest in the page"
        rest = json.loads(later.group(1))
        assert {n.split(".")[0] for n in rest} >= {"Checkbox", "Selectbox", "Radio"}
        assert not set(rest) & set(preloaded)
        assert all(status(f"{url}/static/js/{name}") == 200 for name in preloaded + rest)


def test_plain_component_arguments_are_not_taken_for_data_frames_without_pandas():
    """The server answers Streamlit's "is this a data frame?" for the values of a v2
    component's data made only of dicts, lists, strings, numbers and None as Streamlit does
    (no), without importing pandas; a real data frame, or anything else, still goes to
    Streamlit's own check. Data shaped as map_view's is sent as plain JSON."""
    import subprocess
    import sys

    check = """
import sys
import json
from streamlit.components.v2.bidi_component import serialization
from streamlit.proto.BidiComponent_pb2 import BidiComponent
from streamlit import dataframe_util
from xiancheng.ui import serve
serve._plain_component_args()
plain = [None, "a", 1, 2.5, True, ["x", 1], {"a": [1, {"b": None}]}, {"_southWest": {"lat": 1.0}}, [], {}]
assert not any(serialization.is_dataframe_like(v) for v in plain)
data = dict(script="var map_div = L.map();", header="<style></style>", html="", id="map_div", height=600,
            returned_objects=["last_active_drawing"], default={"zoom": 7}, zoom=None, center=None,
            feature_group=None, return_on_hover=False, layer_control=None, css_links=["/a.css"], js_links=["/a.js"])
proto = BidiComponent()
serialization.serialize_mixed_data(data, proto)
assert proto.WhichOneof("data") == "json" and json.loads(proto.json) == data
assert "pandas" not in sys.modules and "numpy" not in sys.modules
assert [dataframe_util.is_dataframe_like(v) for v in plain] == [False] * len(plain)  # Streamlit's own answer
import pandas as pd
assert serialization.is_dataframe_like(pd.DataFrame({"a": [1]}))
assert serialization.is_dataframe_like({"a": pd.Series([1])}) == dataframe_util.is_dataframe_like({"a": pd.Series([1])})
"""
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def test_compiled_scripts_stay_when_the_last_visitor_leaves_unless_files_are_watched(tmp_path):
    """Streamlit empties its compiled-script cache when the last session leaves; the server
    keeps it while no file watcher runs (scripts change only with a restart), and empties it
    as before with a watcher on."""
    import subprocess
    import sys

    script = tmp_path / "page.py"
    script.write_text("x = 1\n", encoding="utf-8")
    check = f"""
from streamlit import config
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from xiancheng.ui import serve
serve._keep_compiled_scripts()
cache = ScriptCache()
first = cache.get_bytecode({str(script)!r})
config.set_option("server.fileWatcherType", "none")
cache.clear()
assert cache.get_bytecode({str(script)!r}) is first, "compiled again after the last visitor left"
config.set_option("server.fileWatcherType", "poll")
cache.clear()
assert cache.get_bytecode({str(script)!r}) is not first, "kept although files are watched"
"""
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_first_click_that_replaces_the_map_s_painted_report_still_shows_the_rest():
    """On a first overview the rest of the page waits until the map reports itself painted.
    A click on a county that reaches the server before that report (the click's value then
    replaces it) also shows that the map is painted: the rerun draws the rest and the
    county's card, instead of waiting for a report that never comes."""
    import asyncio
    import json
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from streamlit_client import _waits_for_map
    from websockets.asyncio.client import connect

    from xiancheng.offline import MAP_COMPONENT

    def map_element(msg):
        """The map's element (a v2 component), if msg adds it."""
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "bidi_component" and element.bidi_component.component_name == MAP_COMPONENT:
                return element.bidi_component
        return None

    def texts(messages: list) -> str:
        out = []
        for msg in messages:
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                out.append(getattr(getattr(element, element.WhichOneof("type")), "body", ""))
        return "\n".join(out)

    async def run(ws_url: str):
        async with connect(ws_url, subprotocols=["streamlit"], max_size=None, compression="deflate",
                           additional_headers={"User-Agent": "test"}) as ws:
            back = BackMsg()
            back.rerun_script.query_string = ""
            back.rerun_script.page_script_hash = ""
            await ws.send(back.SerializeToString())
            runs, current, map_id, waited = [], [], None, False
            async with asyncio.timeout(60):
                async for data in ws:
                    msg = ForwardMsg()
                    msg.ParseFromString(data)
                    current.append(msg)
                    if map_element(msg):
                        map_id = map_element(msg).id
                    waited = waited or _waits_for_map(msg)
                    if msg.WhichOneof("type") == "script_finished":
                        runs.append(current)
                        current = []
                        if len(runs) == 2:
                            return runs, waited
                        assert map_id, "no map element in the first run"
                        # 绛县, as the map's click sends it (its state "map"): no painted field
                        click = WidgetState(id=map_id)
                        click.json_value = json.dumps({"map": {"last_active_drawing": {"type": "Feature", "geometry": None,
                                                       "properties": {"adcode": "140826", "name": "绛县", "city_name": "运城市"}}}})
                        back = BackMsg()
                        back.rerun_script.query_string = ""
                        back.rerun_script.page_script_hash = ""
                        back.rerun_script.widget_states.widgets.append(click)
                        await ws.send(back.SerializeToString())

    with running_app() as (url, _process, _seconds):
        with ThreadPoolExecutor(1) as pool:
            runs, waited = pool.submit(asyncio.run, run(url.replace("http", "ws", 1) + "/_stcore/stream")).result()
    assert waited, "the first run did not wait for the map"
    first, second = texts(runs[0]), texts(runs[1])
    assert "各市县城类型统计" not in first and "地图显示后载入" in first
    assert "### 绛县" in second and "各市县城类型统计" in second and "地图显示后载入" not in second
