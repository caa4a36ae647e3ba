"""AppTest of the 管理 page: only a signed-in administrator gets the upload form."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from xiancheng import store as st_store

TIMEOUT = 60
PAGE = "pages/manage.py"


@pytest.fixture(scope="module")
def accounts():
    """Accounts in the store the app under test uses (conftest points it at a temp file)."""
    store = st_store.open()
    system = st_store.system_user("test")
    for name, role, extra in (("manage_admin", "admin", {}), ("manage_editor", "editor", {"units": ["市住建局"]})):
        if store.user(name) is None:
            store.add_user(system, name, "manage password 1", role, **extra)
    return store


def run(user=None) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if user is not None:
        app.session_state["xiancheng_user"] = user
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def uploaders(app: AppTest) -> list:
    return app.get("file_uploader")


def test_signed_out_visitors_are_asked_to_sign_in_and_get_no_upload():
    app = run()
    assert any("此页需要登录" in i.value for i in app.info)
    assert not uploaders(app)


def test_an_editor_is_told_the_page_needs_an_administrator(accounts):
    app = run(accounts.user("manage_editor"))
    assert any("管理员" in w.value for w in app.warning)
    assert not uploaders(app)


def test_an_administrator_gets_the_upload_form(accounts):
    app = run(accounts.user("manage_admin"))
    assert len(uploaders(app)) == 1
    assert not app.warning and not app.error
