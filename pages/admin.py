"""Admin: accounts (list, add) and the audit trail with filters. Admins only."""

from datetime import timedelta

import streamlit as st

from xiancheng import store, ui
from xiancheng.ui import auth
from xiancheng.ui.refusal import show_refusal

st.title(ui.t("admin.title"))
admin = auth.require_role("admin")
workspace = auth.workspace()
accounts_tab, audit_tab = st.tabs([ui.t("admin.accounts"), ui.t("admin.audit")])


@st.fragment(run_every=2)
def accounts_list():
    # Cached by the data version: a write in any app process shows here within ~2 s.
    rows = ui.store_accounts(workspace.data_version())
    st.caption(ui.t("admin.accounts_caption", n=len(rows)))
    header = [ui.t(f"admin.col.{k}") for k in ("username", "display_name", "role", "units", "areas", "version")]
    table = [[r["username"], r["display_name"], ui.t(f"auth.role.{r['role']}"), r["units"], r["areas"], r["version"]]
             for r in rows]
    st.markdown(ui.markdown_table(header, table))


with accounts_tab:
    accounts_list()
    with st.expander(ui.t("admin.add"), icon=":material/person_add:"):
        with st.form("admin_add_user"):
            username = st.text_input(ui.t("auth.username"), key="admin_username")
            display_name = st.text_input(ui.t("admin.display_name"), key="admin_display_name")
            role = st.selectbox(ui.t("admin.role"), store.ROLES, index=1, key="admin_role",
                                format_func=lambda r: ui.t(f"auth.role.{r}"))
            units = st.text_input(ui.t("admin.units"), key="admin_units")
            areas = st.text_input(ui.t("admin.areas"), key="admin_areas")
            password = st.text_input(ui.t("auth.password"), type="password", key="admin_password")
            submitted = st.form_submit_button(ui.t("admin.add_button"))
        if submitted:
            split = lambda text: [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]  # noqa: E731
            try:
                added = workspace.add_user(admin, username, password, role, display_name=display_name,
                                           units=split(units), areas=split(areas), client=auth.client_address())
            except store.StoreError as error:
                show_refusal(error)  # the form keeps what was typed
            else:
                st.success(ui.t("admin.added", name=added.username))

with audit_tab:
    columns = st.columns(4)
    actor = columns[0].text_input(ui.t("admin.filter_actor"), key="audit_actor").strip()
    actions = ["", "sign_in", "sign_out", "account.add", "account.update"]
    action = columns[1].selectbox(ui.t("admin.filter_action"), actions, key="audit_action",
                                  format_func=lambda a: a or ui.t("admin.any"))
    outcome = columns[2].selectbox(ui.t("admin.filter_outcome"), ["", "ok", "failed", "refused"], key="audit_outcome",
                                   format_func=lambda o: o or ui.t("admin.any"))
    days = columns[3].number_input(ui.t("admin.filter_days"), min_value=1, max_value=3650, value=30, key="audit_days")
    limit = 500
    entries = workspace.audit_log(actor=actor or None, action=action or None, outcome=outcome or None,
                                  since=store.utcnow() - timedelta(days=int(days)), limit=limit)
    st.caption(ui.t("admin.audit_count", n=len(entries), limit=limit))
    header = [ui.t(f"admin.col.{k}") for k in ("at", "actor", "action", "outcome", "target", "client", "detail")]
    st.markdown(ui.markdown_table(header, [
        [e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.outcome, e.target, e.client, e.detail] for e in entries]))
