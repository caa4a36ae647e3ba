"""A shared deployment: two app processes on one PostgreSQL, behind deploy/'s nginx config."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from appserver import ROOT, free_port, running_app
from xiancheng import store

pytestmark = pytest.mark.browser

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "deploy password"


@pytest.fixture(scope="module")
def two_apps(postgres_cluster):
    """Two app processes on different ports sharing one fresh PostgreSQL database."""
    url = postgres_cluster.create()
    workspace = store.open(url)
    workspace.add_user(store.system_user("test"), "ops", PASSWORD, "admin", display_name="运维")
    with ExitStack() as stack:
        first, _, _ = stack.enter_context(running_app(env={"XIANCHENG_DATABASE_URL": url}))
        second, _, _ = stack.enter_context(running_app(env={"XIANCHENG_DATABASE_URL": url}))
        yield first, second, workspace
    store.forget(url)
    postgres_cluster.drop(url)


@contextmanager
def running_nginx(backends: list[str]):
    """Debian's nginx with deploy/nginx-xiancheng.conf, its ports pointed at the test's processes."""
    if not Path(NGINX).exists():
        pytest.fail("nginx not installed: run `bash scripts/install-test-deps.sh` (make test does)")
    site = (ROOT / "deploy" / "nginx-xiancheng.conf").read_text()
    ports = [b.rsplit(":", 1)[1] for b in backends]
    site = site.replace("127.0.0.1:8601", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:8602", f"127.0.0.1:{ports[1]}")
    port = free_port()
    site = re.sub(r"listen 8080;", f"listen 127.0.0.1:{port};", site)
    prefix = Path(tempfile.mkdtemp(prefix="xiancheng-nginx-"))
    (prefix / "site.conf").write_text(site)
    (prefix / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\nevents {{}}\n"
        f"http {{\n access_log {prefix}/access.log;\n client_body_temp_path {prefix}/body;\n"
        f" proxy_temp_path {prefix}/proxy;\n fastcgi_temp_path {prefix}/fastcgi;\n uwsgi_temp_path {prefix}/uwsgi;\n"
        f" scgi_temp_path {prefix}/scgi;\n include {prefix}/site.conf;\n}}\n")
    check = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("nginx did not start: " + (prefix / "error.log").read_text(errors="replace"))
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(prefix, ignore_errors=True)


def sign_in(page, name: str = "ops", password: str = PASSWORD) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("登录", exact=True).first.click()
    sidebar.get_by_label("用户名").fill(name)
    sidebar.get_by_label("密码").fill(password)
    sidebar.get_by_role("button", name="登录").click()
    sidebar.get_by_text("已登录：运维（管理员）").wait_for(timeout=30000)
    # the next page load is a new Streamlit session: it finds the sign-in in the cookie
    page.wait_for_function("() => document.cookie.includes('xiancheng_session=')", timeout=10000)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    return context, context.new_page()


def test_a_write_in_one_process_shows_in_the_other_within_5_seconds(browser, two_apps):
    first, second, workspace = two_apps
    context_a, page_a = new_page(browser)
    context_b, page_b = new_page(browser)
    try:
        for page, base in ((page_a, first), (page_b, second)):
            page.goto(base + "/")
            sign_in(page)
            page.goto(base + "/admin")
            page.get_by_text("共 1 个有效账号").wait_for(timeout=30000)
        # process B has drawn (and cached) the account list; now process A writes
        page_a.get_by_text("新增账号").click()
        page_a.get_by_label("用户名", exact=True).last.fill("zhang_cross")
        page_a.get_by_label("密码", exact=True).last.fill("another password")
        page_a.get_by_test_id("stMain").get_by_label("区划").fill("140800")
        page_a.get_by_role("button", name="新增").click()
        page_a.get_by_text("已新增账号 zhang_cross。").wait_for(timeout=15000)
        written = time.monotonic()
        page_b.get_by_text("zhang_cross").first.wait_for(timeout=5000)
        seen_after = time.monotonic() - written
        assert seen_after < 5
        assert workspace.user("zhang_cross").areas == ("140800",)
        latest = workspace.audit_log(action="account.add")[0]
        assert (latest.actor, latest.target) == ("ops", "account:zhang_cross")
    finally:
        context_a.close()
        context_b.close()


def test_nginx_balances_browsers_over_both_processes_and_keeps_each_on_one(browser, two_apps):
    first, second, _ = two_apps
    backends = {first.removeprefix("http://"), second.removeprefix("http://")}
    with running_nginx(sorted(backends)) as proxy:
        seen: dict[str, int] = {}
        for attempt in range(16):  # each fresh browser lands on a random process; P(one only after 16) = 2^-15
            context, page = new_page(browser)
            try:
                response = page.goto(proxy + "/")
                backend = response.headers["x-xiancheng-backend"]
                assert backend in backends
                # the page draws through the proxied websocket
                page.get_by_text("显示县级单位 117 个").wait_for(timeout=30000)
                for _ in range(2):  # reloads and its websocket stay on the same process
                    assert page.reload().headers["x-xiancheng-backend"] == backend
                page.get_by_text("显示县级单位 117 个").wait_for(timeout=30000)
                seen[backend] = seen.get(backend, 0) + 1
            finally:
                context.close()
            if len(seen) == 2:
                break
        assert set(seen) == backends, seen
