"""Download buttons whose file is made on click, and a calm message when making it fails.

Streamlit runs a deferred download's callable outside the page script, so an exception
there reaches only the server log and a generic English line under the button. Here the
callable is guarded: a failure is logged with a reference and the traceback, recorded for
the session, and the click's own rerun (only this button's fragment, cheap) waits for that
build and shows the message beside the button.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

import streamlit as st

from . import md_quote, t

EXPORT_ERRORS = logging.getLogger("xiancheng.ui.export_errors")
# How long a click's rerun waits for its build to start (the browser asks for the file right
# after the click) and to finish (a 300 dpi map takes seconds on a busy server).
START_WAIT_SECONDS = 3.0
BUILD_WAIT_SECONDS = 180.0


class ExportFailed(Exception):
    """Raised to Streamlit in place of the exporter's error: no file is sent, and the details
    are already in the log under the reference."""


@dataclass
class _Build:
    started: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    reference: str | None = None  # set when the build failed


# (session id, button key) → the latest build that button started; read and removed by the
# rerun its click causes.
_BUILDS: dict[tuple[str, str], _Build] = {}
_LOCK = threading.Lock()


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def guarded(make: Callable[[], bytes | str], file_name: str, session: str, key: str) -> Callable[[], bytes | str]:
    """make, with its failure logged and recorded for the session's button."""

    def build() -> bytes | str:
        job = _Build()
        with _LOCK:
            # builds whose rerun never came (the tab was closed) are forgotten after an hour
            for stale in [k for k, old in _BUILDS.items() if job.started - old.started > 3600]:
                del _BUILDS[stale]
            _BUILDS[(session, key)] = job
        try:
            return make()
        except Exception:
            job.reference = uuid.uuid4().hex[:8]
            EXPORT_ERRORS.exception("export %s failed (error %s)", file_name, job.reference)
            raise ExportFailed(f"{file_name} could not be made (error {job.reference})") from None
        finally:
            job.done.set()

    return build


def _outcome(session: str, key: str, clicked: bool) -> _Build | None:
    """The build this button's click started, once finished; None when there is none."""
    deadline = time.monotonic() + (START_WAIT_SECONDS if clicked else 0)
    while True:
        with _LOCK:
            job = _BUILDS.get((session, key))
        if job is not None or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if job is None:
        return None
    if clicked:
        job.done.wait(BUILD_WAIT_SECONDS)
    if not job.done.is_set():
        return None  # still running (no click in this run): its own click's rerun reports it
    with _LOCK:
        if _BUILDS.get((session, key)) is job:
            del _BUILDS[(session, key)]
    return job


@st.fragment
def _button(label: str, make: Callable[[], bytes | str], file_name: str, key: str, mime: str | None, options: dict) -> None:
    session = _session_id()
    job = _outcome(session, key, clicked=bool(st.session_state.get(key)))
    if job is not None and job.reference is not None:
        st.error(md_quote(t("export.failed", name=file_name, ref=job.reference)), icon=":material/error:")
    st.download_button(label, data=guarded(make, file_name, session, key), file_name=file_name, mime=mime, key=key,
                       on_click="rerun", **options)


def download_button(label: str, make: Callable[[], bytes | str], *, file_name: str, key: str, mime: str | None = None, **options) -> None:
    """A download button whose file is made when clicked (never on a page run); if making
    it fails, the page says so beside the button and the log has the traceback.

    Use it inside the container it belongs in (`with column:`); options go to
    st.download_button (icon, width, disabled, help …).
    """
    _button(label, make, file_name, key, mime, options)
