"""Sign-in in a real browser: the signed cookie keeps it across reloads; sign-out ends it."""

import pytest

from xiancheng import store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_account():
    workspace = store.open()  # the app under test uses the same temp SQLite file (conftest)
    if workspace.user("cookie_user") is None:
        workspace.add_user(store.system_user("test"), "cookie_user", "cookie password", "admin", display_name="饼干")
    return "cookie_user", "cookie password"


def sign_in(page, name, password):
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("登录", exact=True).first.click()
    sidebar.get_by_label("用户名").fill(name)
    sidebar.get_by_label("密码").fill(password)
    sidebar.get_by_role("button", name="登录").click()
    sidebar.get_by_text("已登录：饼干（管理员）").wait_for(timeout=30000)


def test_sign_in_survives_a_reload_and_sign_out_ends_it(page, app_url, browser_account):
    page.goto(app_url + "/")
    sign_in(page, *browser_account)
    page.wait_for_function("() => document.cookie.includes('xiancheng_session=')", timeout=10000)
    cookie = next(c for c in page.context.cookies() if c["name"] == "xiancheng_session")
    assert cookie["value"] and cookie["expires"] > 0 and cookie["sameSite"] == "Strict"
    # the admin page is listed for an admin
    page.get_by_test_id("stSidebarNav").get_by_text("账号与审计").wait_for(timeout=15000)

    page.reload()
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("已登录：饼干（管理员）").wait_for(timeout=30000)

    # The overview's first view draws the rest in a second run once the map is painted:
    # click once that run has ended (a click racing it can lose the cookie's removal).
    page.get_by_text("各市县城类型统计", exact=False).first.wait_for(timeout=45000)
    page.locator(".st-key-xc-after-map").wait_for(state="detached", timeout=45000)
    sidebar.get_by_role("button", name="退出登录").click()
    sidebar.get_by_label("用户名").wait_for(state="attached", timeout=30000)
    page.wait_for_function("() => !document.cookie.includes('xiancheng_session=e')", timeout=10000)
    page.reload()
    page.get_by_test_id("stSidebar").get_by_text("登录", exact=True).first.wait_for(timeout=30000)
    assert page.get_by_text("已登录：饼干").count() == 0
    # the signed-out token is refused even if replayed
    page.context.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": app_url}])
    page.reload()
    page.get_by_test_id("stSidebar").get_by_text("登录", exact=True).first.wait_for(timeout=30000)
    page.wait_for_timeout(1500)
    assert page.get_by_text("已登录：饼干").count() == 0
