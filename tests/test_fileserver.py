"""ui.fileserver: versioned files answered from memory, everything else left to Streamlit.

The middleware is driven directly (ASGI) on a folder of the test's own; the real server's
answers are checked in test_server.py."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import json

import pytest

from xiancheng.ui.fileserver import FilesFromMemory, MemoryFiles, _Folder


class Inner:
    """Streamlit's stack stand-in: records what reached it and answers 418."""

    def __init__(self):
        self.paths = []

    async def __call__(self, scope, receive, send):
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b"inner"})


def call(app, path, method="GET", headers=()):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers]}
    # In a thread of its own: the browser tests' Playwright keeps an event loop in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


@pytest.fixture
def site(tmp_path):
    frontend = tmp_path / "frontend"
    (frontend / "js").mkdir(parents=True)
    script = ("export function draw(counties) { return counties.map((c) => c.name); }\n" * 200).encode()
    (frontend / "js" / "index.1a2b3c4d.js").write_bytes(script)
    (frontend / "js" / "tiny.js").write_bytes(b"export const a = 1;\n")
    (frontend / "media").mkdir()
    font = bytes(range(256)) * 40  # incompressible, as a woff2 is
    (frontend / "media" / "font.woff2").write_bytes(font)
    (frontend / ".hidden").write_text("secret")
    (tmp_path / "outside.txt").write_text("not served")
    app_static = tmp_path / "static"
    (app_static / "geo").mkdir(parents=True)
    geometry = json.dumps({"type": "FeatureCollection", "features": [{"id": i, "name": "县" * 20} for i in range(300)]},
                          ensure_ascii=False).encode()
    (app_static / "geo" / "counties.0123456789ab.json").write_bytes(geometry)
    (app_static / "notes.json").write_bytes(geometry)  # not a versioned name
    folders = [
        _Folder("/static/", frontend),
        _Folder("/app/static/", app_static, admits=lambda p: p.startswith("/app/static/geo/"),
                extra_headers=[(b"x-content-type-options", b"nosniff")]),
    ]
    inner = Inner()
    return {"inner": inner, "folders": folders, "script": script, "font": font, "geometry": geometry,
            "app": FilesFromMemory(inner, MemoryFiles(folders, base=""))}


def test_a_file_is_served_whole_with_a_year_of_cache_and_gzipped_when_accepted(site):
    status, headers, body = call(site["app"], "/static/js/index.1a2b3c4d.js")
    assert status == 200 and body == site["script"]
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(headers["content-length"]) == len(site["script"]) and "content-encoding" not in headers
    assert headers["vary"] == "Accept-Encoding"

    status, packed_headers, packed = call(site["app"], "/static/js/index.1a2b3c4d.js", headers=[("Accept-Encoding", "gzip, deflate, br")])
    assert status == 200 and packed_headers["content-encoding"] == "gzip"
    assert gzip.decompress(packed) == site["script"] and len(packed) < len(site["script"]) / 10
    assert int(packed_headers["content-length"]) == len(packed)
    assert packed_headers["etag"] == headers["etag"]
    assert site["inner"].paths == []


def test_what_does_not_shrink_is_sent_as_it_is(site):
    for path, original in (("/static/media/font.woff2", site["font"]), ("/static/js/tiny.js", b"export const a = 1;\n")):
        status, headers, body = call(site["app"], path, headers=[("Accept-Encoding", "gzip")])
        assert status == 200 and body == original and "content-encoding" not in headers
    assert call(site["app"], "/static/media/font.woff2")[1]["content-type"] == "font/woff2"


def test_revalidation_and_head(site):
    _, headers, _ = call(site["app"], "/app/static/geo/counties.0123456789ab.json")
    assert headers["x-content-type-options"] == "nosniff" and headers["content-type"] == "application/json"
    status, _, body = call(site["app"], "/app/static/geo/counties.0123456789ab.json", headers=[("If-None-Match", headers["etag"])])
    assert (status, body) == (304, b"")
    status, head_headers, body = call(site["app"], "/app/static/geo/counties.0123456789ab.json", method="HEAD")
    assert status == 200 and body == b"" and int(head_headers["content-length"]) == len(site["geometry"])


@pytest.mark.parametrize("path", [
    "/static/js/missing.js",          # unknown name: Streamlit's own answer (its index.html)
    "/static/js/../../outside.txt",   # leaves the folder
    "/static/js/./index.1a2b3c4d.js",
    "/static/.hidden",
    "/static/js//index.1a2b3c4d.js",
    "/static/js\\index.1a2b3c4d.js",
    "/static/js/index\x00.js",
    "/app/static/notes.json",         # in the folder, but not a versioned name
    "/app/static/geo/",
    "/index.html",
])
def test_anything_else_goes_on_to_streamlit(site, path):
    assert call(site["app"], path)[0] == 418
    assert site["inner"].paths == [path]


def test_a_range_request_and_other_methods_go_on_to_streamlit(site):
    assert call(site["app"], "/static/media/font.woff2", headers=[("Range", "bytes=0-99")])[0] == 418
    assert call(site["app"], "/static/js/index.1a2b3c4d.js", method="POST")[0] == 418
    assert call(site["app"], "/static/js/index.1a2b3c4d.js")[0] == 200  # cached now …
    assert call(site["app"], "/static/js/index.1a2b3c4d.js", headers=[("Range", "bytes=0-9")])[0] == 418  # … still not for a range


def test_under_a_base_path_only_that_path_is_served(site):
    app = FilesFromMemory(site["inner"], MemoryFiles(site["folders"], base="/xiancheng"))
    status, _, body = call(app, "/xiancheng/static/js/index.1a2b3c4d.js")
    assert status == 200 and body == site["script"]
    assert call(app, "/static/js/index.1a2b3c4d.js")[0] == 418


def test_preloaded_files_are_read_once_and_a_missing_one_is_skipped(site, tmp_path):
    files = MemoryFiles(site["folders"], base="")
    assert files.preload(["/static/js/index.1a2b3c4d.js", "/static/js/missing.js", "/app/static/geo/counties.0123456789ab.json"]) == 2
    (tmp_path / "frontend" / "js" / "index.1a2b3c4d.js").unlink()  # read before: still answered
    status, _, body = call(FilesFromMemory(site["inner"], files), "/static/js/index.1a2b3c4d.js")
    assert status == 200 and body == site["script"]
