"""任务与项目 · Tasks and projects: one filterable table over every document, with exports."""

import pandas as pd
import streamlit as st

from xiancheng import tables, ui
from xiancheng.ui import progress as progress_ui
from xiancheng.ui import widgets

t = ui.t
lang = ui.lang()
data = ui.dataset()
table = ui.record_table(lang)
options = ui.record_options()
documents = data.documents_by_name

st.title(t("page.explorer"))
st.caption(t("explorer.caption"))
if not len(table):
    st.info(t("explorer.no_data") if data.documents else t("empty_reason.no_documents"))
    st.stop()

# State lives in the URL: read it, check it against what the data offers, draw the widgets
# from it, and write back what the widgets say.
wanted = tables.Filters.from_params(st.query_params).valid(options)


def pick(name: str, values, current, help_key: str | None = None):
    choices = [""] + [str(v) for v in values]
    current = "" if current in (None, "") else str(current)
    return st.sidebar.selectbox(
        t(f"explorer.filter.{name}"), choices, index=choices.index(current) if current in choices else 0,
        format_func=lambda v: tables.filter_value_label(name, int(v) if name == "year" and v else v, lang, documents),
        key=f"explorer_{name}", help=t(help_key) if help_key else None,
    )


def clear_filters() -> None:
    for name in tables.Filters.PARAMS:
        st.session_state.pop(f"explorer_{name}", None)
    for param in tables.Filters.PARAMS.values():
        if param in st.query_params:
            del st.query_params[param]
        if param in ui.SHARED_PARAMS:
            ui.forget_shared(param)


st.sidebar.subheader(t("explorer.filters"))
kind = pick("kind", tables.KINDS, wanted.kind)
city = pick("city", options.cities, wanted.city)
county = pick("county", options.counties_of(city), wanted.county, "explorer.help.county")
county_type = pick("type", options.types, wanted.type, "explorer.help.type")
action = pick("action", options.actions, wanted.action)
unit = pick("unit", options.units, wanted.unit, "explorer.help.unit")
year = pick("year", options.years, wanted.year, "explorer.help.year")
document = pick("document", options.documents, wanted.document)
query = st.text_input(
    t("explorer.filter.query"), value=wanted.query, key="explorer_query",
    placeholder=t("explorer.search_placeholder"),
)
chosen = tables.Filters(
    kind=kind, city=city, county=county, type=county_type, action=action, unit=unit,
    year=int(year) if year else None, document=document, query=query.strip(),
).valid(options)
params = chosen.to_params()
for param in tables.Filters.PARAMS.values():
    ui.set_query_param(param, params.get(param))
st.sidebar.button(t("explorer.reset"), on_click=clear_filters, disabled=chosen.is_empty(), icon=":material/filter_alt_off:")

rows = tables.apply_filters(table, chosen)
n = tables.counts(rows)
tasks_col, projects_col, money_col = st.columns(3)
tasks_col.metric(t("explorer.count_tasks"), n.tasks)
projects_col.metric(t("explorer.count_projects"), n.projects)
money_col.metric(
    t("explorer.count_investment"),
    f"{n.investment_yi:,.2f}" if n.priced_projects else t("explorer.no_investment"),
    help=t("explorer.count_investment_help", priced=n.priced_projects, unpriced=n.projects - n.priced_projects),
)

if rows.empty:
    described = tables.describe_filters(chosen, lang, documents)
    st.info(t("explorer.empty") + " " + t("explorer.empty_reason", filters="；".join(f"{k}：{ui.md_quote(v)}" for k, v in described.items())))
    st.stop()

