"""Exports for briefings: static maps (PNG/SVG/PDF), the county one-pager, the Excel 台账.

Everything here returns bytes and never imports Streamlit; the pages offer the downloads.
"""

from .staticmap import ExportError, document_label, render_indicator_map, render_type_map

__all__ = [
    "ExportError",
    "document_label",
    "render_indicator_map",
    "render_type_map",
]
