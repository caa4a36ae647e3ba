"""Exports for briefings: static maps (PNG/SVG/PDF), the county one-pager, the Excel 台账.

Everything here returns bytes and never imports Streamlit; the pages offer the downloads.
"""

from .ledger import ledger_xlsx, projects_csv, tasks_csv
from .profile import render_county_profile
from .staticmap import ExportError, document_label, render_category_map, render_indicator_map, render_type_map

__all__ = [
    "ExportError",
    "document_label",
    "ledger_xlsx",
    "projects_csv",
    "render_category_map",
    "render_county_profile",
    "render_indicator_map",
    "render_type_map",
    "tasks_csv",
]
