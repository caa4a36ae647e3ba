"""县域详情 · County profile: types, positioning, targets, tasks, projects, towns, with sources."""

import pandas as pd
import streamlit as st

from xiancheng import geo, palette, queries, ui
from xiancheng.dataset import ACTION_KEYS
from xiancheng.ui import importview
from xiancheng.ui import progress as progress_ui
from xiancheng.ui import widgets

t = ui.t
LOCATOR_WIDTH = 110  # px: the thumbnail is made at this width, so Streamlit sends it unchanged
data = ui.dataset_with_imports()
counties = ui.counties()

options = sorted(counties, key=lambda a: (counties[a].city_adcode, a))
selected = ui.query_param("county", allowed=counties)
selected = st.selectbox(
    t("county.search"), options, index=options.index(selected) if selected else None,
    format_func=lambda a: f"{counties[a].name} · {counties[a].city_name}",
    placeholder=t("county.search_placeholder"), key="county_search",
)
ui.set_query_param("county", selected)
if not selected:
    st.title(t("page.county"))
    st.info(t("county.pick_hint"))
    st.stop()


def target_chart(points: list[tuple[int, float]], name: str):
    """One indicator over the years, on a time axis: 2024, 2025, 2027 are spaced as years are."""
    import altair as alt

    years = [year for year, _ in points]
    frame = pd.DataFrame({"year": years, "value": [value for _, value in points]})
    return alt.Chart(frame, height=220).mark_line(point=True).encode(
        x=alt.X("year:Q", title=None, scale=alt.Scale(domain=[min(years), max(years)], nice=False),
                axis=alt.Axis(format="d", values=years)),
        y=alt.Y("value:Q", title=name),
        tooltip=[alt.Tooltip("year:Q", format="d", title=t("col.year")), alt.Tooltip("value:Q", title=name)],
    )


def wider_targets(targets, name: str) -> None:
    """A wider plan's targets (the city's, the province's): indicator, year, value, unit, source."""
    widgets.table(
        pd.DataFrame(
            {
                t("col.indicator"): [x.indicator for x in targets],
                t("col.year"): [str(x.year) if x.year else t("not_listed") for x in targets],
                t("col.value_text"): [x.value_text for x in targets],
                t("col.unit"): [x.unit for x in targets],
                t("col.source"): [ui.citation_url(x.citation) for x in targets],
            }
        ),
        name=name, hide_index=True, width="stretch",
        column_config={t("col.source"): st.column_config.LinkColumn(display_text=t("source"))},
    )


profile = queries.county_profile(data, selected)
county = profile.county
own_tasks, city_tasks = queries.own_and_city_wide(profile.tasks, selected)
own_projects, city_projects = queries.own_and_city_wide(profile.projects, selected)
head, locator = st.columns([5, 1])
with head:
    st.title(county.name)
    st.caption(f"{county.city_name} · {t('kind.' + county.kind)} · {t('adcode')} {county.adcode}")
with locator:  # the one-pager's locator map: where the county lies in the province
    st.image(widgets.locator_thumbnail(selected, LOCATOR_WIDTH), caption=t("county.locator", city=county.city_name),
             width=LOCATOR_WIDTH, output_format="PNG")

with st.expander(t("export.section"), icon=":material/download:", key="county-export-open"):
    sources = [d.title for d in (*profile.own_documents, *profile.city_documents)]
    widgets.download_row(
        widgets.county_downloads(selected, county.name, profile.tasks, profile.projects, sources), key="county-export"
    )

titles = lambda docs: "、".join(f"《{ui.md_quote(d.title)}》" for d in docs)  # noqa: E731
if profile.own_documents:
    st.markdown(t("county.own_plan", titles=titles(profile.own_documents)))
elif profile.city_documents:
    st.info(t("county.no_own_plan", name=county.name, titles=titles(profile.city_documents)))
else:
    st.info(t("county.no_plan_at_all", name=county.name, city=county.city_name))

# --- types, each statement quoted with its source
st.subheader(t("county.types"))
if profile.types.types:
    chips = " ".join(
        f'<span style="background:{palette.TYPE_COLOURS[k]};color:#fff;padding:2px 10px;border-radius:10px;'
        f'margin-right:6px">{ui.escape(t("type." + k))}</span>'
        for k in profile.types.types
    )
    st.markdown(chips, unsafe_allow_html=True)
    if profile.disagreement:
        st.warning(t("county.disagreement"))
    for statement in profile.types.statements:
        kind = t(f"county.statement_kind.{statement.statement_kind}") if statement.statement_kind else ""
        st.markdown(
            f"- **{t('type.' + statement.type)}** ({kind}): “{ui.md_quote(statement.citation.quote)}” — {ui.source_link(statement.citation)}"
        )
elif profile.types.status == queries.MUNICIPAL_DISTRICT:
    st.caption(t("county.district_note"))
else:
    st.caption(t("county.types_none"))

# --- positioning
st.subheader(t("county.positioning"))
if profile.positionings:
    for item in profile.positionings:
        st.markdown(f"> {ui.md_quote(item.text)}\n>\n> — {ui.source_link(item.citation)}")
else:
    st.caption(t("county.positioning_none"))

