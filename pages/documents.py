"""文件 · Documents: the loaded plans with what was read from each, and a line-numbered reader."""

import streamlit as st
import streamlit.components.v1 as components

from xiancheng import problem_text, tables, ui
from xiancheng.ui import widgets

t = ui.t
lang = ui.lang()
data = ui.dataset()

st.title(t("page.documents"))
st.caption(t("documents.caption"))
widgets.problems_banner()
if not data.documents:
    st.info(t("documents.none"))
    st.stop()

# --- the reader: which document and which lines come from the URL (?doc=&from=&to=)
names = [d.document for d in data.documents]
requested = st.query_params.get("doc")
if requested and requested not in names:
    st.warning(t("documents.unknown_doc", doc=ui.md_quote(requested)))
current = requested if requested in names else names[0]


def doc_option(name: str) -> str:
    document = data.documents_by_name[name]
    return f"{tables.document_short_name(document, name, lang)} · {' '.join(document.title.split())}"


name = st.selectbox(t("documents.choose"), names, index=names.index(current), format_func=doc_option, key="documents_doc")
if name != current:  # another document chosen: the old line range belongs to the old one
    for param in ("from", "to"):
        ui.set_query_param(param, None)
ui.set_query_param("doc", name if (requested or name != names[0]) else None)


def line_param(param: str) -> int | None:
    return tables.url_number(st.query_params.get(param), 0, tables.MAX_LINE_NUMBER)


document = data.documents_by_name[name]
try:
    lines = ui.document_lines(name)
except OSError as error:
    st.error(t("documents.read_error", doc=ui.md_quote(name), error=ui.md_quote(error)))
    st.stop()
start, end = line_param("from"), line_param("to")
cited = tables.cited_range(len(lines), start, end)
if start is not None and cited is None:
    st.warning(t("documents.range_invalid", start=start, end=end if end is not None else start, n=len(lines)))

not_printed = t("documents.not_printed")
st.caption(t(
    "documents.meta", issuer=ui.md_quote(document.issuer or not_printed), number=ui.md_quote(document.number or not_printed),
    date=ui.md_quote(document.date or not_printed), scope=tables.filter_value_label("city", document.scope_adcode, lang)
    if document.scope_level != "county" else tables.filter_value_label("county", document.scope_adcode, lang),
    lines=len(lines),
))
if cited:
    label = t("documents.cited_one", line=cited[0]) if cited[0] == cited[1] else t("documents.cited", start=cited[0], end=cited[1])
    found = tables.records_in_range(data, name, *cited)
    if found:
        label += " · " + t("documents.cited_records", records="、".join(f"{t('documents.col.' + k)} {v}" for k, v in found.items()))
    st.markdown(f"**{label}**")

whole = st.toggle(t("documents.show_all"), key="documents_all")
first, last = (1, len(lines)) if whole else tables.reader_window(len(lines), cited)
st.caption(t("documents.window", start=first, end=last, n=len(lines)))
st.markdown(tables.document_html(lines, first, last, cited), unsafe_allow_html=True)
if cited:
    # Bring the cited lines into view (a fixed script; the document text above is escaped).
    components.html(tables.scroll_to_cited(first, last), height=0)
st.markdown(f"[{t('documents.open_explorer')}]({ui.page_url('explorer', doc=name)})")
original = ui.original_file(name)
if original is not None:  # the file the text was converted from, to cite beside it
    st.download_button(t("documents.original", name=original[0]), data=original[1], file_name=original[0],
                       key="documents_original", icon=":material/download:", on_click="ignore")

warnings = tables.warnings_of(data, name)
with st.expander(t("documents.warnings", n=len(warnings)), expanded=False):
    if warnings:
        widgets.table(
            [{"line": w.line, "severity": problem_text.severity(w.severity, lang), "code": w.code,
              "message": problem_text.describe(w, lang)} for w in warnings],
            name="warnings", hide_index=True, width="stretch",
            column_config={
                "line": st.column_config.NumberColumn(t("documents.col.line"), format="%d", width="small"),
                **{key: st.column_config.TextColumn(t(f"documents.col.{key}")) for key in ("severity", "code", "message")},
            },
        )
    else:
        st.caption(t("documents.no_warnings"))

# --- every loaded document with what was read from it
frame = tables.documents_frame(data, lang)
st.subheader(t("documents.list", n=len(frame)))
column = st.column_config
widgets.table(
    frame,
    name="documents",
    hide_index=True,
    width="stretch",
    column_order=["title", "issuer", "number", "date", "scope", "kind", "line_count", "tasks", "projects", "targets",
                  "classifications", "positionings", "towns", "warnings", "url"],
    column_config={
        **{key: column.TextColumn(t(f"documents.col.{key}")) for key in ("title", "issuer", "number", "date", "scope", "kind")},
        **{key: column.NumberColumn(t(f"documents.col.{key}"), width="small") for key in (
            "line_count", "tasks", "projects", "targets", "classifications", "positionings", "towns", "warnings")},
        "url": column.LinkColumn(t("documents.col.open"), display_text=t("documents.open"), width="small"),
    },
)
