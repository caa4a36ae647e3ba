"""The only package module that imports Streamlit: cached loaders, language, the page list."""

from __future__ import annotations

import html
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from .. import geo, i18n, offline
from ..settings import DATASET_PATH
from ..text import markdown_text

if TYPE_CHECKING:
    # Imported where used: `python -m xiancheng.ui.serve` imports this package before the
    # server starts, and building the dataset's pydantic models (~0.1 s of CPU) would delay
    # the server's first answer; the warm-up imports them while the browser loads.
    from ..dataset import Dataset


# Errors a page did not expect are logged here with their traceback (the page shows a calm
# message with the same reference instead); tests watch this logger.
PAGE_ERRORS = logging.getLogger("xiancheng.ui.page_errors")

# Set by ui.serve: a background thread is filling the process caches; loaders wait for it
# rather than doing the same work twice.
WARMING = threading.Event()
WARMED = threading.Event()
# Set when a page has run for the first time in this process: ui.serve then warms up what
# the other pages need, without competing with that first visitor.
PAGE_SHOWN = threading.Event()


def _await_warmup() -> None:
    if WARMING.is_set():
        WARMED.wait(timeout=120)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    url_path: str
    default: bool = False
    admin_only: bool = False  # listed in the navigation only for a signed-in administrator
    roles: tuple[str, ...] = ()  # listed only for a signed-in user with one of these roles (empty: everyone)
    # A session's first view draws the map first, the rest once it is painted (mapview.map_pending)
    map_first: bool = False
    # The page draws a map (mapview.map_view): a first visit to it loads Leaflet and the
    # geometry early (offline.leaflet_script_tag, map_head_tags); a first visit elsewhere does not
    draws_map: bool = False

    def listed_for(self, user) -> bool:
        """Whether the navigation shows this page to user (None: not signed in). A page not
        listed still opens from its URL, where its require_role says calmly who may use it."""
        roles = ("admin",) if self.admin_only else self.roles
        return not roles or (user is not None and user.role in roles)


# The page list lives here once: app.py builds the navigation from it, the smoke test
# runs every entry.
PAGES = (
    PageSpec("pages/overview.py", "page.overview", ":material/map:", "overview", default=True, map_first=True, draws_map=True),
    PageSpec("pages/indicators.py", "page.indicators", ":material/bar_chart:", "indicators", draws_map=True),
    PageSpec("pages/county.py", "page.county", ":material/location_city:", "county"),
    PageSpec("pages/explorer.py", "page.explorer", ":material/table:", "explorer"),
    PageSpec("pages/documents.py", "page.documents", ":material/description:", "documents"),
    PageSpec("pages/present.py", "page.present", ":material/slideshow:", "present", draws_map=True),
    PageSpec("pages/reminders.py", "page.reminders", ":material/notifications:", "reminders"),
    PageSpec("pages/progress_admin.py", "page.progress_admin", ":material/link:", "progress-admin", admin_only=True),
    PageSpec("pages/manage.py", "page.manage", ":material/upload_file:", "manage", admin_only=True),
    PageSpec("pages/admin.py", "page.admin", ":material/admin_panel_settings:", "admin", admin_only=True),
    PageSpec("pages/imports.py", "page.imports", ":material/table_chart:", "imports", roles=("admin", "editor")),
)

# URL contract shared by every page (a copied link reproduces the view):
#   lang=en · county=<adcode> · city=<adcode>
#   documents page: doc=<file name> & from=<line> & to=<line>
#   county page: county=<adcode>; explorer: its filters; indicators: indicator, year, method, k


