"""进展管理 · Progress admin: orphaned progress (its item gone after a re-ingest) and re-attaching it."""

import streamlit as st

from xiancheng import progress as pg
from xiancheng import ui
from xiancheng.store import StoreError
from xiancheng.store import progress as sp
from xiancheng.ui import auth
from xiancheng.ui import progress as progress_ui
from xiancheng.ui.refusal import show_refusal

t = ui.t
st.title(t("progress.orphans_title"))
st.caption(t("progress.orphans_caption"))
user = auth.require_role("admin")
snap = progress_ui.snapshot()
flash = st.session_state.pop("progress_admin_flash", None)
if flash:
    st.success(flash)
orphans = pg.orphans(snap.items, snap.rows)
if not orphans:
    st.success(t("progress.orphans_none"))
    st.stop()
PER_PAGE = 20  # a re-ingest can orphan hundreds of reports: a page at a time stays quick to render
first = 0
if len(orphans) > PER_PAGE:
    st.caption(t("progress.orphans_count", n=len(orphans), per=PER_PAGE))
    pages = -(-len(orphans) // PER_PAGE)
    first = (st.number_input(t("progress.orphans_page"), 1, pages, 1, key="orphans_page") - 1) * PER_PAGE
for index, orphan in enumerate(orphans[first:first + PER_PAGE], start=first):
    row = orphan.row
    with st.container(border=True):
        st.markdown(ui.md_quote(t("progress.orphan_was", title=row.item_title, document=row.item_document,
                                  status=t(f"progress.status.{row.status}"), period=row.period, who=row.created_by)))
        st.caption(orphan.key)
        choices = {item.key: t("progress.orphan_candidate", title=item.title, score=f"{score:.0%}")
                   for item, score in orphan.candidates}
        if not choices:
            continue
        target = st.radio(t("progress.pick_item"), list(choices), format_func=choices.get, key=f"orphan_{index}")
        if st.button(t("progress.reattach"), key=f"reattach_{index}"):
            try:
                sp.reattach(auth.workspace(), user, orphan.key, snap.items[target].scope, client=auth.client_address())
            except StoreError as problem:
                show_refusal(problem)
            else:
                st.session_state["progress_admin_flash"] = t("progress.reattached", title=snap.items[target].title)
                st.rerun()
