"""演示 · Presentation: a slideshow through a set of counties, big type, no chrome."""

import streamlit as st

from xiancheng import geo, maps, palette, queries, ui
from xiancheng.dataset import COUNTY_TYPES
from xiancheng.ui import widgets
from xiancheng.ui.mapview import map_view

t = ui.t
lang = ui.lang()
data = ui.dataset()
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


def exit_presentation() -> None:
    for name in ("mode", "set"):
        if name in st.query_params:
            del st.query_params[name]


bar = st.columns([3.2, 1.4, 0.8, 1.4, 1.4], vertical_alignment="center")
with bar[0]:
    picked = st.selectbox(t("present.set"), sets, index=sets.index(chosen_set), format_func=set_label,
                          key="present_set", label_visibility="collapsed")
    if picked != chosen_set:
        st.query_params["set"] = picked
        if "county" in st.query_params:
            del st.query_params["county"]
        st.rerun()
bar[1].button(t("present.prev"), on_click=go, args=(-1,), shortcut="Left", icon=":material/arrow_back:", width="stretch")
bar[2].markdown(f"<div style='text-align:center;font-size:1.2rem'>{t('present.position', i=index + 1 if slides else 0, n=len(slides))}</div>", unsafe_allow_html=True)
bar[3].button(t("present.next"), on_click=go, args=(1,), shortcut="Right", icon=":material/arrow_forward:", width="stretch")
if bar[4].button(t("present.exit"), on_click=exit_presentation, shortcut="Esc", width="stretch"):
    st.switch_page("pages/overview.py")

if not slides:
    st.info(t("present.empty"))
    st.stop()

map_col, card_col = st.columns([3, 2])
with map_col:
    map_view(
        lambda: maps.type_map(all_types, lang, focus=slides, highlight=county, height=760),
        ("present", chosen_set, county, lang), key=f"present-map-{chosen_set}-{county}-{lang}", height=760, returned_objects=[],
    )

profile = queries.county_profile(data, county)
with card_col:
    st.title(profile.county.name)
    st.markdown(f"### {profile.county.city_name} · {t('kind.' + profile.county.kind)}")
    chips = " ".join(
        f'<span style="background:{palette.TYPE_COLOURS[k]};color:#fff;padding:4px 14px;border-radius:14px;'
        f'margin-right:8px;font-size:1.1rem">{ui.escape(t("type." + k))}</span>'
        for k in profile.types.types
    ) or ui.escape(t("type." + profile.types.status))
    st.markdown(chips, unsafe_allow_html=True)
    for item in profile.positionings[:2]:
        st.markdown(f"> {ui.md_quote(item.text)}\n>\n> — {ui.source_link(item.citation)}")
    st.markdown("#### " + t("present.counts", tasks=len(profile.tasks), projects=len(profile.projects), targets=len(profile.targets)))
    st.caption(t("present.keys"))
