"""Sign-in in the app (AppTest): the sidebar form, refusals, the view lock and the role gate."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from xiancheng import store as st_store

TIMEOUT = 60


@pytest.fixture(scope="module")
def app_store():
    """The store the app under test uses (conftest points XIANCHENG_DATABASE_URL at a temp file)."""
    store = st_store.open()
    admin = st_store.system_user("test")
    for name, role, extra in (("auth_admin", "admin", {}), ("auth_editor", "editor", {"units": ["市住建局"]})):
        if store.user(name) is None:
            store.add_user(admin, name, "app password 1", role, display_name=name.upper(), **extra)
    return store


FORM_OPEN = "xiancheng_sign_in_open"  # the sign-in expander's state: its fields are drawn when it is open


def run_app(user=None, form_open: bool = False) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if user is not None:
        app.session_state["xiancheng_user"] = user
    if form_open:
        app.session_state[FORM_OPEN] = True  # as a click on 登录 does
    app.run()
    assert not app.exception, app.exception
    return app


def _sign_in_script():
    # AppTest re-runs only the page script after the first run of an st.navigation app,
    # so the sidebar form is exercised in a script of its own.
    import streamlit as st

    from xiancheng.ui import auth

    auth.restore_session()
    auth.sign_in_form()
    user = auth.current_user()
    st.write(f"user: {user.username if user else '-'}")


def form_app() -> AppTest:
    app = AppTest.from_function(_sign_in_script, default_timeout=TIMEOUT)
    app.session_state[FORM_OPEN] = True
    app.run()
    return app


def sign_in(app: AppTest, name: str, password: str) -> AppTest:
    app.sidebar.text_input(key="auth_username").input(name)
    app.sidebar.text_input(key="auth_password").input(password)
    next(b for b in app.sidebar.button if b.label == "登录").click()
    app.run()
    assert not app.exception, app.exception
    return app


def sidebar_text(app: AppTest) -> str:
    """The sidebar's messages as read on screen (names and errors in them are Markdown-escaped)."""
    shown = "\n".join(str(x.value) for x in [*app.sidebar.caption, *app.sidebar.error, *app.sidebar.markdown])
    return re.sub(r"\\(.)", r"\1", shown)


def test_the_app_offers_sign_in_in_the_sidebar(app_store):
    app = run_app()
    assert [e.label for e in app.sidebar.expander] == ["登录"]
    assert not app.sidebar.text_input  # the fields are drawn once the expander is opened
    app = run_app(form_open=True)
    assert app.sidebar.text_input(key="auth_username").label == "用户名"
    assert app.sidebar.text_input(key="auth_password").label == "密码"
    app = run_app(app_store.user("auth_editor"))
    assert "已登录：AUTH_EDITOR（填报员）" in sidebar_text(app)


def test_signing_in_shows_who_and_signing_out_forgets(app_store):
    app = sign_in(form_app(), "auth_editor", "app password 1")
    assert "已登录：AUTH_EDITOR（填报员）" in sidebar_text(app)
    assert app.markdown[-1].value == "user: auth_editor"
    assert app.session_state["xiancheng_user"].units == ("市住建局",)
    assert app.session_state["auth_password"] == ""
    app.sidebar.button(key="auth_sign_out").click()
    app.run()
    assert app.markdown[-1].value == "user: -"
    assert "已登录" not in sidebar_text(app)
    outcomes = [(e.action, e.outcome) for e in app_store.audit_log(actor="auth_editor")]
    assert outcomes[:2] == [("sign_out", "ok"), ("sign_in", "ok")]


def test_a_wrong_password_is_refused_in_the_sidebar(app_store):
    app = sign_in(form_app(), "auth_admin", "not the password")
    assert "用户名或密码错误" in sidebar_text(app)
    assert app.markdown[-1].value == "user: -"
    assert app_store.audit_log(actor="auth_admin", outcome="failed")


def test_the_require_sign_in_setting_locks_viewing_until_sign_in(app_store, monkeypatch):
    monkeypatch.setenv("XIANCHENG_REQUIRE_SIGN_IN", "1")
    app = run_app()
    assert any("需登录后查看" in i.value for i in app.info)
    assert not [m for m in app.markdown if m.value.startswith("| 所属城市")]  # the overview did not draw
    app = run_app(app_store.user("auth_admin"))
    assert not any("需登录后查看" in i.value for i in app.info)
    assert [m for m in app.markdown if m.value.startswith("| 所属城市")]


def _admin_page():
    import streamlit as st

    from xiancheng.ui import auth

    user = auth.require_role("admin")
    st.write(f"welcome {user.username}")


def test_require_role_stops_a_page_for_anonymous_and_wrong_roles(app_store):
    app = AppTest.from_function(_admin_page, default_timeout=TIMEOUT)
    app.run()
    assert "需要登录" in app.info[0].value and not app.markdown
    app.session_state["xiancheng_user"] = app_store.user("auth_editor")
    app.run()
    assert "管理员" in app.warning[0].value and not app.markdown
    app.session_state["xiancheng_user"] = app_store.user("auth_admin")
    app.run()
    assert app.markdown[0].value == "welcome auth_admin"


