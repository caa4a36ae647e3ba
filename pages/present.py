"""演示 · Presentation: a slideshow through a set of counties, big type, no chrome."""

import streamlit as st

from xiancheng import geo, maps, palette, queries, ui
from xiancheng.dataset import COUNTY_TYPES
from xiancheng.ui import progress as progress_ui
from xiancheng.ui import widgets
from xiancheng.ui.mapview import map_view

# First: Esc / 退出演示 leave before anything below can write the slideshow's URL again.
widgets.leave_presentation_if_asked()

t = ui.t
lang = ui.lang()
data = ui.dataset_with_imports()
all_types = queries.county_types(data)
cities = geo.cities()
widgets.apply_presentation_style()
ui.set_query_param("mode", "present")

sets = ["classified", *(f"type:{k}" for k in COUNTY_TYPES), *(f"city:{c}" for c in sorted(cities))]


def set_label(key: str) -> str:
    if key.startswith("type:"):
        return t("type." + key[5:])
    if key.startswith("city:"):
        return t("present.set.city", city=cities[key[5:]])
    return t("present.set.classified")


def members(key: str) -> list[str]:
    if key.startswith("type:"):
        return [a for a, c in all_types.items() if key[5:] in c.types]
    if key.startswith("city:"):
        return geo.counties_of_city(key[5:])
    return [a for a, c in all_types.items() if c.types]


chosen_set = ui.query_param("set", allowed=sets, default="classified")
slides = members(chosen_set)
county = ui.query_param("county", allowed=slides, default=slides[0] if slides else None)
index = slides.index(county) if county else 0


def go(step: int) -> None:
    if slides:
        st.query_params["county"] = slides[(index + step) % len(slides)]


def pick_set() -> None:
    st.query_params["set"] = st.session_state["present_set"]
    if "county" in st.query_params:
        del st.query_params["county"]


# The URL decides the set; the widget only proposes a change (through its callback).
st.session_state["present_set"] = chosen_set
bar = st.columns([3, 1.3, 0.7, 1.3, 1.9], vertical_alignment="center")
bar[0].selectbox(t("present.set"), sets, format_func=set_label, key="present_set", on_change=pick_set,
                 label_visibility="collapsed")
bar[1].button(t("present.prev"), on_click=go, args=(-1,), shortcut="Left", icon=":material/arrow_back:", width="stretch")
bar[2].markdown(f"<div style='text-align:center;font-size:1.2rem'>{t('present.position', i=index + 1 if slides else 0, n=len(slides))}</div>", unsafe_allow_html=True)
bar[3].button(t("present.next"), on_click=go, args=(1,), shortcut="Right", icon=":material/arrow_forward:", width="stretch")
bar[4].button(t("present.exit"), on_click=widgets.request_exit, shortcut="Esc", width="stretch", key="present_exit")

if not slides:
    st.info(t("present.empty"))
    st.stop()

map_col, card_col = st.columns([3, 2])
profile = queries.county_profile(data, county)
own_tasks, shared_tasks = queries.own_and_city_wide(profile.tasks, county)
own_projects, shared_projects = queries.own_and_city_wide(profile.projects, county)
with card_col:
    st.title(profile.county.name)
    st.markdown(f"#### {ui.md_quote(profile.county.city_name)} · {t('kind.' + profile.county.kind)}")
    chips = " ".join(
        f'<span style="background:{palette.TYPE_COLOURS[k]};color:#fff;padding:4px 14px;border-radius:14px;'
        f'margin-right:8px;font-size:1rem;display:inline-block;margin-bottom:4px">{ui.escape(t("type." + k))}</span>'
        for k in profile.types.types
    ) or ui.escape(t("type." + profile.types.status))
    st.markdown(chips, unsafe_allow_html=True)
    st.markdown(
        f"**{t('present.tasks')}** {t('present.own_shared', own=len(own_tasks), shared=len(shared_tasks))}  \n"
        f"**{t('present.projects')}** {t('present.own_shared', own=len(own_projects), shared=len(shared_projects))}"
    )
    targets = [x for x in profile.targets if x.kind == "target" and x.value_text][:4]
    if targets:
        st.markdown(f"**{t('present.targets', n=len(profile.targets))}**  \n" + "  \n".join(
            f"{ui.md_quote(x.indicator)}{'（' + str(x.year) + '）' if x.year else ''}：{ui.md_quote(x.value_text)}" for x in targets
        ))
    else:
        st.markdown(f"**{t('present.targets', n=len(profile.targets))}**")
    st.caption(t("present.keys"))
    # Issue 14: the county's progress (done / in progress / late, late items with departments).
    if st.toggle(t("progress.section"), key="present_progress", value=ui.query_param("slide") == "progress"):
        ui.set_query_param("slide", "progress")
        progress_ui.slide(county)
    else:
        ui.set_query_param("slide", None)

# The map last: its component is the heaviest part of a step, the card paints first.
with map_col:
    # The set's map stays in its element (key without the county): a step swaps only the
    # outline-and-zoom layer, no reload.
    # Both built once per process (set and county), the same for every presenter.
    map_view(
        lambda: maps.slide_map(all_types, lang, slides), ("slides", chosen_set, lang, queries.type_keys(all_types)),
        build_layer=lambda: maps.slide_layer(county), layer_key=("slide", county),
        key=f"present-map-{chosen_set}-{lang}", height=600, returned_objects=[],
    )
