"""Shared widgets: briefing downloads (generated only when clicked) and presentation mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Callable

import streamlit as st

from . import dataset, lang, t

MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


@dataclass(frozen=True)
class Download:
    label_key: str
    make: Callable[[], bytes]
    file_name: str

    @property
    def mime(self) -> str:
        return MIME[self.file_name.rsplit(".", 1)[-1]]


def download_row(downloads: list[Download], key: str) -> None:
    """One row of download buttons; each file is made on click, never on a rerun."""
    from .downloads import download_button

    columns = st.columns(len(downloads))
    for column, item in zip(columns, downloads):
        with column:
            download_button(
                t(item.label_key), item.make, file_name=item.file_name, mime=item.mime,
                key=f"{key}-{item.label_key}", icon=":material/download:", width="stretch",
            )


def export_section(make_downloads: Callable[[], list[Download]], key: str) -> None:
    """The 导出 expander; its buttons are built only once it is opened (a rerun, st.expander's
    on_change), so a first view neither renders download buttons nor loads their code."""
    with st.expander(t("export.section"), icon=":material/download:", key=f"{key}-open", on_change="rerun") as box:
        if box.open:
            download_row(make_downloads(), key=key)


# Process-wide caches: the dataset is immutable for the life of the server, and the date is
# part of the key so an export made tomorrow carries tomorrow's date.
@lru_cache(maxsize=32)
def _type_map(city: str | None, language: str, fmt: str, dpi: int, day: date) -> bytes:
    from .. import export  # matplotlib: loaded on the first export, not on page load

    return export.render_type_map(dataset(), city_adcode=city, lang=language, fmt=fmt, dpi=dpi, export_date=day)


@lru_cache(maxsize=32)
def _profile(adcode: str, language: str, fmt: str, day: date, progress_version: int = -1) -> bytes:
    from .. import export
    from .. import progress as pg

    # The status per item comes from the store: the key carries its data version.
    progress = pg.one_pager(pg.snapshot(dataset()), adcode, language) if progress_version >= 0 else None
    return export.render_county_profile(dataset(), adcode, lang=language, fmt=fmt, export_date=day, progress=progress)


def _progress_version() -> int:
    from .auth import workspace_error

    return -1 if workspace_error() else _store_version()


def _store_version() -> int:
    from .auth import workspace

    return workspace().data_version()


@lru_cache(maxsize=32)
def _indicator_map(key: str, period_token: str | None, method: str, k: int, city: str | None, language: str, fmt: str, dpi: int, day: date,
                   import_versions: tuple = ()) -> bytes:
    """import_versions: the current version of every import (a cache key: a re-import draws anew)."""
    from .. import export, i18n, imported, indicators

    data = dataset()
    period = indicators.Period.parse(period_token)
    snap = _imports_snapshot() if key not in indicators.catalogue(data) else None
    view = imported.values(snap, key, period) if snap is not None else indicators.values(data, key, period)
    county_values = view.county_values()
    # One level per map: counties when the period has county values, else the cities.
    level, values = ("county", county_values) if county_values else ("city", view.city_values())
    reason = None
    province = view.province
    if province is not None and province.value is not None:
        # A province value is never painted on counties or cities: it names the gap instead.
        if not values:
            level = "county"
        missing = [u for u in view.counties.values() if u.value is None]
        if level == "county" and missing and all(u.reason == indicators.PROVINCE_LEVEL for u in missing):
            reason = i18n.t(
                "indicators.tip_province", language, place=missing[0].detail,
                value=indicators.value_label(province, view.indicator, language),
            )
    units = view.counties if level == "county" else view.cities
    cited = {c.document for u in units.values() for c in u.citations}
    if snap is not None:
        sources = _import_sources(snap, cited, language)
        reason = reason or i18n.t("export.import_no_data", language)
    else:
        sources = [export.document_label(d, language) for d in data.documents if d.document in cited]
    period = view.period
    name = indicators.display_name(view.indicator, language)
    return export.render_indicator_map(
        values, level=level, title=name, indicator=name, unit=indicators.display_unit(view.indicator, language),
        year=period.year if period else None, period=indicators.period_label(period, language, view.indicator.source),
        method=method, k=k, lang=language, fmt=fmt, dpi=dpi, city_adcode=city, sources=sources, export_date=day, no_data_reason=reason,
    )


@lru_cache(maxsize=16)
def _category_map(key: str, city: str | None, language: str, fmt: str, dpi: int, day: date, import_versions: tuple = ()) -> bytes:
    """An imported category list as a static map (the web layer's colours and legend)."""
    from .. import export, i18n, imported

    snap = _imports_snapshot()
    view = imported.categories(snap, key)
    cited = {entry[1].document for entry in view.counties.values() if entry}
    return export.render_category_map(
        {a: entry[0] for a, entry in view.counties.items() if entry}, view.categories, title=view.indicator.name,
        indicator=view.indicator.name, lang=language, fmt=fmt, dpi=dpi, city_adcode=city,
        no_data_reason=i18n.t("export.import_no_data", language), sources=_import_sources(snap, cited, language), export_date=day,
    )


def _imports_snapshot():
    from . import imported_snapshot

    return imported_snapshot()


def _import_versions() -> tuple:
    return tuple(sorted((name, batch.version) for name, batch in _imports_snapshot().batches.items()))


def _import_sources(snap, cited_documents: set[str], language: str) -> list[str]:
    """The source line of an imported indicator's map: each import drawn, its file, sheet, version and time."""
    from .. import i18n, imported

    sources = []
    for document in sorted(cited_documents):
        parsed = imported.parse_citation(document)
        batch = snap.batches.get(parsed[0]) if parsed else None
        if batch is not None:
            sources.append(i18n.t("export.import_source", language, file=batch.file_name, sheet=batch.sheet,
                                  version=parsed[1], when=batch.created_at))
    return sources


@lru_cache(maxsize=64)
def locator_png(adcode: str) -> bytes:
    """Where the county lies in the province: the one-pager's locator map."""
    from ..export.profile import render_locator

    return render_locator(adcode)


@lru_cache(maxsize=64)
def locator_thumbnail(adcode: str, width: int) -> bytes:
    """The locator map as a PNG exactly `width` pixels wide, for st.image(width=width,
    output_format="PNG"): Streamlit then sends these bytes as they are, where a larger image
    was decoded, resized and encoded again at every rerun (~15 ms of the county page)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(locator_png(adcode)))
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), resample=Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _place_label(city: str | None) -> str:
    from .. import geo

    return geo.place_name(city) if city else "山西省"


def _indicator_file_label(key: str, period_token: str | None) -> str:
    """The indicator's Chinese name and period in a file name (not its internal key)."""
    from .. import imported, indicators

    indicator = indicators.catalogue(dataset()).get(key) or imported.catalogue(_imports_snapshot()).get(key)
    name = indicators.display_name(indicator, "zh") if indicator else key
    source = indicator.source if indicator else "plan"
    period = indicators.period_label(indicators.Period.parse(period_token), "zh", source) if period_token else ""
    return "_".join(p for p in (name, period.replace(" · ", "")) if p)


def _file_stem(*parts: str) -> str:
    """Parts joined by '_', without characters a file name cannot hold."""
    import re

    return "_".join(re.sub(r'[\\/:*?"<>|\s]+', "-", p).strip("-") for p in parts if p)


def indicator_map_downloads(key: str, period_token: str | None, method: str, k: int, city: str | None) -> list[Download]:
    """PNG/SVG/PDF of the indicator map, a plan's or an imported one (numbers or categories)."""
    from .. import imported, indicators

    language, day = lang(), date.today()
    stem = _file_stem("指标图", _indicator_file_label(key, period_token), _place_label(city), day.isoformat())
    versions = _import_versions() if key not in indicators.catalogue(dataset()) else ()
    if versions and imported.catalogue(_imports_snapshot())[key].categorical:
        def make(fmt: str, dpi: int):
            return lambda: _category_map(key, city, language, fmt, dpi, day, versions)
    else:
        def make(fmt: str, dpi: int):
            return lambda: _indicator_map(key, period_token, method, k, city, language, fmt, dpi, day, versions)
    return [
        Download("export.png", make("png", 150), f"{stem}.png"),
        Download("export.png300", make("png", 300), f"{stem}-300dpi.png"),
        Download("export.svg", make("svg", 150), f"{stem}.svg"),
        Download("export.pdf", make("pdf", 150), f"{stem}.pdf"),
    ]


def type_map_downloads(city: str | None) -> list[Download]:
    language, day = lang(), date.today()
    stem = _file_stem("县城类型图", _place_label(city), day.isoformat())
    return [
        Download("export.png", lambda: _type_map(city, language, "png", 150, day), f"{stem}.png"),
        Download("export.png300", lambda: _type_map(city, language, "png", 300, day), f"{stem}-300dpi.png"),
        Download("export.svg", lambda: _type_map(city, language, "svg", 150, day), f"{stem}.svg"),
        Download("export.pdf", lambda: _type_map(city, language, "pdf", 150, day), f"{stem}.pdf"),
    ]


def county_downloads(adcode: str, name: str, tasks, projects, sources: list[str]) -> list[Download]:
    language, day = lang(), date.today()
    stem = f"{name}-{day.isoformat()}"
    documents = dataset().documents_by_name

    def ledger() -> bytes:
        from .. import export

        return export.ledger_xlsx(
            tasks, projects, title=t("export.ledger_title_county", name=name), filters={t("page.county"): name},
            sources=sources, lang=language, documents=documents, export_date=day,
        )

    return [
        Download("export.profile_png", lambda: _profile(adcode, language, "png", day, _progress_version()), f"{stem}-概况.png"),
        Download("export.profile_pdf", lambda: _profile(adcode, language, "pdf", day, _progress_version()), f"{stem}-概况.pdf"),
        Download("export.ledger_xlsx", ledger, f"{stem}-台账.xlsx"),
    ]


# --- a compact page head: on a projector (1366×768) the map must start on the first screen,
# not below a tall title block. Its rules (COMPACT_CSS) are in the served page's <head>
# (ui.serve), there before the first element: sent with the header as raw HTML, they made
# every first view load and run Streamlit's raw-HTML markdown parser (a 190 KB chunk) and
# restyle the whole page once they arrived.
COMPACT_CSS = """
[data-testid="stMainBlockContainer"]:has(.st-key-xc-head) {padding-top: 4.2rem !important;}
/* min-height: the head's own height, also while only its place is drawn (compact_header's later) */
.st-key-xc-head {margin-bottom: -1rem; min-height: 34px;}
.st-key-xc-head [data-testid="stHeaderActionElements"] {display: none;}
.st-key-xc-head [data-testid="stMarkdownContainer"] {display: flex; align-items: baseline; gap: 0.8rem; margin: 0 0 0.2rem; flex-wrap: wrap;}
.st-key-xc-head h1 {font-size: 1.55rem !important; padding: 0 !important; margin: 0 !important;}
.st-key-xc-head p {color: rgba(49, 51, 63, 0.65); font-size: 0.95rem; margin: 0 !important;}
/* plain text, which the browser renders sooner than a Markdown caption, in a caption's look:
   plain_note's, and a map-first page's waiting note (ui.mapview.rest_waits_for_map, offline.AFTER_MAP_KEY) */
[class*="st-key-xc-note-"] [data-testid="stText"], .st-key-xc-after-map [data-testid="stText"] {font-size: 0.875rem; opacity: 0.6;}
/* the explorer's table: never taller than the window below the page head (pages/explorer.py;
   here, not in the page: raw HTML there made its first view load Streamlit's raw-HTML parser) */
.st-key-explorer_table, .st-key-explorer_table [data-testid="stFullScreenFrame"],
.st-key-explorer_table [data-testid="stDataFrame"], .st-key-explorer_table [data-testid="stDataFrameResizable"] {max-height: calc(100vh - 6rem) !important;}
/* what only a printed sheet says (a table's note), and apart (a browser without :has() drops
   the rule that names it) the wrapper that would keep its gap on screen */
[class*="st-key-xc-paper-"] {display: none !important;}
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-xc-paper-"]) {display: none !important;}
/* On paper: a landscape sheet (the page's columns keep about a laptop screen's width), the
   page's content across it without the sidebar, toolbar, buttons and export sections (their
   expanders' keys end in -export-open), and a map not split across two sheets. The map fits
   itself to the sheet (maps._View, beforeprint). */
@media print {
  @page {size: A4 landscape; margin: 8mm;}
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], footer, .stButton, .stDownloadButton,
  [class*="-export-open"] {display: none !important;}
  [data-testid="stMainBlockContainer"] {padding: 0 !important; max-width: 100% !important;}
  /* apart: a browser without :has() (Chrome before 105) drops a whole rule that names it */
  [data-testid="stMainBlockContainer"]:has(.st-key-xc-head) {padding: 0 !important;}
  [data-testid="stElementContainer"]:has(.leaflet-container) {break-inside: avoid;}
  [class*="st-key-xc-paper-"] {display: block !important;}
  /* what only a screen says (a hint to click the map), and apart its wrapper */
  [class*="st-key-xc-screen-"] {display: none !important;}
  [data-testid="stLayoutWrapper"]:has(> [class*="st-key-xc-screen-"]) {display: none !important;}
  [data-testid="stLayoutWrapper"]:has(> [class*="st-key-xc-paper-"]) {display: flex !important;}
}
"""


def page_styles() -> None:
    """COMPACT_CSS as an element, for an app started without ui.serve (a plain
    `streamlit run app.py`), whose page has no such rules in its <head>. Not in AppTest
    (no browser) nor under ui.serve."""
    from . import WARMING

    if WARMING.is_set() or not st.context.headers:
        return
    st.html(f"<style>{COMPACT_CSS}</style>")


# Streamlit draws a dataframe on a canvas, only the rows in its view: a printed page shows
# those rows and no others. A table of up to FULL_TABLE_ROWS rows is therefore shown whole,
# on screen and on paper; a longer one says on paper that it is cut, and where it is whole.
FULL_TABLE_ROWS = 30  # at 35 px a row, about 1,100 px: a table still read by scrolling the page
_AUTO_ROWS = 10  # st.dataframe's default height shows at most ten rows
_ROW_PX, _HEADER_PX = 35, 38  # its default row height, and the header row with the borders


def rows_in_view(rows: int, height: int | str = "auto", row_height: int | None = None) -> int:
    """How many of a dataframe's rows its height shows (all of them, or fewer)."""
    if height == "content":
        return rows
    if not isinstance(height, int):  # "auto" (and "stretch", which starts from it)
        return min(rows, _AUTO_ROWS)
    return min(rows, max(0, (height - _HEADER_PX) // (row_height or _ROW_PX)))


def table_height(rows: int, at_most: int) -> int:
    """The height (px) at which a dataframe shows all its rows, but at most at_most."""
    return min(_ROW_PX * rows + _HEADER_PX, at_most)


def table(data, *, name: str, whole_elsewhere: str = "", screen_rows: int | None = None, **kwargs):
    """st.dataframe (same arguments), honest on paper: whole up to FULL_TABLE_ROWS rows
    (unless a height is given), else with a note that only a printed sheet shows.

    name: unique on the page (the note's key); whole_elsewhere: where the whole table is, e.g.
    a download on this page; screen_rows: the most rows the page's own style lets a 1366×768
    screen show, where that is fewer than the table's height holds."""
    rows = len(data)
    if "height" not in kwargs and rows <= FULL_TABLE_ROWS:
        kwargs["height"] = "content"
    event = st.dataframe(data, **kwargs)
    in_view = rows_in_view(rows, kwargs.get("height", "auto"), kwargs.get("row_height"))
    if screen_rows is not None:
        in_view = min(in_view, screen_rows)
    if in_view < rows:
        with st.container(key=f"xc-paper-{name}"):
            st.caption(t("table.cut_on_paper", n=rows) + (t("table.whole_at", where=whole_elsewhere) if whole_elsewhere else ""))
    return event


def compact_header(title: str, caption: str = "", later: bool = False) -> None:
    """Page title and caption on one short line (styled by COMPACT_CSS through the container's key).

    later: only the head's place now (its height: COMPACT_CSS), the head in a later run. A
    map-first view (ui.mapview.rest_waits_for_map) draws it with the rest: the Markdown took
    the browser ~20 ms before the map's element was created."""
    from . import md_quote

    with st.container(key="xc-head"):
        if later:
            st.text("")  # Streamlit does not draw an empty container, and its height would not be kept
        else:
            st.markdown(f"# {md_quote(title)}" + (f"\n\n{md_quote(caption)}" if caption else ""))


def click_hint(title: str, hint: str) -> None:
    """A selection panel's head and its "click a county" hint, while nothing is selected: on
    screen only (COMPACT_CSS's print rules), as a printed sheet cannot be clicked."""
    with st.container(key="xc-screen-click-hint"):
        st.subheader(title)
        st.info(hint)


def plain_note(text: str, name: str) -> None:
    """A line of plain text in a caption's look (COMPACT_CSS, by the container's key): no
    Markdown to parse, for a first view's notes (a Markdown caption cost the browser ~10 ms)."""
    with st.container(key=f"xc-note-{name}"):
        st.text(text)


# --- presentation mode: ?mode=present hides the chrome and enlarges the type.
# The top bar is ~5rem at 20 px: the map takes the rest of the window, whatever its size.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], footer {display: none !important;}
html {font-size: 20px;}
.block-container, [data-testid="stMainBlockContainer"] {padding: 0.6rem 1.2rem 0 !important; max-width: 100% !important;}
h1 {font-size: 2.4rem !important; padding: 0 0 0.3rem !important;}
/* The arrow keys put keyboard focus on the main area, and Streamlit frames a focused main
   area with a grey ring: on a projector that frame cuts through the slide. */
[data-testid="stMain"]::before {display: none !important;}
.stBidiComponent, .stBidiComponent > div, [data-testid="stBidiComponentRegular"] {height: calc(100vh - 5.2rem) !important;}
/* and the map's element container: Streamlit gives it the height the map was built with and
   scrolls what overflows, which cut off the map's bottom (its scale, its attribution). A rule
   of its own: a browser without :has() drops the whole rule its selector is in. */
[data-testid="stElementContainer"]:has(> .stBidiComponent) {height: calc(100vh - 5.2rem) !important; overflow: visible !important;}
.stButton button p {white-space: nowrap;}
</style>
"""

ORIGIN = "_present_origin"  # (page path, its query parameters) the slideshow was opened from
LEAVING = "_present_leaving"


def presenting() -> bool:
    return st.query_params.get("mode") == "present"


def presentation_params() -> dict[str, str]:
    """URL of the slideshow for what is on screen now: its city, county and language."""
    params = {"mode": "present"}
    for name in ("lang", "county", "set"):
        if st.query_params.get(name):
            params[name] = st.query_params[name]
    if "set" not in params and st.query_params.get("city"):
        params["set"] = f"city:{st.query_params['city']}"
    return params


def enter_presentation(page_path: str) -> None:
    """Open the slideshow, remembering the page and URL to return to."""
    origin = {k: v for k, v in st.query_params.to_dict().items() if k not in ("mode", "set")}
    chosen = st.query_params.get("set", "")
    if chosen.startswith("city:"):  # a link ?mode=present&set=city:… comes back to that city
        origin.setdefault("city", chosen[5:])
    st.session_state[ORIGIN] = (page_path, origin)
    st.switch_page("pages/present.py", query_params=presentation_params())


def request_exit() -> None:
    """Button/Esc callback: leave at the top of the next run, before any widget can
    put the slideshow's parameters back."""
    st.session_state[LEAVING] = True


def leave_presentation_if_asked() -> None:
    if not st.session_state.pop(LEAVING, False):
        return
    page, params = presentation_origin()
    st.switch_page(page, query_params=params)


def presentation_origin() -> tuple[str, dict[str, str]]:
    """Where the slideshow was opened from; for a link straight to it, the overview of
    its city with its county and language."""
    if ORIGIN in st.session_state:
        return st.session_state[ORIGIN]
    params = {k: st.query_params[k] for k in ("lang", "county") if st.query_params.get(k)}
    chosen = st.query_params.get("set", "")
    if chosen.startswith("city:"):
        params["city"] = chosen[5:]
    return "pages/overview.py", params


def apply_presentation_style() -> None:
    st.markdown(PRESENT_CSS, unsafe_allow_html=True)


def clear_export_caches() -> None:
    for cached in (_type_map, _profile, _indicator_map, _category_map):
        cached.cache_clear()


# --- loading problems: everyone sees that something was not loaded, and where


def setting_problem(data) -> str | None:
    """Why no build could run (a setting, named with its value) and what is shown meanwhile, in
    the user's language; None when the builds run."""
    rejected = data.rejected_build
    if rejected is None or not rejected.setting:
        return None
    n = len(data.documents)
    shown = t("problems.bad_setting.shown", n=n) if n else t("problems.bad_setting.none")
    return t("problems.bad_setting", setting=rejected.setting, value=rejected.value, shown=shown)


def problems_sidebar() -> None:
    """A setting that stops the builds, and a count of loading problems linking to the documents
    page, in the sidebar of every page (where the store's setting errors are shown too)."""
    from . import md_quote

    data = dataset()
    setting = setting_problem(data)
    if setting:
        st.sidebar.error(md_quote(setting), icon=":material/settings:")
    rows = data.problems  # the count only: no need to word them
    if rows:
        params = {"lang": lang()} if lang() != "zh" else None
        st.sidebar.page_link("pages/documents.py", label=t("problems.sidebar", n=len(rows)), icon=":material/report:", query_params=params)


def problems_banner() -> None:
    """A calm banner with every loading problem: file, line, what is wrong and the fix."""
    from .. import queries
    from . import md_quote

    data = dataset()
    setting = setting_problem(data)
    if setting:
        st.error(md_quote(setting), icon=":material/settings:")
    rows = queries.problem_rows(data, lang())
    if not rows:
        return
    rejected = data.rejected_build
    text = t("problems.banner", n=len(rows))
    if rejected is not None and rejected.lost_documents:
        text = t("problems.kept", lost="、".join(rejected.lost_documents)) + " " + text
    st.info(md_quote(text), icon=":material/info:")
    with st.expander(t("problems.details", n=len(rows)), expanded=False):
        table(
            rows, name="problems", hide_index=True, width="stretch",
            column_config={
                "document": st.column_config.TextColumn(t("problems.col.document"), width="small"),
                "line": st.column_config.NumberColumn(t("documents.col.line"), format="%d", width="small"),
                "message": st.column_config.TextColumn(t("documents.col.message"), width="large"),
            },
        )
