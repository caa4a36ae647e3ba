"""催报提醒 · Reminders: per department, the items with no report for the current period (no internet needed)."""

import streamlit as st

from xiancheng import geo, ui
from xiancheng import progress as pg
from xiancheng.ui import progress as progress_ui

t = ui.t
snap = progress_ui.snapshot()
cities = geo.cities()
places = ["140000", *sorted(cities)]
place = st.sidebar.selectbox(t("progress.briefing_place"), places, format_func=geo.place_name, key="reminders_place",
                             index=places.index(ui.query_param("city", allowed=places, default="140000")))
ui.set_query_param("city", None if place == "140000" else place)
period = st.sidebar.selectbox(t("progress.period"), pg.recent_periods(snap.today), key="reminders_period")

# One click: the 调度会 briefing for the chosen place and period (built when clicked).
with st.sidebar.container(border=True):
    st.markdown(f"**{t('progress.briefing')}**")
    ui.download_button(t("progress.briefing_pdf"), lambda: progress_ui.briefing_bytes(place, period, "pdf"),
                       file_name=f"{geo.place_name(place)}调度会材料_{period}.pdf", mime="application/pdf",
                       key="briefing_pdf", icon=":material/picture_as_pdf:", width="stretch")
    ui.download_button(t("progress.briefing_docx"), lambda: progress_ui.briefing_bytes(place, period, "docx"),
                       file_name=f"{geo.place_name(place)}调度会材料_{period}.docx", key="briefing_docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       icon=":material/description:", width="stretch")

st.title(t("progress.reminders_title", period=period))
st.caption(t("progress.reminders_caption"))
items = pg.items_of_place(snap.items, place)
waiting = pg.unreported_by_department(items, snap.status_of, period)
if not waiting:
    st.success(t("progress.reminders_none"))
    st.stop()
lines = []
for unit, unit_items in waiting.items():
    name = unit or t("progress.unit_none")
    with st.expander(t("progress.reminders_count", unit=name, n=len(unit_items))):
        st.markdown(ui.markdown_table(
            [t("progress.col.item"), t("progress.col.kind"), t("progress.col.status"), t("progress.col.planned_year")],
            [[i.title, t(f"progress.kind.{i.kind}"), progress_ui.status_text(snap.status_of[i.key]), i.planned_year or "—"]
             for i in unit_items]))
    lines.append(f"{name}\t" + "；".join(i.title for i in unit_items))
st.download_button(t("progress.reminders_download"),
                   data="\ufeff" + "\n".join(lines), file_name=f"催报清单_{period}.txt", mime="text/plain",
                   key="reminders_download", on_click="ignore", icon=":material/download:")
