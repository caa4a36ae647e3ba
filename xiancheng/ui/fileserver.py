"""Streamlit's frontend files and the app's versioned static files, answered from memory.

A visit with an empty browser cache asks the server for about 100 files (3.3 MB): Streamlit's
frontend (~60 JavaScript chunks, its style sheet and fonts), Leaflet and the geometry.
Streamlit answers each through its middleware stack and Starlette's StaticFiles: a stat and
chunked reads in worker threads, and for /app/static a gzip of the whole body on every
request. Measured here, that was 165 ms of server CPU per such visit, more than the page's
two script runs; with 20 officials opening the dashboard at once it queued every request
behind the others. These files never change while the server runs (their names carry a
content hash or a version), so each is read, and compressed once, the first time it is
asked for, and answered from memory after that, in front of Streamlit's stack.

Only exact names found in those folders are served here; anything else (index.html, an
unknown name, a range request, a path with .. in it) goes on to Streamlit as before.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import mimetypes
import os
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

ONE_YEAR = 365 * 24 * 60 * 60
CACHE_CONTROL = f"public, max-age={ONE_YEAR}, immutable".encode()
# Worth compressing: text. Fonts (woff2) and images are compressed already.
COMPRESSIBLE = {".js", ".mjs", ".css", ".json", ".svg", ".txt", ".map", ".html"}
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".png": "image/png",
}
# Read on the event loop up to this size (a fraction of a millisecond); a larger file's first
# read and compression go to a worker thread.
READ_INLINE_BYTES = 64 * 1024


@dataclass(frozen=True)
class _File:
    plain_headers: list[tuple[bytes, bytes]]
    body: bytes
    gzip_headers: list[tuple[bytes, bytes]] | None
    gzip_body: bytes | None
    etag: bytes


def _load(path: Path, extra_headers: tuple[tuple[bytes, bytes], ...]) -> _File:
    body = path.read_bytes()
    etag = b'"' + hashlib.md5(body, usedforsecurity=False).hexdigest().encode() + b'"'
    kind = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    common = [
        (b"content-type", kind.encode()),
        (b"etag", etag),
        (b"last-modified", formatdate(path.stat().st_mtime, usegmt=True).encode()),
        (b"cache-control", CACHE_CONTROL),
        *extra_headers,
    ]
    packed = None
    if path.suffix in COMPRESSIBLE and len(body) > 1024:
        # mtime=0: the same bytes in every process behind a load balancer.
        candidate = gzip.compress(body, compresslevel=6, mtime=0)
        if len(candidate) < 0.9 * len(body):
            packed = candidate
    if packed is None:
        return _File([*common, (b"content-length", str(len(body)).encode())], body, None, None, etag)
    vary = (b"vary", b"Accept-Encoding")
    return _File(
        [*common, vary, (b"content-length", str(len(body)).encode())], body,
        [*common, vary, (b"content-encoding", b"gzip"), (b"content-length", str(len(packed)).encode())], packed,
        etag,
    )


class _Folder:
    """A folder whose files are served under a URL prefix."""

    def __init__(self, prefix: str, root: Path, admits=None, extra_headers=()):
        self.prefix = prefix  # e.g. "/static/"
        self.root = root
        self.admits = admits  # None: any file in the folder; else a test of the URL path
        self.extra_headers = tuple(extra_headers)

    def path_for(self, url_path: str) -> Path | None:
        if not url_path.startswith(self.prefix) or (self.admits is not None and not self.admits(url_path)):
            return None
        parts = url_path[len(self.prefix):].split("/")
        # Plain names only: no "..", ".", empty or backslashed segment can leave the folder.
        if any(part in ("", ".", "..") or "\\" in part or part.startswith(".") for part in parts):
            return None
        path = self.root.joinpath(*parts)
        try:
            return path if path.is_file() else None
        except (OSError, ValueError):  # e.g. a NUL byte in the name
            return None


class MemoryFiles:
    """The files read so far, by URL path; folders and base path default to the server's."""

    def __init__(self, folders: list[_Folder] | None = None, base: str | None = None):
        self._folders = folders
        self._base = base
        self._files: dict[str, _File] = {}

    async def get(self, url_path: str) -> _File | None:
        served = self._files.get(url_path)
        if served is not None:
            return served
        found = self._find(url_path)
        if found is None:
            return None
        path, folder = found
        try:
            if path.stat().st_size <= READ_INLINE_BYTES:
                served = _load(path, folder.extra_headers)
            else:
                served = await asyncio.get_running_loop().run_in_executor(None, _load, path, folder.extra_headers)
        except OSError:
            return None  # gone meanwhile: Streamlit answers
        self._files[url_path] = served
        return served

    def _find(self, url_path: str) -> tuple[Path, _Folder] | None:
        base = self._base_path()
        if base:
            if not url_path.startswith(base + "/"):
                return None
            url_path = url_path[len(base):]
        for folder in self._folders if self._folders is not None else default_folders():
            path = folder.path_for(url_path)
            if path is not None:
                return path, folder
        return None

    def _base_path(self) -> str:
        if self._base is None:
            self._base = base_path()  # a server option: fixed while the server runs
        return self._base

    def preload(self, url_paths) -> int:
        """Read (and compress) these files now (the warm-up thread), not on a first request.
        url_paths: without the base path, e.g. "/static/js/index.abc.js"."""
        base = self._base_path()
        count = 0
        for url_path in url_paths:
            full = base + url_path
            found = None if full in self._files else self._find(full)
            if found is not None:
                try:
                    self._files[full] = _load(found[0], found[1].extra_headers)
                    count += 1
                except OSError:
                    pass
        return count