def test_an_unusable_database_is_named_in_the_sidebar_and_the_maps_still_show(monkeypatch, tmp_path):
    monkeypatch.setenv("XIANCHENG_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = run_app()
    text = sidebar_text(app)
    assert "XIANCHENG_DATABASE_URL" in text and "数据库不可用" in text
    assert [m for m in app.markdown if m.value.startswith("| 所属城市")]


@pytest.mark.parametrize("lang, expected", [
    (None, "数据库不可用，登录与填报已停用：数据库设置 XIANCHENG_DATABASE_URL 指定的是 mysql，本系统只支持 sqlite:/// 和 postgresql+psycopg://。"),
    ("en", "The database is unavailable; sign-in and data entry are off: XIANCHENG_DATABASE_URL names mysql; "
           "the store supports sqlite:/// and postgresql+psycopg:// only."),
])
def test_the_sidebar_names_an_unusable_database_in_the_users_language(monkeypatch, lang, expected):
    monkeypatch.setenv("XIANCHENG_DATABASE_URL", "mysql://root@localhost/x")
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if lang:
        app.query_params["lang"] = lang
    app.run()
    assert not app.exception, app.exception
    shown = [re.sub(r"\\(.)", r"\1", e.value).replace("\u2060", "") for e in app.sidebar.error]  # as read: Markdown-escaped
    assert shown == [expected]


def test_a_database_error_quoting_markdown_is_shown_as_text(monkeypatch):
    # The setting's value comes back in the error; a link or image in it must stay text.
    monkeypatch.setenv("XIANCHENG_DATABASE_URL", "![x](http://evil.example/a.png) [点此](http://evil.example/)")
    app = run_app()
    [error] = [e.value for e in app.sidebar.error]
    assert "数据库不可用" in error
    assert "\\!\\[x\\]\\(http\u2060://evil\\.example/a\\.png\\)" in error, error
    assert "](http" not in error


def run_admin(user) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if user is not None:
        app.session_state["xiancheng_user"] = user
    app.switch_page("pages/admin.py")
    app.run()
    assert not app.exception, app.exception
    return app


def test_admin_page_is_for_admins_only(app_store):
    assert "需要登录" in run_admin(None).info[0].value
    app = run_admin(app_store.user("auth_editor"))
    assert "管理员" in app.warning[0].value and not app.tabs


def test_admin_page_lists_and_adds_accounts_and_filters_the_audit(app_store):
    app = run_admin(app_store.user("auth_admin"))
    table = next(m.value for m in app.markdown if m.value.startswith("| 用户名")).replace("\\", "")
    assert "| auth_editor | AUTH_EDITOR | 填报员 | 市住建局 |" in table
    app.text_input(key="admin_username").input("new_editor")
    app.text_input(key="admin_areas").input("140800，140900")
    app.text_input(key="admin_password").input("a long password")
    app.selectbox(key="admin_role").set_value("editor")
    next(b for b in app.button if b.label == "新增").click()
    app.run()
    assert [s.value for s in app.success] == ["已新增账号 new_editor。"]
    assert app_store.user("new_editor").areas == ("140800", "140900")
    app.run()  # the list (a fragment refreshed every 2 s) shows it on its next run
    table = next(m.value for m in app.markdown if m.value.startswith("| 用户名")).replace("\\", "")
    assert "| new_editor | new_editor | 填报员 |  | 140800、140900 | 1 |" in table
    # a refused add keeps the form and names the problem
    app.text_input(key="admin_username").input("new_editor")
    next(b for b in app.button if b.label == "新增").click()
    app.run()
    refusal = app.error[0].value.replace("\\", "")  # shown in Chinese: who added the account, when, its version
    assert refusal.startswith("未添加：用户“new_editor”已存在（第 1 版，auth_admin 于 ") and "（UTC）" in refusal
    assert app.text_input(key="admin_areas").value == "140800，140900"
    # audit: only the admin's account.add rows
    app.selectbox(key="audit_action").set_value("account.add")
    app.text_input(key="audit_actor").input("auth_admin")
    app.run()
    audit = next(m.value for m in app.markdown if m.value.startswith("| 时间")).replace("\\", "")
    rows = [line for line in audit.splitlines()[2:]]
    assert rows and all("| auth_admin | account.add |" in line for line in rows)
    assert any("account:new_editor" in line for line in rows)


def test_oidc_identities_map_to_store_accounts_by_name_or_email(app_store):
    from xiancheng.ui import auth

    assert auth.account_for_claims(app_store, {"preferred_username": "auth_admin"}).role == "admin"
    assert auth.account_for_claims(app_store, {"preferred_username": "x", "email": "auth_editor"}).username == "auth_editor"
    assert auth.account_for_claims(app_store, {"email": "stranger@example.org"}) is None


def test_with_auth_secrets_the_form_offers_single_sign_on(app_store):
    app = AppTest.from_function(_sign_in_script, default_timeout=TIMEOUT)
    app.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                           "client_id": "xiancheng", "client_secret": "s",
                           "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    app.session_state[FORM_OPEN] = True
    app.run()
    assert [b.label for b in app.sidebar.button][:1] == ["统一身份认证登录"]
    assert app.sidebar.text_input(key="auth_username")  # local accounts still work
