"""Sign-in for the app: the sidebar form, the signed-in user, and the role gate pages call.

Accounts, passwords, rate limits, sign-in tokens and the audit trail live in
xiancheng.store; this module keeps the signed-in User (a frozen dataclass, never a database
Session) in the session state, draws the form, and keeps a signed cookie so a reload stays
signed in for `sign_in_hours`. Local accounts by default; when `.streamlit/secrets.toml`
has an `[auth]` section (an OIDC provider such as Keycloak), a button signs in through
Streamlit's st.login as well, mapped to the store account with the same user name or email.
"""

from __future__ import annotations

import json

import streamlit as st

from .. import settings
from ..text import markdown_text
from ..store import DatabaseSettingError, SignInRefused, Store, StoreError, User
from ..store import open as open_store
from ..store import sessions

_USER_KEY = "xiancheng_user"
_CHECKED_KEY = "xiancheng_user_checked_at"   # data version at which the user was last re-read
_NONCE_KEY = "xiancheng_session_nonce"
_SIGNED_OUT_KEY = "xiancheng_signed_out"     # this tab signed out: ignore the cookie it came with
_COOKIE_JS_KEY = "xiancheng_cookie_js"       # cookie change to send with the next run
_REFUSAL_KEY = "xiancheng_sign_in_refusal"
_FORM_OPEN_KEY = "xiancheng_sign_in_open"     # the sign-in expander's state (its fields are drawn only when open)
COOKIE = "xiancheng_session"


def _t(key: str, **values) -> str:
    """A message in the user's language; the values (database errors, OIDC names) are
    escaped for Markdown, since st.error and friends render it."""
    from . import t

    return t(key, **{k: v if isinstance(v, (int, float)) else markdown_text(v) for k, v in values.items()})


def workspace() -> Store:
    """The process's Store (one Engine per process and URL); raises DatabaseSettingError."""
    return open_store()


_FAILURE: dict[str, tuple[float, DatabaseSettingError]] = {}  # url -> (when, why): an unreachable server is retried every 15 s
_RETRY_SECONDS = 15


def _in_words(error: StoreError) -> str:
    """The refusal in the user's language (the English str(error) is for logs)."""
    from ..refusals import describe
    from . import lang

    return describe(error, lang())


def _without_traceback(error: DatabaseSettingError) -> DatabaseSettingError:
    """The same refusal without its traceback and cause: the cache would keep their frames alive."""
    return DatabaseSettingError(error.args[0] if error.args else "", message_key=error.message_key, **error.params)


def workspace_error() -> str | None:
    """Why the store cannot be used, in the user's language, or None when it can."""
    import time

    url = settings.get("database_url")
    failed = _FAILURE.get(url)
    if failed and time.monotonic() - failed[0] < _RETRY_SECONDS:
        return _in_words(failed[1])
    try:
        workspace()
    except DatabaseSettingError as error:
        _FAILURE[url] = (time.monotonic(), _without_traceback(error))
        return _in_words(error)
    _FAILURE.pop(url, None)
    return None


def client_address() -> str:
    """The browser's address for the audit trail and the per-client sign-in limit.

    Behind the deploy/ proxy (a loopback peer) it is the X-Forwarded-For address nginx
    sets; a browser talking to the app directly cannot choose its address that way.
    """
    peer = st.context.ip_address
    peer = peer if isinstance(peer, str) else ""  # no address in AppTest
    if peer in ("127.0.0.1", "::1"):
        headers = st.context.headers or {}
        forwarded = headers.get("X-Forwarded-For", "")
        if isinstance(forwarded, str) and forwarded.strip():
            return forwarded.split(",")[-1].strip()[:100]
    return peer[:100]


def sign_in_seconds() -> int:
    try:
        return max(0, int(float(settings.get("sign_in_hours")) * 3600))
    except ValueError:
        return 12 * 3600


def current_user() -> User | None:
    """The signed-in account (role, units, areas), or None."""
    return st.session_state.get(_USER_KEY)


def _signed_in(user: User, nonce: str | None = None) -> None:
    st.session_state[_USER_KEY] = user
    st.session_state.pop(_SIGNED_OUT_KEY, None)
    if nonce:
        st.session_state[_NONCE_KEY] = nonce


def _restore_or_refresh() -> None:
    """Take the user from the cookie on a fresh tab; re-read them when anything was written."""
    store = workspace()
    user = current_user()
    if user is None:
        token = st.context.cookies.get(COOKIE) if st.context.cookies else None
        if isinstance(token, str) and token and not st.session_state.get(_SIGNED_OUT_KEY):
            restored = sessions.user_for(store, token, sign_in_seconds())
            if restored is not None:
                _signed_in(restored, sessions.nonce_of(store, token))
                st.session_state[_CHECKED_KEY] = store.data_version()
        return
    version = store.data_version()
    if st.session_state.get(_CHECKED_KEY) != version:
        # An admin may have changed or disabled the account since sign-in.
        fresh = store.user(user.username)
        if fresh is None:
            _forget_session()
        elif fresh != user:
            st.session_state[_USER_KEY] = fresh
        st.session_state[_CHECKED_KEY] = version


def _forget_session() -> None:
    st.session_state.pop(_USER_KEY, None)
    st.session_state.pop(_NONCE_KEY, None)
    st.session_state[_SIGNED_OUT_KEY] = True
    st.session_state[_COOKIE_JS_KEY] = ("", 0)


