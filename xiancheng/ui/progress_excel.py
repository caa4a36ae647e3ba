"""The progress 台账 round trip in the app: download, upload, preview per item, confirm."""

from __future__ import annotations

from datetime import date

import streamlit as st

from .. import progress as pg
from ..export import progress_ledger
from ..refusals import describe
from ..store import StoreError
from . import auth, lang, markdown_table, t
from .refusal import show_refusal
from .downloads import download_button


def panel(snap: pg.Snapshot, user, mine: list[pg.Item], period: str, key: str) -> None:
    from . import dataset

    prefill = st.toggle(t("progress.excel_prefill"), value=True, key=f"{key}_xl_prefill")
    title = t("progress.briefing_title", place=t("progress.section"), period=period)
    language = lang()
    download_button(
        t("progress.excel_download"),
        lambda: progress_ledger.download(mine, snap.status_of, period=period, title=title, prefill=prefill,
                                         documents=dataset().documents_by_name, lang=language),
        file_name=f"进展台账_{period}_{date.today().isoformat()}.xlsx", key=f"{key}_xl_download",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
    )
    upload = st.file_uploader(t("progress.excel_upload"), type=["xlsx"], key=f"{key}_xl_upload")
    if upload is None:
        return
    try:
        preview = progress_ledger.read_upload(upload.getvalue(), upload.name, snap.items, snap.status_of, user,
                                              expected=[i.key for i in mine], period=period, lang=lang())
    except progress_ledger.UnreadableLedger as error:
        show_refusal(error)
        return
    show_preview(preview)
    if st.button(t("progress.excel_confirm", n=len(preview.changes)), key=f"{key}_xl_confirm", type="primary",
                 disabled=not preview.changes):
        try:
            saved = progress_ledger.save(auth.workspace(), user, preview, client=auth.client_address())
        except StoreError as refused:
            show_refusal(refused)
            return
        st.session_state[f"progress_flash_{key}"] = ("ok", t("progress.excel_saved", n=saved, who=user.display_name))
        st.session_state.pop(f"{key}_xl_upload", None)
        st.rerun()


def show_preview(preview: progress_ledger.Preview) -> None:
    st.markdown("**" + t("progress.excel_preview", changes=len(preview.changes), same=len(preview.unchanged),
                         errors=len(preview.problems), refused=len(preview.refused)) + "**")
    if preview.changes:
        st.markdown(markdown_table(
            [t("progress.excel_col.row"), t("progress.col.item"), t("progress.excel_col.change")],
            [[c.row, c.item.title, progress_ledger.change_text(c, lang())] for c in preview.changes]))
    if preview.problems:
        st.error(t("progress.excel_errors"))
        st.markdown(markdown_table(
            [t("progress.excel_col.row"), t("progress.excel_col.column"), t("progress.excel_col.problem")],
            [[p.row, p.column, describe(p, lang())] for p in preview.problems]))
    if preview.refused:
        st.warning(t("progress.excel_refused"))
        st.markdown(markdown_table([t("progress.excel_col.row"), t("progress.col.item"), t("progress.col.unit")],
                                   [list(r) for r in preview.refused]))
    if preview.unknown:
        st.warning(t("progress.excel_unknown"))
        st.markdown(markdown_table([t("progress.excel_col.row"), t("progress.col.item")], [list(r) for r in preview.unknown]))