column = st.column_config
view = rows[["kind_label", "title", "text", "counties", "action", "units_text", "years_text", "investment_yi", "source", "source_url"]].copy()
# The grid shows an empty cell as a grey "None": say 未列明 for a project without an amount
# (tasks have none to state: "—").
view["investment_yi"] = [
    f"{value:,.2f}" if pd.notna(value) else (t("not_listed") if kind == "project" else "—")
    for value, kind in zip(rows["investment_yi"], rows["kind"])
]
view = view.fillna("—")
# Rows taller than Streamlit's 4rem let the grid wrap text (3 lines) instead of cutting it;
# the table is as tall as its rows but never taller than the window below the page head
# (widgets.COMPACT_CSS, by the table's key).
ROW_HEIGHT = 76
# On paper only the rows in view: on a 768 px high screen, the window less the 6rem (96 px)
# the CSS rule leaves, less the table's 40 px of header and border (as in its height below).
SCREEN_ROWS = (768 - 96 - 40) // ROW_HEIGHT
event = widgets.table(
    view,
    name="explorer",
    whole_elsewhere=t("explorer.whole_at"),
    screen_rows=SCREEN_ROWS,
    hide_index=True,
    width="stretch",
    height=ROW_HEIGHT * min(len(view), 200) + 40,
    row_height=ROW_HEIGHT,
    on_select="rerun",
    selection_mode="single-row",
    key="explorer_table",
    column_config={
        "kind_label": column.TextColumn(t("explorer.col.kind"), width="small"),
        "title": column.TextColumn(t("explorer.col.title"), width="medium"),
        "text": column.TextColumn(t("explorer.col.text"), width="large"),
        "counties": column.TextColumn(t("explorer.col.counties"), width="small"),
        "action": column.TextColumn(t("explorer.col.action"), width="small"),
        "units_text": column.TextColumn(t("explorer.col.units"), width="medium"),
        "years_text": column.TextColumn(t("explorer.col.years"), width="small"),
        "investment_yi": column.TextColumn(t("explorer.col.investment"), width="small"),
        "source": column.TextColumn(t("explorer.col.source"), width="medium"),
        "source_url": column.LinkColumn(t("explorer.col.open"), display_text=t("explorer.open"), width=96),
    },
)

selected = event.selection.rows if event and event.selection else []
with st.container(border=True):
    if selected:
        row = rows.iloc[selected[0]]
        record = table.records[rows.index[selected[0]]]
        st.markdown(f"**{tables.markdown_escape(row['title'] or row['kind_label'])}** · {row['kind_label']} · {tables.markdown_escape(row['action'])}")
        st.text(row["text"])
        facts = [
            (t("explorer.col.units"), row["units_text"]),
            (t("explorer.detail_counties"), row["county_names"] or row["counties"]),
            (t("explorer.col.years"), row["years_text"]),
            (t("explorer.col.investment"), row["investment_text"]),
            (t("explorer.detail_heading"), row["action_heading"]),
        ]
        st.markdown("  \n".join(f"**{label}**：{tables.markdown_escape(value)}" for label, value in facts if value))
        st.markdown(f"**{t('source')}**：{ui.source_link(record.citation)}")
    else:
        st.caption(t("explorer.detail_hint"))

# Progress on the filtered items: status and reporting for editors in scope (issue 14).
with st.expander(t("progress.section"), icon=":material/task_alt:", expanded=progress_ui.expanded()):
    progress_ui.section(progress_ui.items_of_rows(table, rows), key="explorer_progress", heading=False)

# Exports are built only when a button is clicked (deferred), from exactly these rows.
st.caption(t("explorer.download_note", tasks=n.tasks, projects=n.projects))
xlsx_col, tasks_csv_col, projects_csv_col = st.columns(3)
with xlsx_col:
    ui.download_button(
        t("explorer.download_xlsx"), lambda: tables.export_xlsx(table, rows, chosen, data, lang),
        file_name=tables.export_file_name(chosen, "xlsx", documents=documents), key="explorer_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
    )
with tasks_csv_col:
    ui.download_button(
        t("explorer.download_tasks_csv"), lambda: tables.export_csv(table, rows, "task", data, lang),
        file_name=tables.export_file_name(chosen, "tasks.csv", documents=documents), key="explorer_tasks_csv",
        mime="text/csv", disabled=not n.tasks,
    )
with projects_csv_col:
    ui.download_button(
        t("explorer.download_projects_csv"), lambda: tables.export_csv(table, rows, "project", data, lang),
        file_name=tables.export_file_name(chosen, "projects.csv", documents=documents), key="explorer_projects_csv",
        mime="text/csv", disabled=not n.projects,
    )
