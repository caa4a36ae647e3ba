"""A headless Streamlit session over the websocket, as the browser's frontend speaks it.

Used by the load benchmark: N sessions open a page at once without rendering anything, and
each reports when the map's data (the map component and its arguments) arrived.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect


@dataclass
class SessionResult:
    map_seconds: float | None  # connect → the map component's message received
    finished_seconds: float  # connect → script_finished
    received_bytes: int


def _is_map(msg: ForwardMsg) -> bool:
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return False
    from xiancheng.offline import MAP_COMPONENT

    # A Streamlit v2 component (ui.mapview): the element is a bidi_component, its id the widget's.
    element = msg.delta.new_element
    return element.WhichOneof("type") == "bidi_component" and element.bidi_component.component_name == MAP_COMPONENT


def _waits_for_map(msg: ForwardMsg) -> bool:
    """The page stopped after its map until the browser reports it painted (ui.mapview)."""
    from xiancheng.offline import AFTER_MAP_KEY

    return (msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "add_block"
            and msg.delta.add_block.id.endswith(AFTER_MAP_KEY))


def _drawn_state(map_id: str) -> WidgetState:
    """The map's value once its counties are painted (maps.py's mapShown), as the browser
    sends it: the component's setStateValue('map', value) makes the widget's JSON value
    {"map": value} (its state by name; "map" is the only one)."""
    import json

    from xiancheng.offline import MAP_DRAWN_FIELD

    state = WidgetState(id=map_id)
    state.json_value = json.dumps({"map": {"last_active_drawing": None, MAP_DRAWN_FIELD: True}})
    return state


async def open_page(ws_url: str, query_string: str = "", timeout: float = 120) -> SessionResult:
    """Connect, ask for the page at query_string, read until the script run finishes. When
    the page waits for its map to be painted before drawing the rest, report it painted as
    the browser's map does (its component value) and read that second run too: the server
    does both runs for every visitor."""
    started = time.perf_counter()
    map_at = None
    received = 0
    async with connect(ws_url, subprotocols=["streamlit"], max_size=None, compression="deflate") as ws:
        back = BackMsg()
        back.rerun_script.query_string = query_string
        back.rerun_script.page_script_hash = ""
        await ws.send(back.SerializeToString())
        map_id, waiting, reported = None, False, False
        async with asyncio.timeout(timeout):
            async for data in ws:
                received += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                if map_at is None and _is_map(msg):
                    map_at = time.perf_counter() - started
                    map_id = msg.delta.new_element.bidi_component.id
                waiting = waiting or _waits_for_map(msg)
                if msg.WhichOneof("type") == "script_finished":
                    if waiting and reported:  # the report did not reach the map's value: no rest would come
                        raise RuntimeError("the page still waits for its map after the map's painted report")
                    if not (waiting and map_id):
                        break
                    waiting, reported = False, True
                    back = BackMsg()
                    back.rerun_script.query_string = query_string
                    back.rerun_script.page_script_hash = ""
                    back.rerun_script.widget_states.widgets.append(_drawn_state(map_id))
                    map_id = None
                    await ws.send(back.SerializeToString())
    return SessionResult(map_at, time.perf_counter() - started, received)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/<pid>/stat)."""
    import os

    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def open_pages(ws_url: str, n: int, query_string: str = "",
                     files: list[str] | None = None) -> list[SessionResult]:
    """n sessions at once; with files (URL paths), each is a first visit with an empty
    browser cache: it fetches those files over HTTP first, then opens the page, and its
    times count from the start of the visit."""
    if not files:
        return await asyncio.gather(*(open_page(ws_url, query_string) for _ in range(n)))
    base_url = ws_url.replace("ws", "http", 1).split("/_stcore/")[0]

    async def first_visit() -> SessionResult:
        started = time.perf_counter()
        fetched = await fetch_files(base_url, files)
        result = await open_page(ws_url, query_string)
        before = time.perf_counter() - started - result.finished_seconds
        return SessionResult(None if result.map_seconds is None else result.map_seconds + before,
                             result.finished_seconds + before, result.received_bytes + fetched)

    return await asyncio.gather(*(first_visit() for _ in range(n)))


async def warm_reruns(ws_url: str, page_name: str, query_string: str, reruns: int, pid: int,
                      cookie: str | None = None) -> list[tuple[float, float]]:
    """One session opens page_name, then reruns it `reruns` times as the browser does on a
    widget change: same page and URL, its cached messages' hashes sent back (the server sends
    a reference instead of a message the browser already has). Returns, per warm rerun,
    (wall seconds, server CPU seconds) from the request until script_finished."""
    headers = {"Cookie": cookie} if cookie else None
    results = []
    cached: set[str] = set()
    async with connect(ws_url, subprotocols=["streamlit"], max_size=None, compression="deflate",
                       additional_headers=headers) as ws:
        drawn, map_id, reported = None, None, False  # a page that waits for its map: reported painted with the next request
        for run in range(reruns + 2):  # the first run fills the caches, the second is the first rerun
            back = BackMsg()
            back.rerun_script.query_string = query_string
            back.rerun_script.page_name = page_name
            back.rerun_script.cached_message_hashes.extend(sorted(cached))
            if drawn:
                back.rerun_script.widget_states.widgets.append(drawn)
                drawn, reported = None, True
            cpu = process_cpu_seconds(pid)
            started = time.perf_counter()
            await ws.send(back.SerializeToString())
            async with asyncio.timeout(120):
                async for data in ws:
                    msg = ForwardMsg()
                    msg.ParseFromString(data)
                    if msg.metadata.cacheable and msg.hash:
                        cached.add(msg.hash)
                    if _is_map(msg):
                        map_id = msg.delta.new_element.bidi_component.id
                    if _waits_for_map(msg):
                        if reported:  # reported painted before: the page must not wait again
                            raise RuntimeError("the page still waits for its map after the map's painted report")
                        drawn = _drawn_state(map_id)
                    if msg.WhichOneof("type") == "script_finished":
                        break
            if run >= 2:
                results.append((time.perf_counter() - started, process_cpu_seconds(pid) - cpu))
    return results


async def fetch_files(base_url: str, paths: list[str], connections: int = 6) -> int:
    """GET paths over `connections` keep-alive HTTP/1.1 connections, as a browser with an
    empty cache fetches a page's files (gzip accepted); returns the bytes received."""
    import h11
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    queue = list(paths)
    received = 0

    async def worker() -> None:
        nonlocal received
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        connection = h11.Connection(h11.CLIENT)
        try:
            while queue:
                path = queue.pop(0)
                request = h11.Request(method="GET", target=path, headers=[
                    ("Host", parts.netloc), ("Accept-Encoding", "gzip, deflate"), ("Connection", "keep-alive")])
                writer.write(connection.send(request) + connection.send(h11.EndOfMessage()))
                await writer.drain()
                while True:
                    event = connection.next_event()
                    if event is h11.NEED_DATA:
                        data = await reader.read(65536)
                        connection.receive_data(data)
                        continue
                    if isinstance(event, h11.Response) and event.status_code >= 400:
                        raise RuntimeError(f"{path}: HTTP {event.status_code}")
                    if isinstance(event, h11.Data):
                        received += len(event.data)
                    if isinstance(event, h11.EndOfMessage):
                        break
                connection.start_next_cycle()
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(min(connections, len(paths)))))
    return received
