"""Rendered maps kept on disk between server starts.

A map's page (folium's HTML and script) depends only on what it is built from: its
arguments, the boundaries, the package's code and the versions of folium, branca, jinja2,
st_folium and Leaflet. Rendering it needs folium (with pandas and numpy behind it, ~0.8 s
of CPU to import) and ~0.15 s more; a server that restarts finds the map it rendered last
time here instead, and its first page needs no folium at all.

A stored map is found only under the digest of all of those inputs, so a changed document,
boundary file, line of code or library version finds nothing and the map is rendered
(and stored) again. What is stored is exactly what was rendered: the same bytes are sent.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

# Libraries whose output is part of a rendered map.
RENDERING_PACKAGES = ("folium", "branca", "jinja2", "streamlit-folium", "xstatic-leaflet")
KEEP_FILES = 256  # a few KB to 200 KB each; the oldest beyond this are removed when one is written


def cache_dir() -> Path:
    """Beside the built dataset (setting dataset_path): build/maps/ by default."""
    from .settings import DATASET_PATH

    return DATASET_PATH.parent / "maps"


@lru_cache(maxsize=1)
def code_version() -> str:
    """Digest of everything besides a map's own key that its rendering reads: the package's
    source files, the boundary files and the rendering libraries' versions."""
    from importlib.metadata import PackageNotFoundError, version

    from .settings import GEODATA_DIR

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    folders = ((package, ("*.py", "*.yaml", "*.mako")), (GEODATA_DIR, ("*.geojson", "*.json", "*.csv")))
    for folder, patterns in folders:
        files = sorted({p for pattern in patterns for p in folder.rglob(pattern) if "__pycache__" not in p.parts})
        for path in files:
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"unreadable")
            digest.update(b"\0")
    for name in RENDERING_PACKAGES:
        try:
            digest.update(f"{name}=={version(name)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{name} missing\0".encode())
    return digest.hexdigest()[:16]


def _digest(key: tuple) -> str:
    # Only the digest is written: a key may hold a setting such as a tile key.
    return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()


def path_for(key: tuple) -> Path:
    """The file of the map rendered for key (a tuple of strings, numbers and tuples, whose
    repr names every input of the map besides the code_version)."""
    return cache_dir() / f"{code_version()}-{_digest(key)[:32]}.json"


def has_maps_of_this_version() -> bool:
    """Whether any map rendered by this code is stored: if not, the first page will render."""
    try:
        return any(p.name.startswith(code_version() + "-") for p in cache_dir().iterdir())
    except OSError:
        return False


def read(key: tuple) -> dict | None:
    """What was stored for key, or None (never stored, or unreadable: rendered again)."""
    try:
        stored = json.loads(path_for(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != _digest(key):
        return None  # a digest collision, or a file that is not ours
    return stored.get("map")


def write(key: tuple, rendered: dict) -> None:
    """Store a rendered map for key (atomically: a reader never sees half a file). A
    read-only deployment keeps working, only without the stored maps."""
    path = path_for(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": _digest(key), "map": rendered}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        _remove_oldest(path.parent)
    except OSError:
        pass


def _remove_oldest(folder: Path) -> None:
    files = list(folder.glob("*.json"))
    if len(files) <= KEEP_FILES:
        return
    files.sort(key=lambda p: p.stat().st_mtime)
    for path in files[: len(files) - KEEP_FILES]:
        path.unlink(missing_ok=True)
