"""Start the real app on localhost for browser tests and the benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("XIANCHENG_CHROMIUM", "/usr/bin/chromium")
# Flags that keep Chromium from reaching for Google's hosts on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Chromium 15x opens its address bar's drop-downs (WebUI pages, chrome://omnibox-popup.top-chrome)
# in a renderer of their own for every new window, and a browser context's first page is
# a new window: ~0.65 s of CPU in the first ~0.6 s of that page's load, beside the page under
# test on a 2-core machine. Nobody here types in an address bar.
QUIET_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")


def launch_browser(playwright, executable_path: str | Path = CHROMIUM):
    """Chromium with CHROMIUM_ARGS and QUIET_FEATURES off.

    Chromium reads only the last --disable-features, and Playwright passes its own (PaintHolding
    and others it needs off), so ours carries Playwright's list too, read from the command
    line of a browser it started."""
    defaults = _playwright_disabled_features(playwright, str(executable_path))
    features = ",".join(dict.fromkeys([*filter(None, defaults.partition("=")[2].split(",")), *QUIET_FEATURES]))
    return playwright.chromium.launch(
        executable_path=str(executable_path), args=[*CHROMIUM_ARGS, "--disable-features=" + features],
        ignore_default_args=[defaults] if defaults else None,
    )


_disabled_by_playwright: dict[str, str] = {}


def _playwright_disabled_features(playwright, executable_path: str) -> str:
    """Playwright's own --disable-features argument ("" if it passes none)."""
    if executable_path not in _disabled_by_playwright:
        browser = playwright.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS)
        try:
            args = browser_command_line(browser)
        finally:
            browser.close()
        _disabled_by_playwright[executable_path] = next((a for a in args if a.startswith("--disable-features=")), "")
    return _disabled_by_playwright[executable_path]


def browser_command_line(browser) -> list[str]:
    """The arguments a running Chromium was started with (its browser process's, from /proc)."""
    processes = browser.new_browser_cdp_session().send("SystemInfo.getProcessInfo")["processInfo"]
    pid = next(p["id"] for p in processes if p["type"] == "browser")
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(timeout: float = 60.0, env: dict | None = None, script: str | None = None):
    """Yield (base_url, process, seconds_until_healthy) of the app as `make run` starts it;
    env adds variables (e.g. XIANCHENG_PLANS_DIR for a plans folder of the test's own).

    script: another Streamlit script to serve instead (the benchmark's comparison pages),
    with the project's .streamlit/config.toml and static serving, so only the page differs.
    """
    port = free_port()
    started = time.perf_counter()
    launcher = ["-m", "xiancheng.ui.serve"] if script is None else ["-m", "streamlit", "run", script]
    # The server's output goes to a file, not a pipe: nobody reads a pipe while the app
    # runs, and a server that logs more than the pipe holds would block mid-test.
    log = tempfile.NamedTemporaryFile(prefix="xiancheng-app-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, *launcher, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
    )
    process.log_path = Path(log.name)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError("app exited: " + process.log_path.read_text(errors="replace"))
            if time.perf_counter() - started > timeout:
                raise RuntimeError("app did not become healthy in time")
            time.sleep(0.1)
        yield url, process, time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        process.log_path.unlink(missing_ok=True)


# The maps are drawn in the page itself (xiancheng/ui/map_component.js, a Streamlit v2
# component): the element Streamlit makes for it, and the map's own container inside it.
MAP_ELEMENT = "[data-testid='stBidiComponentRegular']"
MAP = "#map_div"
# The map's element: its container and the panel beside it (legend, card).
MAP_BOX = f"{MAP_ELEMENT}:has(> {MAP})"
# The map's container in that element (the shapes, labels and controls).
MAP_DIV = f"{MAP_ELEMENT} {MAP}"


def map_scope(page, timeout_ms: int = 30000):
    """Where the map's elements are found (the page: there is no frame), once the map exists."""
    page.wait_for_selector(MAP, state="attached", timeout=timeout_ms)
    return page


def wait_for_counties(page, timeout_ms: int = 45000):
    """Once the map exists and its 117 county shapes are drawn."""
    map_scope(page, timeout_ms=timeout_ms)
    page.wait_for_function(f"() => document.querySelectorAll(\"{MAP_DIV} path.leaflet-interactive\").length >= 117",
                           timeout=timeout_ms)
    return page


def label_point(page, name: str) -> tuple[float, float]:
    """Where a county's name label sits in the window: a click there lands on its shape
    (labels let clicks through). The map's container points are offset by its place."""
    return tuple(page.evaluate("""(name) => {
        const marker = Object.values(window.map._layers).find(l => l.getElement && l.getElement() && l.getElement().textContent === name);
        const p = window.map.latLngToContainerPoint(marker.getLatLng());
        const box = window.map.getContainer().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""", name))
