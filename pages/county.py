"""县域详情 · County profile: types, positioning, targets, tasks, projects, towns, with sources."""

import pandas as pd
import streamlit as st

from xiancheng import geo, palette, queries, ui
from xiancheng.dataset import ACTION_KEYS
from xiancheng.ui import importview, widgets

t = ui.t
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

profile = queries.county_profile(data, selected)
county = profile.county
st.title(county.name)
st.caption(f"{county.city_name} · {t('kind.' + county.kind)} · {t('adcode')} {county.adcode}")

with st.expander(t("export.section"), icon=":material/download:"):
    sources = [d.title for d in (*profile.own_documents, *profile.city_documents)]
    widgets.download_row(
        widgets.county_downloads(selected, county.name, profile.tasks, profile.projects, sources), key="county-export"
    )

titles = lambda docs: "、".join(f"《{d.title}》" for d in docs)  # noqa: E731
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
            t("col.year"): [x.year for x in profile.targets],
            t("col.kind"): [t("target_kind." + x.kind) for x in profile.targets],
            t("col.value"): [x.value for x in profile.targets],
            t("col.unit"): [x.unit for x in profile.targets],
            t("col.value_text"): [x.value_text for x in profile.targets],
            t("col.source"): [ui.citation_url(x.citation) for x in profile.targets],
        }
    )
    st.dataframe(
        frame, hide_index=True, width="stretch",
        column_config={
            t("col.year"): st.column_config.NumberColumn(format="%d"),
            t("col.source"): st.column_config.LinkColumn(display_text=t("source")),
        },
    )
    series = queries.target_series(profile.targets)
    if series:
        st.markdown(f"**{t('county.target_chart')}**")
        name = st.selectbox(t("col.indicator"), list(series), key="target_chart", label_visibility="collapsed")
        points = series[name]
        st.line_chart(pd.DataFrame({"year": [str(p[0]) for p in points], name: [p[1] for p in points]}).set_index("year"), height=220)
else:
    st.caption(t("county.targets_none"))
if profile.city_targets:
    with st.expander(t("county.city_targets", city=county.city_name, n=len(profile.city_targets))):
        st.dataframe(
            pd.DataFrame(
                {
                    t("col.indicator"): [x.indicator for x in profile.city_targets],
                    t("col.year"): [x.year for x in profile.city_targets],
                    t("col.value_text"): [x.value_text for x in profile.city_targets],
                    t("col.unit"): [x.unit for x in profile.city_targets],
                    t("col.source"): [ui.citation_url(x.citation) for x in profile.city_targets],
                }
            ),
            hide_index=True, width="stretch",
            column_config={
                t("col.year"): st.column_config.NumberColumn(format="%d"),
                t("col.source"): st.column_config.LinkColumn(display_text=t("source")),
            },
        )

# --- imported statistics, compared with the city, the province and same-type counties
importview.county_section(data, selected)

# --- tasks grouped by canonical action
st.subheader(t("county.tasks", n=len(profile.tasks)))
if not profile.tasks:
    st.caption(t("county.tasks_none"))
groups = queries.group_by_action(profile.tasks)
for key in [*ACTION_KEYS, None]:
    tasks = groups.get(key)
    if not tasks:
        continue
    with st.expander(f"{t('action.' + (key or 'none'))} · {len(tasks)}"):
        for task in tasks:
            title = task.title or task.heading or ""
            lines = [f"**{ui.md_quote(title)}**" if title and not task.text.startswith(title) else ""]
            lines.append(ui.md_quote(task.text))
            meta = []
            if task.responsible_units:
                meta.append(f"{t('county.units')}：{'、'.join(task.responsible_units)}")
            if task.years:
                meta.append(f"{t('county.years')}：{'、'.join(str(y) for y in task.years)}")
            if task.scope_adcode != selected and len(task.adcodes) > 1:
                meta.append(t("county.applies_city_wide"))
            lines.append(" · ".join([*map(ui.md_quote, meta), ui.source_link(task.citation)]))
            st.markdown("  \n".join(x for x in lines if x))
            st.divider()

# --- projects
st.subheader(t("county.projects", n=len(profile.projects)))
if profile.projects:
    projects = sorted(profile.projects, key=lambda p: -(p.investment_yi or -1))
    st.dataframe(
        pd.DataFrame(
            {
                t("col.project"): [p.name for p in projects],
                t("col.investment"): [p.investment_yi for p in projects],
                t("col.units"): ["、".join(p.responsible_units) for p in projects],
                t("col.source"): [ui.citation_url(p.citation) for p in projects],
            }
        ),
        hide_index=True, width="stretch",
        column_config={t("col.source"): st.column_config.LinkColumn(display_text=t("source"))},
    )
else:
    st.caption(t("county.projects_none"))

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
            st.dataframe(
                pd.DataFrame(
                    {
                        t("col.indicator"): [x.indicator for x in profile.province_targets],
                        t("col.year"): [x.year for x in profile.province_targets],
                        t("col.value_text"): [x.value_text for x in profile.province_targets],
                        t("col.unit"): [x.unit for x in profile.province_targets],
                        t("col.source"): [ui.citation_url(x.citation) for x in profile.province_targets],
                    }
                ),
                hide_index=True, width="stretch",
                column_config={
                    t("col.year"): st.column_config.NumberColumn(format="%d"),
                    t("col.source"): st.column_config.LinkColumn(display_text=t("source")),
                },
            )
    if profile.province_tasks:
        with st.expander(t("county.province_tasks", n=len(profile.province_tasks))):
            for task in profile.province_tasks:
                st.markdown(f"{ui.md_quote(task.text)}  \n{ui.source_link(task.citation)}")

st.caption(t("source_boundaries") + " · " + geo.full_name(selected))