# The server's: filled by the warm-up (preload) and by requests.
FILES = MemoryFiles()


class FilesFromMemory:
    """ASGI middleware, first in the stack: GET and HEAD of a file in one of the folders."""

    def __init__(self, app, files: MemoryFiles | None = None):
        self.app = app
        self.files = files or FILES

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not _has_range(scope):
            served = await self.files.get(scope["path"])
            if served is not None:
                await _respond(served, scope, send)
                return
        await self.app(scope, receive, send)


def _has_range(scope) -> bool:
    return any(name == b"range" for name, _ in scope["headers"])


async def _respond(served: _File, scope, send) -> None:
    headers = dict(scope["headers"])
    if served.etag in headers.get(b"if-none-match", b""):
        await send({"type": "http.response.start", "status": 304,
                    "headers": [(b"etag", served.etag), (b"cache-control", CACHE_CONTROL)]})
        await send({"type": "http.response.body", "body": b""})
        return
    packed = served.gzip_body is not None and b"gzip" in headers.get(b"accept-encoding", b"")
    await send({"type": "http.response.start", "status": 200,
                "headers": served.gzip_headers if packed else served.plain_headers})
    body = b"" if scope["method"] == "HEAD" else (served.gzip_body if packed else served.body)
    await send({"type": "http.response.body", "body": body})


def base_path() -> str:
    """server.baseUrlPath as a path prefix ("" or "/name")."""
    from streamlit import config

    parts = [p for p in (config.get_option("server.baseUrlPath") or "").split("/") if p]
    return "/" + "/".join(parts) if parts else ""


_DEFAULT: list[_Folder] = []


def default_folders() -> list[_Folder]:
    """Streamlit's frontend (content-hashed names under its static/ folder) and the app's
    versioned files under /app/static (offline.IMMUTABLE_PATH: Leaflet, core-js, geometry)."""
    if not _DEFAULT:
        from streamlit.file_util import get_static_dir

        from ..offline import IMMUTABLE_PATH
        from ..settings import STATIC_DIR

        _DEFAULT.extend([
            _Folder("/static/", Path(get_static_dir()) / "static"),
            # As Streamlit's app static route: any origin may read them, no type sniffing.
            _Folder("/app/static/", STATIC_DIR, admits=lambda p: IMMUTABLE_PATH.search(p) is not None,
                    extra_headers=[(b"access-control-allow-origin", b"*"), (b"x-content-type-options", b"nosniff")]),
        ])
    return _DEFAULT
