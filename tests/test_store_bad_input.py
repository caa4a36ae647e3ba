"""A database setting that cannot work: each case names XIANCHENG_DATABASE_URL and the fix, and loses nothing."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from appserver import ROOT, free_port
from xiancheng import store
from xiancheng.store import dump as dumping
from xiancheng.store.db import engine_for


def cli(*args, url: str, stdin: str = ""):
    env = {**os.environ, "XIANCHENG_DATABASE_URL": url}
    command = [sys.executable, "-m", "xiancheng", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, input=stdin, timeout=120)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def saved(tmp_path, admin):
    """An SQLite store with an account in it, closed, and its file's checksum."""
    url = f"sqlite:///{tmp_path}/saved.sqlite"
    workspace = store.open(url)
    workspace.add_user(admin, "keeper", "keeper password", "viewer")
    store.forget(url)
    path = tmp_path / "saved.sqlite"
    return url, path, sha(path)


@pytest.mark.parametrize("url, words", [
    ("not a database url", ["is not a database URL", "sqlite:///"]),
    ("mysql://root@localhost/x", ["'mysql'", "postgresql+psycopg://"]),
    ("sqlite://", ["in-memory", "name a file"]),
])
def test_a_malformed_url_names_the_setting_and_the_forms_that_work(url, words):
    with pytest.raises(store.DatabaseSettingError) as error:
        store.open(url)
    assert "XIANCHENG_DATABASE_URL" in str(error.value) and all(w in str(error.value) for w in words)
    result = cli("db", "current", url=url)
    assert result.returncode == 3 and "XIANCHENG_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_server_is_named_without_its_password():
    url = f"postgresql+psycopg://someone:s3cret-pw@127.0.0.1:{free_port()}/xiancheng"
    with pytest.raises(store.DatabaseSettingError) as error:
        store.open(url)
    message = str(error.value)
    assert "cannot reach the database at XIANCHENG_DATABASE_URL=postgresql+psycopg://someone:***@127.0.0.1" in message
    assert "server is running" in message and "s3cret-pw" not in message
    result = cli("user", "list", url=url)
    assert result.returncode == 3 and "server is running" in result.stderr and "s3cret-pw" not in result.stderr


def test_a_database_from_a_newer_app_is_refused_and_left_alone(saved):
    url, path, _ = saved
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    store.forget(url)
    before = sha(path)
    with pytest.raises(store.DatabaseSettingError, match="0099_from_the_future.*newer version.*Update the app"):
        store.open(url)
    result = cli("user", "add", "x", "--role", "viewer", "--password-stdin", url=url, stdin="long enough pw\n")
    assert result.returncode == 3 and "XIANCHENG_DATABASE_URL" in result.stderr and "newer" in result.stderr
    store.forget(url)
    assert sha(path) == before


def test_a_database_at_an_older_revision_is_migrated_on_start_and_keeps_its_rows(tmp_path, admin):
    url = f"sqlite:///{tmp_path}/old.sqlite"
    engine = engine_for(url)
    store.migrate.upgrade(engine, "0001_store")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO audit (at, actor, action, outcome, target, client, detail) "
                                "VALUES ('2025-05-05 05:05:05', 'old', 'sign_in', 'ok', '', '', '')"))
    result = cli("db", "current", url=url)
    assert "0001_store" in result.stdout and "db upgrade" in result.stdout
    workspace = store.open(url)
    assert store.migrate.current_revision(workspace.engine) == store.migrate.head_revision()
    assert [e.actor for e in workspace.audit_log()] == ["old"]
    store.forget(url)


def test_a_read_only_sqlite_file_refuses_writes_with_the_fix_and_keeps_the_file(saved, admin):
    # SQLite opened read-only (root ignores file modes, so the tests cannot chmod their way there)
    url, path, _ = saved
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    before = sha(path)
    try:
        workspace = store.open(read_only)
        with pytest.raises(store.DatabaseSettingError, match="read-only.*XIANCHENG_DATABASE_URL|XIANCHENG_DATABASE_URL.*read-only"):
            workspace.add_user(admin, "new", "long enough pw", "viewer")
        assert workspace.user("keeper").role == "viewer"  # reading still works
        result = cli("user", "add", "x", "--role", "viewer", "--password-stdin", url=read_only, stdin="long enough pw\n")
        assert result.returncode == 3 and "read-only" in result.stderr and "XIANCHENG_DATABASE_URL" in result.stderr
    except store.DatabaseSettingError as error:  # refused already on open: also fine, if it says why
        assert "read-only" in str(error) and "XIANCHENG_DATABASE_URL" in str(error)
    store.forget(read_only)
    assert sha(path) == before
    assert [u.username for u in store.open(url).users()] == ["keeper"]
    store.forget(url)


def test_the_app_names_a_bad_setting_in_the_sidebar_and_still_shows_the_plans(monkeypatch, saved):
    from streamlit.testing.v1 import AppTest

    url, path, _ = saved
    with engine_for(url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    store.forget(url)
    monkeypatch.setenv("XIANCHENG_DATABASE_URL", url)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception
    message = re.sub(r"\\(.)", r"\1", app.sidebar.error[0].value)  # as read: the error is Markdown-escaped
    assert "数据库不可用" in message and "XIANCHENG_DATABASE_URL" in message and "0099_from_the_future" in message
    assert [m for m in app.markdown if m.value.startswith("| 所属城市")]


def test_restore_of_a_broken_file_names_it_and_changes_nothing(store_url, admin, tmp_path):
    workspace = store.open(store_url)
    workspace.add_user(admin, "kept", "kept password", "viewer")
    before = dumping.dump(workspace)
    broken = tmp_path / "backup.json"
    broken.write_text('{"format": "xiancheng-store-dump", "revision": "%s", "tables": {"account": {"columns": ["id"], '
                      '"rows": [[1], [1]]}}}' % before["revision"])
    result = cli("db", "restore", str(broken), "--replace", url=store_url)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert dumping.dump(workspace) == before
