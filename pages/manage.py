"""管理 · Manage: an administrator adds a plan — upload, check what was read from the text, confirm."""

import hashlib

import streamlit as st

from xiancheng import geo, settings, ui
from xiancheng.ingest import intake
from xiancheng.store import StoreError
from xiancheng.ui import auth
from xiancheng.ui.refusal import refusal_text

t = ui.t

st.title(t("page.manage"))
st.caption(t("manage.caption"))
user = auth.require_role("admin")

upload = st.file_uploader(t("manage.upload"), type=["txt", "docx", "pdf"], key="manage_upload")
if upload is None:
    st.stop()
data = upload.getvalue()
digest = hashlib.sha256(data).hexdigest()[:12]  # new file, fresh form values
try:
    proposal = intake.propose(upload.name, data)
except intake.IntakeError as error:
    st.error(refusal_text(error), icon=":material/error:")
    st.stop()
st.caption(ui.md_quote(t("manage.read_as", encoding=proposal.source.read_as, lines=len(proposal.source.lines))))


def source_of(found) -> str:
    """Where a detected value came from, for the caption beside its field."""
    if found is None:
        return t("manage.not_found")
    if not found.line_start:
        return found.note
    quote = found.quote if len(found.quote) <= 60 else found.quote[:59] + "…"
    if found.line_start == found.line_end:
        return t("manage.from_line_one", line=found.line_start, quote=quote)
    return t("manage.from_line", start=found.line_start, end=found.line_end, quote=quote)


meta = proposal.metadata
scopes = [geo.PROVINCE_ADCODE, *sorted(geo.cities()), *sorted(geo.counties())]
detected_scope = proposal.fields["scope_adcode"]
st.markdown(t("manage.detected"))
with st.form(f"manage_form_{digest}"):
    values = {}
    for name in ("title", "issuer", "number", "date"):
        field, source = st.columns([3, 2], vertical_alignment="bottom")
        values[name] = field.text_input(t(f"manage.field.{name}"), value=proposal.fields[name], key=f"manage_{name}_{digest}")
        source.caption(ui.md_quote(source_of(getattr(meta, name))))
    field, source = st.columns([3, 2], vertical_alignment="bottom")
    values["scope_adcode"] = field.selectbox(
        t("manage.field.scope_adcode"), scopes, index=scopes.index(detected_scope) if detected_scope in scopes else None,
        format_func=lambda code: f"{code} {geo.full_name(code)}", key=f"manage_scope_{digest}",
    )
    source.caption(ui.md_quote(source_of(meta.scope)))
    field, source = st.columns([3, 2], vertical_alignment="bottom")
    kinds = list(intake.KINDS)
    kind_labels = {kind: t(f"documents.kind.{kind}") for kind in kinds}  # this run's language, also if called after it (AppTest)
    values["kind"] = field.selectbox(
        t("manage.field.kind"), kinds, index=kinds.index(proposal.fields["kind"]) if proposal.fields["kind"] in kinds else len(kinds) - 1,
        format_func=kind_labels.__getitem__, key=f"manage_kind_{digest}",
    )
    source.caption(ui.md_quote(source_of(meta.kind)))
    confirmed = st.form_submit_button(t("manage.confirm"), type="primary", icon=":material/add:")

if not confirmed:
    st.stop()


def audit(outcome: str, detail: str, target: str = "") -> None:
    """One audit entry; if the store cannot take it (busy, unreachable), the page says so
    beside what happened, which stands: a plan added stays added."""
    try:
        auth.workspace().audit(user.username, "plan.add", outcome, target=target, client=auth.client_address(), detail=detail)
    except StoreError as error:
        st.warning(refusal_text(error, within="manage.audit_missed"), icon=":material/history_toggle_off:")


def audit_not_added(why) -> None:
    """One audit entry for every confirmed add that did not happen: who, which file, why."""
    audit(*intake.audit_record(upload.name, why))


fields = intake.corrected(proposal, values)
result = intake.check(proposal, fields, settings.PLANS_DIR)
for problem in result.errors:
    st.error(refusal_text(problem, within="manage.refused"), icon=":material/block:")
if not result.ok:
    audit_not_added(result.errors)
    st.stop()
try:
    added = intake.add(proposal, fields, settings.PLANS_DIR)
except intake.IntakeError as error:  # its text says "not added" itself
    st.error(refusal_text(error), icon=":material/block:")
    audit_not_added(error)
    st.stop()
except Exception as error:  # unexpected: audited too; the page's error boundary shows the calm message
    audit_not_added(error)
    raise
ui.refresh_dataset()  # every page of this server shows the new plan from the next rerun
data = ui.dataset()
tasks = sum(1 for task in data.tasks if task.document == added.document)
st.success(ui.md_quote(t("manage.added", name=added.document, tasks=tasks)), icon=":material/check_circle:")
audit("ok", upload.name, target=added.document)
for finding in added.warnings:
    st.warning(refusal_text(finding, within="manage.warning"))
scope = fields["scope_adcode"]
if scope in geo.counties():
    st.page_link("pages/county.py", label=t("manage.open_county", place=geo.full_name(scope)), query_params={"county": scope}, icon=":material/location_city:")
else:
    st.page_link("pages/documents.py", label=t("manage.open_county", place=geo.place_name(scope)), query_params={"doc": added.document}, icon=":material/description:")
