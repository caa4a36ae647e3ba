"""Serve Leaflet from the installed xstatic-leaflet package, so maps draw with no internet."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet

from .settings import STATIC_DIR

# Streamlit serves <app>/static/ at /app/static/ when server.enableStaticServing is on.
STATIC_URL = "/app/static"
LEAFLET_JS = f"{STATIC_URL}/leaflet/leaflet.js"
LEAFLET_CSS = f"{STATIC_URL}/leaflet/leaflet.css"


def install_static_assets(static_dir: Path = STATIC_DIR) -> Path:
    """Copy Leaflet's files into static_dir/leaflet (only what changed); returns the folder."""
    source = Path(xstatic_leaflet.BASE_DIR)
    target = Path(static_dir) / "leaflet"
    for path in source.rglob("*"):
        if path.is_dir() or path.suffix == ".map":
            continue
        dest = target / path.relative_to(source)
        if dest.exists() and filecmp.cmp(path, dest, shallow=False):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    return target


def use_local_leaflet() -> None:
    """Point folium at the local Leaflet and drop its CDN extras (jQuery, Bootstrap, icons).

    folium's defaults load six files from CDNs; on an intranet the st_folium iframe then
    stays blank. Our maps use only Leaflet itself.
    """
    import folium  # here, not at module level: ui.serve imports this before the server starts

    folium.Map.default_js = [("leaflet", LEAFLET_JS)]
    folium.Map.default_css = [("leaflet_css", LEAFLET_CSS)]