def lang() -> str:
    """The UI language, kept in the URL (?lang=en) so a shared link keeps it.

    Read from the URL once per script run: every t() asks (over 2,000 times on the reminders
    page), and each st.query_params read costs ~0.1 ms. The run's cursors dict is new at
    every run (ScriptRunContext.reset), so the value is re-read at the next run; a language
    change always goes through language_toggle, which starts a new run at once.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    run = getattr(ctx, "cursors", None)
    cached = getattr(ctx, _LANG_OF_RUN, None)
    if run is not None and cached is not None and cached[0] is run:
        return cached[1]
    value = st.query_params.get("lang", i18n.DEFAULT_LANGUAGE)
    value = value if value in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    if run is not None:
        setattr(ctx, _LANG_OF_RUN, (run, value))
    return value


_LANG_OF_RUN = "_xiancheng_lang"  # (the run's cursors dict, its language) on the ScriptRunContext


def t(key: str, **values) -> str:
    return i18n.t(key, lang(), **values)


def language_toggle() -> None:
    english = st.sidebar.toggle("English", value=lang() == "en", key="lang_toggle")
    wanted = "en" if english else "zh"
    if wanted != lang():
        if wanted == i18n.DEFAULT_LANGUAGE:
            del st.query_params["lang"]
        else:
            st.query_params["lang"] = wanted
        st.rerun()


@st.cache_resource(show_spinner=False)
def static_assets() -> str:
    """Copy Leaflet into ./static once per server process."""
    return str(offline.install_static_assets())


@st.cache_resource(show_spinner=False)
def counties() -> dict[str, geo.County]:
    return geo.counties()


def _manifest_stamp() -> tuple[int, int] | None:
    """When and how big plans/manifest.yaml is: it changes with every plan added (here, in
    another app process or with the CLI) and with every hand edit."""
    from .. import settings

    try:
        info = (settings.PLANS_DIR / "manifest.yaml").stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


@st.cache_resource(show_spinner=False)
def _loaded_dataset() -> tuple[tuple[int, int] | None, Dataset]:
    _await_warmup()
    stamp = _manifest_stamp()
    try:
        from ..ingest.pipeline import load_or_build
    except ImportError:  # ingestion not installed yet: an empty dataset, shown as empty
        from ..dataset import Dataset

        return stamp, Dataset()
    return stamp, load_or_build(DATASET_PATH)


def dataset() -> Dataset:
    """The built dataset, read once per server process (records are frozen: never mutated),
    and again when the manifest changed (one stat per call), so a plan added anywhere shows
    on the next rerun with no restart."""
    stamp, data = _loaded_dataset()
    if stamp != _manifest_stamp():
        refresh_dataset()
        stamp, data = _loaded_dataset()
    return data


def page_spec(page) -> PageSpec:
    """The PAGES entry of an st.Page built from it (the default page's url_path is "")."""
    return next((spec for spec in PAGES if spec.url_path == page.url_path), next(spec for spec in PAGES if spec.default))


def requested_page(pages):
    """The page st.navigation(pages) will choose in this run, told before it is called (so
    app.py can decide where the navigation goes); Streamlit's rules (PagesManager): the page
    a link or switch asked for by its script hash, else the one the URL's path names, else
    (no name, or one no page has: Streamlit then shows the default page with a "not found"
    notice) the default page. None when it cannot be told: no script run, or a Streamlit
    whose PagesManager differs (the caller then treats the page as unknown)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    manager = getattr(ctx, "pages_manager", None)
    try:
        wanted_hash, wanted_name = manager.intended_page_script_hash, manager.intended_page_name
        default = next(page for page in pages if page._default)
        if wanted_hash:
            return next((page for page in pages if page._script_hash == wanted_hash), default)
        if wanted_name:
            return next((page for page in pages if page.url_path == wanted_name), default)
        return default
    except (AttributeError, StopIteration):
        return None


def run_page(page) -> None:
    """Run the page chosen by st.navigation inside the error boundary: an error the page did
    not expect never shows a traceback or server paths; the user reads a calm message with a
    reference, and the log gets the details under that reference."""
    try:
        page.run()
        PAGE_SHOWN.set()
    except Exception:  # st.stop / st.rerun / switch_page are not Exceptions: they pass through
        reference = uuid.uuid4().hex[:8]
        name = page.url_path or next(p.url_path for p in PAGES if p.default)  # the default page has ""
        PAGE_ERRORS.exception("page %s failed (error %s); URL parameters %s", name, reference, dict(st.query_params))
        st.error(t("page_error", ref=reference), icon=":material/error:")


@st.cache_resource(show_spinner=False, max_entries=2)
def _imported_snapshot(url: str, data_version: int):
    from .. import imported
    from ..store import open_store

    return imported.snapshot(open_store(url))


def imported_snapshot():
    """The store's current imports (xiancheng.imported.Snapshot), read again when any process writes."""
    from .. import imported
    from ..store import StoreError
    from . import auth

    try:
        workspace = auth.workspace()
        return _imported_snapshot(workspace.url, workspace.data_version())
    except (StoreError, Exception) as error:  # no database: the plans alone, as before imports existed
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return imported.Snapshot()


@st.cache_resource(show_spinner=False, max_entries=2)
def _dataset_with(url: str, versions: tuple, _snapshot) -> Dataset:
    from .. import imported

    extra = imported.classifications(_snapshot)
    base = dataset()
    return base.model_copy(update={"classifications": [*base.classifications, *extra]}) if extra else base


def dataset_with_imports() -> Dataset:
    """The plans' dataset plus the type statements of imported classification lists."""
    from . import auth

    snap = imported_snapshot()
    if not snap.values:
        return dataset()
    return _dataset_with(auth.workspace().url, tuple(sorted((k, b.version) for k, b in snap.batches.items())), snap)


def refresh_dataset() -> None:
    """Forget the dataset and everything cached from it (after a plan was added): the next
    reader of this process gets the new build, with no restart."""
    for cached in (_loaded_dataset, record_table, record_options, document_lines, _dataset_with):
        cached.clear()
    from . import mapview, widgets

    widgets.clear_export_caches()
    mapview.clear()


def page_url(url_path: str, **params) -> str:
    """A relative link to a page with query parameters (keeps the language)."""
    from urllib.parse import urlencode

    if lang() != i18n.DEFAULT_LANGUAGE:
        params.setdefault("lang", lang())
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"/{url_path}" + (f"?{urlencode(clean)}" if clean else "")


def citation_label(citation) -> str:
    """'运城市…行动方案 第59–59行' style label of a citation (short document title)."""
    from .. import imported

    batch = imported.parse_citation(citation.document)
    if batch is not None:  # an imported table: its file and sheet row
        file_name = citation.quote.split(" · ")[0] if " · " in citation.quote else batch[0]
        return t("imports.source_link", file=file_name, row=citation.line_start)
    # The dataset as loaded (no manifest stat): the page's own dataset() call at its top
    # already re-checked the manifest this run; a stat per link cost ~1 ms each on a county page.
    doc = _loaded_dataset()[1].documents_by_name.get(citation.document)
    name = short_title(doc.title) if doc else citation.document
    if citation.line_start == citation.line_end:
        return t("source_link_one", doc=name, line=citation.line_start)
    return t("source_link", doc=name, start=citation.line_start, end=citation.line_end)


def short_title(title: str, limit: int = 14) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def citation_url(citation) -> str:
    """The documents page opened at the cited lines (an import's page for an imported value)."""
    from .. import imported

    batch = imported.parse_citation(citation.document)
    if batch is not None:
        return page_url("imports", batch=batch[0], version=batch[1], row=citation.line_start)
    return page_url("documents", doc=citation.document, **{"from": citation.line_start, "to": citation.line_end})


def source_link(citation) -> str:
    """Markdown link that opens the cited lines in context on the documents page."""
    return f"[{md_quote(citation_label(citation))}]({citation_url(citation)})"


def escape(text: str) -> str:
    """For HTML we write ourselves: document text never becomes markup."""
    return html.escape(str(text))


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A small Markdown table (cells quoted); numbers right-aligned."""
    def cell(value) -> str:
        return md_quote(value).replace("  \n", " ")

    align = ["---:" if rows and isinstance(rows[0][i], (int, float)) else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(map(cell, header)) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def md_quote(text: str) -> str:
    """Document, manifest or URL text for st.markdown (and info/warning/error/caption/metric
    labels), shown literally: no markup, links, autolinks, images, math or HTML; line breaks kept."""
    return markdown_text(text).replace("\n", "  \n")


# City and county travel with the user: the sidebar's page links drop the URL's parameters,
# so the last city and county a page wrote are kept for the session and put back
# (restore_shared) when the next page's URL has none. An explicit URL always wins.
SHARED_PARAMS = ("city", "county")


def _shared_key(name: str) -> str:
    return f"_shared_{name}"


def restore_shared() -> None:
    """Before a page runs: a city/county chosen on another page, when this URL names none."""
    for name in SHARED_PARAMS:
        remembered = st.session_state.get(_shared_key(name))
        if remembered and name not in st.query_params:
            st.query_params[name] = remembered


def forget_shared(name: str) -> None:
    st.session_state.pop(_shared_key(name), None)


def query_param(name: str, allowed=None, default: str | None = None) -> str | None:
    """A URL parameter, or default when absent or not one of allowed."""
    value = st.query_params.get(name)
    if value is None or (allowed is not None and value not in allowed):
        return default
    return value


def set_query_param(name: str, value: str | None) -> None:
    if name in SHARED_PARAMS:
        st.session_state[_shared_key(name)] = value or None
    if value in (None, ""):
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


# --- deep links: a fresh server must run app.py (st.navigation) for /explorer?..., not the
# file of that name. Streamlit decides once per process, on the first session, whether a
# pages/ folder means the old pages-directory mode; until some session has opened "/", a
# copied link to /explorer ran pages/explorer.py alone (no language toggle, no page
# config). ui.serve imports this package before the server starts, so the flag is set first.
try:
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
except (ImportError, AttributeError):  # another Streamlit version: nothing to correct
    pass


# --- explorer and documents pages: the record table and document text, once per process.
# cache_resource (not cache_data): these are read-only and a copy per rerun would cost more
# than the page itself.


@st.cache_resource(show_spinner=False)
def record_table(language: str):
    """Every task and project as one filterable table (xiancheng.tables), per language."""
    from .. import tables

    return tables.build_table(dataset(), language)


@st.cache_resource(show_spinner=False)
def record_options():
    """The values each explorer filter offers (language-neutral keys)."""
    from .. import tables

    return tables.filter_options(record_table(i18n.DEFAULT_LANGUAGE))


def original_file(name: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of the original a loaded document was converted from (a .docx,
    .pdf or GBK text), or None. Only paths the validated manifest gives, inside plans/."""
    from .. import settings

    document = dataset().documents_by_name.get(name)
    if document is None or not document.original:
        return None
    root = settings.PLANS_DIR.resolve()
    path = (root / document.original).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path.name, path.read_bytes()


@st.cache_resource(show_spinner=False, max_entries=32)
def document_lines(name: str) -> tuple[str, ...] | None:
    """The lines of a loaded document, numbered as cited; None for a name not loaded."""
    from .. import tables
    from ..settings import PLANS_DIR

    if name not in dataset().documents_by_name:  # only loaded files: never a path from the URL
        return None
    return tables.read_lines(PLANS_DIR / name)


@st.cache_data(show_spinner=False, max_entries=4)
def store_accounts(data_version: int) -> list[dict]:
    """Every account (current version), keyed by the store's data version so a write in any
    app process shows here on the next run, with no cache turned off."""
    from .auth import workspace

    return [
        {"username": u.username, "display_name": u.display_name, "role": u.role, "units": "、".join(u.units),
         "areas": "、".join(u.areas), "version": u.version}
        for u in workspace().users(include_retired=False)
    ]


def download_button(label: str, make, **options) -> None:
    """A download made on click, with a message in the page if making it fails (ui.downloads)."""
    from .downloads import download_button as guarded_button

    guarded_button(label, make, **options)
