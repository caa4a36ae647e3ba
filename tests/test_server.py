"""The app server as shipped (`python -m xiancheng.ui.serve`): what it must not answer."""

from __future__ import annotations

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