def sign_out() -> None:
    user = st.session_state.get(_USER_KEY)
    nonce = st.session_state.get(_NONCE_KEY)
    _forget_session()
    if user is not None:
        try:
            workspace().audit(user.username, "sign_out", "ok", client=client_address(),
                              target=f"session:{nonce}" if nonce else "")
        except DatabaseSettingError:
            pass
    if oidc_configured() and _oidc_logged_in():
        st.logout()


def viewing_needs_sign_in() -> bool:
    return settings.get("require_sign_in").strip().lower() in ("1", "true", "yes")


def restore_session() -> None:
    """At the top of every run, before anything is drawn: the signed-in user from this tab's
    session or its sign-in cookie (re-read when anything was written), or from OIDC."""
    if workspace_error():
        return
    _restore_or_refresh()
    if current_user() is None and oidc_configured():
        _adopt_oidc_user()


def sign_in_form() -> None:
    """Sidebar: who is signed in and a sign-out button, or the sign-in form (and OIDC button).
    restore_session has run first."""
    problem = workspace_error()
    if problem:
        st.sidebar.error(_t("auth.store_unavailable", error=problem), icon=":material/database:")
        return
    _send_cookie()
    user = current_user()
    if user is not None:
        role = _t(f"auth.role.{user.role}")
        st.sidebar.caption(_t("auth.signed_in_as", name=user.display_name, role=role))
        st.sidebar.button(_t("auth.sign_out"), key="auth_sign_out", icon=":material/logout:", on_click=sign_out)
        return
    # The fields are drawn only once the expander is opened (a rerun): on every first view
    # they were ~6 elements of three kinds the browser rendered before the page's content.
    # Open from the start when viewing needs sign-in, and after signing out in this tab.
    expanded = viewing_needs_sign_in() or bool(st.session_state.get(_SIGNED_OUT_KEY))
    with st.sidebar.expander(_t("auth.sign_in"), icon=":material/login:", expanded=expanded, key=_FORM_OPEN_KEY, on_change="rerun") as box:
        if not box.open:
            return
        if oidc_configured():
            st.button(_t("auth.sign_in_oidc"), key="auth_oidc", icon=":material/badge:", on_click=st.login)
        # The check runs in the submit callback, before the script draws: one run shows the result.
        with st.form("auth_sign_in", border=False):
            st.text_input(_t("auth.username"), key="auth_username", autocomplete="username")
            st.text_input(_t("auth.password"), type="password", key="auth_password", autocomplete="current-password")
            st.form_submit_button(_t("auth.sign_in"), on_click=_submit_sign_in)
        refusal = st.session_state.pop(_REFUSAL_KEY, None)
        if refusal:
            st.error(refusal)


def _submit_sign_in() -> None:
    username = st.session_state.get("auth_username", "")
    password = st.session_state.get("auth_password", "")
    st.session_state["auth_password"] = ""  # not kept in the session after the attempt
    store = workspace()
    try:
        user = store.sign_in(username, password, client=client_address())
    except SignInRefused as refused:
        from .refusal import refusal_text

        st.session_state[_REFUSAL_KEY] = refusal_text(refused)
        return
    except DatabaseSettingError as error:  # e.g. the database became read-only or unreachable
        st.session_state[_REFUSAL_KEY] = _t("auth.store_unavailable", error=_in_words(error))
        return
    except StoreError as error:  # e.g. SQLite busy with other saves
        from .refusal import refusal_text

        st.session_state[_REFUSAL_KEY] = refusal_text(error)
        return
    token, nonce = sessions.issue(store, user)
    _signed_in(user, nonce)
    st.session_state[_CHECKED_KEY] = store.data_version()
    if sign_in_seconds():
        st.session_state[_COOKIE_JS_KEY] = (token, sign_in_seconds())


def _send_cookie() -> None:
    """Set or clear the sign-in cookie in the browser (Streamlit has no server-side cookie API)."""
    change = st.session_state.pop(_COOKIE_JS_KEY, None)
    if change is None:
        return
    token, max_age = change
    cookie = f"{COOKIE}={token}; Max-Age={max_age}; Path=/; SameSite=Strict"
    st.sidebar.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


# -- OIDC (st.login) when [auth] secrets are present ---------------------------------------


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _oidc_logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False


def account_for_claims(store: Store, claims: dict) -> User | None:
    """The store account an OIDC identity maps to: same user name, else same email; None if none."""
    for claim in ("preferred_username", "email"):
        name = claims.get(claim)
        if isinstance(name, str) and name:
            user = store.user(name)
            if user is not None:
                return user
    return None


def _adopt_oidc_user() -> None:
    if not _oidc_logged_in() or st.session_state.get(_SIGNED_OUT_KEY):
        return
    store = workspace()
    claims = {k: st.user.get(k) for k in ("preferred_username", "email", "sub")}
    shown = claims.get("preferred_username") or claims.get("email") or claims.get("sub") or "?"
    user = account_for_claims(store, claims)
    if user is None:
        if not st.session_state.get(_REFUSAL_KEY):
            store.audit(str(shown), "sign_in", "failed", client=client_address(), detail="oidc: no account")
        st.session_state[_REFUSAL_KEY] = _t("auth.oidc_no_account", name=shown)
        return
    store.audit(user.username, "sign_in", "ok", client=client_address(), detail="oidc")
    _signed_in(user)
    st.session_state[_CHECKED_KEY] = store.data_version()


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


__all__ = ["COOKIE", "account_for_claims", "client_address", "current_user", "oidc_configured", "require_role",
           "restore_session", "sign_in_form", "sign_in_seconds", "sign_out", "viewing_needs_sign_in", "workspace", "workspace_error"]