# --- targets: table and a small chart of one indicator over the years
st.subheader(t("county.targets"))
if profile.targets:
    frame = pd.DataFrame(
        {
            t("col.indicator"): [x.indicator for x in profile.targets],
            t("col.year"): [str(x.year) if x.year else t("not_listed") for x in profile.targets],
            t("col.kind"): [t("target_kind." + x.kind) for x in profile.targets],
            t("col.value"): [x.value for x in profile.targets],
            t("col.unit"): [x.unit for x in profile.targets],
            t("col.value_text"): [x.value_text for x in profile.targets],
            t("col.source"): [ui.citation_url(x.citation) for x in profile.targets],
        }
    )
    widgets.table(
        frame, name="targets", hide_index=True, width="stretch",
        column_config={
            t("col.source"): st.column_config.LinkColumn(display_text=t("source")),
        },
    )
    series = queries.target_series(profile.targets)
    if series:
        st.markdown(f"**{t('county.target_chart')}**")
        name = st.selectbox(t("col.indicator"), list(series), key="target_chart", label_visibility="collapsed")
        points = series[name]
        st.altair_chart(target_chart(points, name), width="stretch")
else:
    st.caption(t("county.targets_none"))
if profile.city_targets:
    with st.expander(t("county.city_targets", city=county.city_name, n=len(profile.city_targets))):
        wider_targets(profile.city_targets, "city-targets")

# --- imported statistics, compared with the city, the province and same-type counties
importview.county_section(data, selected)

progress_snap = progress_ui.snapshot()


# --- tasks grouped by canonical action: the county's own plan first, then the wider plans
# that apply to it, marked as such (a city plan's 70 tasks are not the county's own).
def task_groups(tasks, marker: str = "") -> None:
    groups = queries.group_by_action(tasks)
    for key in [*ACTION_KEYS, None]:
        group = groups.get(key)
        if not group:
            continue
        blocks = []
        for task in group:
            title = task.title or task.heading or ""
            lines = [f"**{ui.md_quote(title)}**" if title and not task.text.startswith(title) else ""]
            lines.append(ui.md_quote(task.text))
            meta = []
            if task.responsible_units:
                meta.append(f"{t('county.units')}：{'、'.join(task.responsible_units)}")
            if task.years:
                meta.append(f"{t('county.years')}：{'、'.join(str(y) for y in task.years)}")
            if progress_line := progress_ui.meta(progress_snap, "task", task):
                meta.append(progress_line)
            lines.append(" · ".join([*map(ui.md_quote, meta), ui.source_link(task.citation)]))
            blocks.append("  \n".join(x for x in lines if x))
        # One Markdown element per group, tasks ruled off inside it: an element (and a
        # websocket message) per task and per divider cost ~40 ms of each rerun.
        with st.expander(f"{marker}{t('action.' + (key or 'none'))} · {len(group)}"):
            st.markdown("\n\n---\n\n".join(blocks))


def scope_name(records) -> str:
    return "、".join(dict.fromkeys(geo.place_name(r.scope_adcode) for r in records))


st.subheader(t("county.tasks_split", own=len(own_tasks), shared=len(city_tasks)))
if not profile.tasks:
    st.caption(t("county.tasks_none"))
elif not own_tasks:
    st.caption(t("county.tasks_none_own"))
task_groups(own_tasks)
if city_tasks:
    st.markdown(f"**{t('county.city_wide_tasks', scope=scope_name(city_tasks), n=len(city_tasks))}**")
    task_groups(city_tasks, marker=t("county.city_wide_marker"))

# --- projects: own first, then city-wide; an unpriced project says so
def project_table(projects, name: str) -> None:
    projects = sorted(projects, key=lambda p: -(p.investment_yi if p.investment_yi is not None else -1))
    widgets.table(
        pd.DataFrame(
            {
                t("col.project"): [p.name for p in projects],
                t("col.investment"): [f"{p.investment_yi:,.2f}" if p.investment_yi is not None else (p.investment_text or t("not_listed")) for p in projects],
                t("col.units"): ["、".join(p.responsible_units) or t("not_listed") for p in projects],
                t("progress.col.status"): [progress_ui.meta(progress_snap, "project", p) for p in projects],
                t("col.source"): [ui.citation_url(p.citation) for p in projects],
            }
        ),
        name=name, whole_elsewhere=t("county.projects_whole_at"), hide_index=True, width="stretch",
        column_config={t("col.source"): st.column_config.LinkColumn(display_text=t("source"))},
    )


st.subheader(t("county.projects_split", own=len(own_projects), shared=len(city_projects)))
if own_projects:
    project_table(own_projects, "projects")
elif not profile.projects:
    st.caption(t("county.projects_none"))
else:
    st.caption(t("county.projects_none_own"))
if city_projects:
    st.markdown(f"**{t('county.city_wide_projects', scope=scope_name(city_projects), n=len(city_projects))}**")
    project_table(city_projects, "city-projects")

# --- progress: status per item, and reporting for editors in scope (issue 14)
progress_ui.section(progress_snap.place_items(selected), key="county_progress")

# --- towns
st.subheader(t("county.towns"))
if profile.towns:
    for town in profile.towns:
        st.markdown(f"- {ui.md_quote(town.name)} · {t('town.' + town.kind)} — {ui.source_link(town.citation)}")
else:
    st.caption(t("county.towns_none"))

# --- province plans (晋政发 …): set for Shanxi as a whole, shown here as 省级, never as this county's own
if profile.province_documents:
    st.subheader(t("county.province"))
    st.caption(t("county.province_note", titles=titles(profile.province_documents)))
    if profile.province_targets:
        with st.expander(t("county.province_targets", n=len(profile.province_targets))):
            wider_targets(profile.province_targets, "province-targets")
    if profile.province_tasks:
        with st.expander(t("county.province_tasks", n=len(profile.province_tasks))):
            for task in profile.province_tasks:
                st.markdown(f"{ui.md_quote(task.text)}  \n{ui.source_link(task.citation)}")

st.caption(t("source_boundaries") + " · " + geo.full_name(selected))
