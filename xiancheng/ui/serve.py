"""Start the dashboard: `python -m xiancheng.ui.serve [streamlit options]`.

Streamlit runs the app script only when the first browser connects, and that first run
pays for imports, boundary loading and the dataset build. Here a background thread does
that work while the server starts and the browser loads Streamlit's own frontend.
"""

from __future__ import annotations

import sys
import threading
import time

from ..settings import ROOT
from . import WARMED, WARMING


def _server_started(limit_seconds: float = 60) -> None:
    """Wait until Streamlit's runtime is up: warming earlier only slows the start (GIL)."""
    from streamlit.runtime import Runtime, RuntimeState

    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        if Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL:
            return
        time.sleep(0.05)


def warm() -> None:
    _server_started()
    # Not streamlit_folium: it registers its component only when imported inside a script
    # run, so importing it here would leave the map iframe with a 404.
    try:
        from .. import geo, maps, offline
        from ..settings import DATASET_PATH

        offline.install_static_assets()
        _open_store()
        geo.counties()
        geo.cities()
        maps.label_points()
        maps.warm()
        try:
            from ..ingest.pipeline import load_or_build
        except ImportError:
            return
        load_or_build(DATASET_PATH)
    finally:
        _freeze_heap()
        WARMED.set()


def _freeze_heap() -> None:
    """Move everything loaded so far (modules, boundaries, the dataset) out of the garbage
    collector's reach. Streamlit runs a full collection after every script run; over this
    heap it took ~0.13 s of CPU, most of what a page view cost the server. Frozen objects
    are still freed when nothing refers to them; only cycles among them stay."""
    import gc

    gc.collect()
    gc.freeze()


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


def _without_metrics() -> None:
    """Put NoMetrics in front of Streamlit's own middleware (what `streamlit run` builds)."""
    from starlette.middleware import Middleware
    from streamlit.web.server.starlette import starlette_app

    streamlit_middleware = starlette_app.create_streamlit_middleware
    starlette_app.create_streamlit_middleware = lambda: [Middleware(NoMetrics), *streamlit_middleware()]


def main(argv: list[str] | None = None) -> int:
    from streamlit.web import cli

    from ..offline import mark_immutable_static

    mark_immutable_static()
    _without_metrics()
    WARMING.set()
    threading.Thread(target=warm, name="xiancheng-warm", daemon=True).start()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
