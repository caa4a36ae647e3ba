"""Sign-in for the app: the sidebar form, the signed-in user, and the role gate pages call.

Accounts, passwords, rate limits and the audit trail live in xiancheng.store; this module
only keeps the signed-in User (a frozen dataclass, never a database Session) in the
session state and draws the form.
"""

from __future__ import annotations

import streamlit as st

from .. import settings
from ..store import DatabaseSettingError, SignInRefused, Store, User
from ..store import open as open_store

_USER_KEY = "xiancheng_user"


def _t(key: str, **values) -> str:
    from . import t

    return t(key, **values)


def workspace() -> Store:
    """The process's Store (one Engine per process and URL); raises DatabaseSettingError."""
    return open_store()


def workspace_error() -> str | None:
    """Why the store cannot be used, or None when it can."""
    try:
        workspace()
    except DatabaseSettingError as error:
        return str(error)
    return None


def client_address() -> str:
    """The browser's address for the audit trail and the per-client sign-in limit.

    Behind the deploy/ proxy it is the first X-Forwarded-For address (nginx sets it).
    """
    headers = st.context.headers or {}
    forwarded = headers.get("X-Forwarded-For", "")
    address = forwarded.split(",")[0].strip() if isinstance(forwarded, str) else ""
    if not address:
        address = st.context.ip_address
    return address[:100] if isinstance(address, str) else ""  # no address in AppTest


def current_user() -> User | None:
    """The signed-in account (role, units, areas), or None."""
    return st.session_state.get(_USER_KEY)


def sign_out() -> None:
    user = st.session_state.pop(_USER_KEY, None)
    if user is not None:
        try:
            workspace().audit(user.username, "sign_out", "ok", client=client_address())
        except DatabaseSettingError:
            pass


def viewing_needs_sign_in() -> bool:
    return settings.get("require_sign_in").strip().lower() in ("1", "true", "yes")


def sign_in_form() -> None:
    """Sidebar: who is signed in and a sign-out button, or the sign-in form."""
    problem = workspace_error()
    if problem:
        st.sidebar.error(_t("auth.store_unavailable", error=problem), icon=":material/database:")
        return
    user = current_user()
    if user is not None:
        role = _t(f"auth.role.{user.role}")
        st.sidebar.caption(_t("auth.signed_in_as", name=user.display_name, role=role))
        st.sidebar.button(_t("auth.sign_out"), key="auth_sign_out", icon=":material/logout:", on_click=sign_out)
        return
    with st.sidebar.expander(_t("auth.sign_in"), icon=":material/login:", expanded=viewing_needs_sign_in()):
        # The check runs in the submit callback, before the script draws: one run shows the result.
        with st.form("auth_sign_in", border=False):
            st.text_input(_t("auth.username"), key="auth_username", autocomplete="username")
            st.text_input(_t("auth.password"), type="password", key="auth_password", autocomplete="current-password")
            st.form_submit_button(_t("auth.sign_in"), on_click=_submit_sign_in)
        refusal = st.session_state.pop(_REFUSAL_KEY, None)
        if refusal:
            st.error(refusal)


_REFUSAL_KEY = "xiancheng_sign_in_refusal"


def _submit_sign_in() -> None:
    username = st.session_state.get("auth_username", "")
    password = st.session_state.get("auth_password", "")
    st.session_state["auth_password"] = ""  # not kept in the session after the attempt
    try:
        st.session_state[_USER_KEY] = workspace().sign_in(username, password, client=client_address())
    except SignInRefused as refused:
        key = "auth.too_many" if refused.retry_after_seconds else "auth.refused"
        st.session_state[_REFUSAL_KEY] = _t(key, minutes=refused.retry_after_seconds // 60 + 1)


def require_role(*roles: str) -> User:
    """For pages that write: stop the page unless someone with one of roles is signed in."""
    problem = workspace_error()
    if problem:
        st.error(_t("auth.store_unavailable", error=problem))
        st.stop()
    user = current_user()
    if user is None:
        st.info(_t("auth.sign_in_to_continue"), icon=":material/login:")
        st.stop()
    if roles and user.role not in roles:
        st.warning(_t("auth.role_needed", roles=" / ".join(_t(f"auth.role.{r}") for r in roles)))
        st.stop()
    return user


__all__ = ["client_address", "current_user", "require_role", "sign_in_form", "sign_out", "viewing_needs_sign_in",
           "workspace", "workspace_error"]
