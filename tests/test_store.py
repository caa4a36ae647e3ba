"""The workspace store on SQLite and on a real PostgreSQL: migrations, history, races, scope, dump."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import String, inspect, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from xiancheng import store as st
from xiancheng.store import dump as dumping
from xiancheng.store import migrate, sessions
from xiancheng.store.db import NAMING_CONVENTION, engine_for
from sqlalchemy import MetaData


class ScratchBase(DeclarativeBase):
    """A feature-like versioned table for these tests only (kept off the store's Base)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Report(st.History, ScratchBase):
    __tablename__ = "scratch_report"
    __scope__ = ("unit", "adcode")
    unit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    adcode: Mapped[str | None] = mapped_column(String(6), nullable=True)
    status: Mapped[str] = mapped_column(String(20))


@pytest.fixture
def reports(store):
    ScratchBase.metadata.create_all(store.engine)
    return store


def editor(units=("市住建局",), areas=("140800",), name="wang"):
    return st.User(username=name, display_name=name, role="editor", units=tuple(units), areas=tuple(areas))


# -- migrations --------------------------------------------------------------------------


def test_migration_history_has_one_head():
    assert len(migrate.script_directory().get_heads()) == 1


def test_revisions_read_from_the_files_are_alembics():
    """The start-up check reads revision ids as text; they must be the graph Alembic loads."""
    alembic_graph = {s.revision: s.down_revision for s in migrate.script_directory().walk_revisions()}
    assert migrate.declared_revisions() == alembic_graph
    assert migrate._declared_head() == migrate.head_revision()


def test_is_at_head_only_for_a_database_at_the_newest_revision(store_url):
    engine = engine_for(store_url)
    assert not migrate.is_at_head(engine)  # no alembic_version table yet
    migrate.upgrade(engine, "0001_store")
    assert not migrate.is_at_head(engine)
    migrate.upgrade(engine)
    assert migrate.is_at_head(engine)
    with engine.begin() as connection:  # two rows (a branched history): Alembic decides, not the shortcut
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001_store')"))
    assert not migrate.is_at_head(engine)


def test_opening_a_store_at_the_newest_revision_imports_no_alembic(tmp_path):
    """What every server start does (checked in fresh interpreters): the first opening
    migrates with Alembic, the next finds the database current without importing it."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    code = (
        "import sys; from xiancheng import store; from xiancheng.store import migrate\n"
        f"s = store.open({url!r}); print('alembic' in sys.modules, migrate.is_at_head(s.engine))"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() for _ in range(2)]
    assert runs == [["True", "True"], ["False", "True"]]


def test_migrations_from_empty_step_by_step_match_the_models(store_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = engine_for(store_url)
    revisions = [s.revision for s in reversed(list(migrate.script_directory().walk_revisions()))]
    assert migrate.current_revision(engine) is None
    for revision in revisions:
        migrate.upgrade(engine, revision)
        assert migrate.current_revision(engine) == revision
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), st.Base.metadata)
    assert diff == []
    assert {"account", "audit", "data_version"} <= set(inspect(engine).get_table_names())
    # and all the way down and up again
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_upgrade_from_the_previous_revision_keeps_the_data(store_url, admin):
    """A database one revision behind (with data written then) upgrades and keeps every row."""
    head = migrate.script_directory().get_revision(migrate.head_revision())
    previous = head.down_revision
    engine = engine_for(store_url)
    migrate.upgrade(engine, "0001_store")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO audit (at, actor, action, outcome, target, client, detail) "
            "VALUES ('2026-01-02 03:04:05', 'li', 'sign_in', 'ok', '', '10.0.0.9', '')"))
    if previous is not None:
        migrate.upgrade(engine, previous)
    store = st.open(store_url)  # upgrades on open
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    [entry] = store.audit_log(actor="li")
    assert (entry.action, entry.client, entry.at.year, entry.at.second) == ("sign_in", "10.0.0.9", 2026, 5)


# -- history -----------------------------------------------------------------------------


def test_history_is_append_only_and_current_is_the_latest(reports, admin):
    with reports.write(admin, "report.save") as tx:
        tx.append(Report, "140821/a", None, unit="市住建局", adcode="140821", status="planned")
        tx.append(Report, "140822/b", None, unit="市住建局", adcode="140822", status="planned")
    with reports.write(admin, "report.save") as tx:
        tx.append(Report, "140821/a", 1, unit="市住建局", adcode="140821", status="started")
    with reports.write(admin, "report.save") as tx:
        tx.retire(Report, "140822/b", 1)

    current = reports.current(Report)
    assert [(r.key, r.version, r.status) for r in current] == [("140821/a", 2, "started")]
    assert [(r.version, r.status, r.retired) for r in reports.history(Report, "140822/b")] == [
        (1, "planned", False), (2, "planned", True)]
    history = reports.history(Report, "140821/a")
    assert [(r.version, r.status, r.created_by) for r in history] == [(1, "planned", "system:test"), (2, "started", "system:test")]
    assert history[0].created_at <= history[1].created_at and history[0].created_at.tzinfo is not None
    with reports.read() as session:
        assert session.scalar(text("SELECT count(*) FROM scratch_report")) == 4


def test_rows_are_never_updated_or_deleted(reports, admin):
    with reports.write(admin, "report.save") as tx:
        tx.append(Report, "k", None, unit="市住建局", adcode="140821", status="planned")
    with pytest.raises(st.StoreError, match="append-only"):
        with reports.write(admin, "report.fix") as tx:
            row = tx.session.scalars(select(Report)).one()
            row.status = "done"
    with pytest.raises(st.StoreError, match="append-only"):
        with reports.write(admin, "report.drop") as tx:
            tx.session.delete(tx.session.scalars(select(Report)).one())
    with pytest.raises(st.StoreError, match="Store.write"):
        with reports.read() as session:
            session.add(Report(key="x", version=1, retired=False, created_at=st.utcnow(), created_by="x", status="s"))
            session.flush()
    assert [(r.version, r.status) for r in reports.history(Report, "k")] == [(1, "planned")]


def test_data_version_counts_writes_only(reports, admin):
    before = reports.data_version()
    with reports.write(admin, "report.save") as tx:
        tx.append(Report, "k", None, unit="市住建局", adcode="140821", status="planned")
    assert reports.data_version() == before + 1
    reports.add_user(admin, "zhao", "long-password-1", "viewer")
    assert reports.data_version() == before + 2
    reports.sign_in("zhao", "long-password-1")
    with pytest.raises(st.SignInRefused):
        reports.sign_in("zhao", "nope")
    with reports.write(admin, "nothing"):
        pass
    assert reports.data_version() == before + 2
    # another Engine on the same database (as another process would have) reads the same number
    from sqlalchemy import create_engine

    other = create_engine(reports.url)
    with other.connect() as connection:
        assert connection.execute(text("SELECT version FROM data_version")).scalar_one() == before + 2
    other.dispose()


# -- optimistic concurrency --------------------------------------------------------------


def test_second_of_two_edits_based_on_the_same_version_is_refused_naming_who_and_when(reports, admin):
    with reports.write(admin, "report.save") as tx:
        tx.append(Report, "140821/a", None, unit="市住建局", adcode="140821", status="planned")
    wang, li = editor(name="wang"), editor(name="li")
    seen_by_wang = reports.get(Report, "140821/a").version
    seen_by_li = reports.get(Report, "140821/a").version
    with reports.write(wang, "report.save") as tx:
        saved = tx.append(Report, "140821/a", seen_by_wang, unit="市住建局", adcode="140821", status="started")
    with pytest.raises(st.StaleEdit) as refused:
        with reports.write(li, "report.save") as tx:
            tx.append(Report, "140821/a", seen_by_li, unit="市住建局", adcode="140821", status="done")
    message = str(refused.value)
    assert "wang" in message and saved.created_at.strftime("%Y-%m-%d %H:%M:%S") in message and "scratch_report" in message
    assert (refused.value.changed_by, refused.value.current_version, refused.value.based_on) == ("wang", 2, 1)
    assert [r.status for r in reports.history(Report, "140821/a")] == ["planned", "started"]
    [entry] = reports.audit_log(actor="li")
    assert entry.outcome == "refused" and "wang" in entry.detail


def test_racing_threads_exactly_one_save_wins(reports, admin):
    with reports.write(admin, "report.save") as tx:
        tx.append(Report, "race", None, unit="市住建局", adcode="140821", status="v1")
    start = threading.Barrier(4)
    outcomes = []

    def save(n):
        start.wait()
        try:
            with reports.write(editor(name=f"user{n}"), "report.save") as tx:
                tx.append(Report, "race", 1, unit="市住建局", adcode="140821", status=f"by {n}")
            outcomes.append(("ok", n))
        except st.StaleEdit as error:
            outcomes.append(("stale", error.changed_by))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [n for kind, n in outcomes if kind == "ok"]
    assert len(outcomes) == 4 and len(winners) == 1
    assert {who for kind, who in outcomes if kind == "stale"} == {f"user{winners[0]}"}
    assert [r.version for r in reports.history(Report, "race")] == [1, 2]


def test_current_rows_are_the_current_state_as_plain_rows(reports, admin):
    with reports.write(admin, "report.import") as tx:
        for n in range(5):
            tx.append(Report, f"1408{n:02d}/e", None, unit="市住建局", adcode=f"1408{n:02d}", status="planned")
    with reports.write(admin, "report.save") as tx:
        tx.append(Report, "140801/e", 1, unit="市发改委", adcode="140801", status="done")
        tx.retire(Report, "140802/e", 1)
    rows = reports.current_rows(Report)
    assert [(r.key, r.version, r.unit, r.status) for r in rows] == [
        (o.key, o.version, o.unit, o.status) for o in reports.current(Report)]
    assert [(r.key, r.version, r.status) for r in rows] == [
        ("140800/e", 1, "planned"), ("140801/e", 2, "done"), ("140803/e", 1, "planned"), ("140804/e", 1, "planned")]
    assert rows[1].created_at.tzinfo is not None and rows[1].created_by == "system:test"
    # filters apply to the current version only: 140801 moved to 市发改委 in version 2
    assert [r.key for r in reports.current_rows(Report, Report.unit == "市住建局")] == ["140800/e", "140803/e", "140804/e"]
    assert "140802/e" in {r.key for r in reports.current_rows(Report, include_retired=True)}


def test_several_versions_of_one_record_in_one_transaction_and_a_stale_one_refused(reports, admin):
    with reports.write(admin, "report.import") as tx:
        first = tx.append(Report, "140821/b", None, unit="市住建局", adcode="140821", status="planned")
        second = tx.append(Report, "140821/b", first.version, unit="市住建局", adcode="140821", status="started")
        tx.append(Report, "140821/c", None, unit="市住建局", adcode="140821", status="planned")
    assert (first.version, second.version) == (1, 2)
    assert [r.status for r in reports.history(Report, "140821/b")] == ["planned", "started"]
    with pytest.raises(st.StaleEdit) as refused:
        with reports.write(editor(name="li"), "report.import") as tx:
            tx.append(Report, "140821/c", 1, unit="市住建局", adcode="140821", status="done")
            tx.append(Report, "140821/b", 1, unit="市住建局", adcode="140821", status="done")  # v2 exists
    assert (refused.value.changed_by, refused.value.current_version) == ("system:test", 2)
    # all or nothing: the good append of the same transaction is not saved either
    assert [r.version for r in reports.history(Report, "140821/c")] == [1]


def test_a_save_landing_between_lookup_and_commit_is_refused_at_the_flush(reports, admin):
    """PostgreSQL lets two writers overlap (SQLite queues them on BEGIN IMMEDIATE): the unique
    (key, version) refuses the later insert, reported as a StaleEdit naming who saved first."""
    if not reports.url.startswith("postgresql"):
        pytest.skip("SQLite writers never overlap")
    with reports.write(admin, "report.save") as tx:
        tx.append(Report, "140821/d", None, unit="市住建局", adcode="140821", status="v1")
    with pytest.raises(st.StaleEdit) as refused:
        with reports.write(editor(name="li"), "report.save") as slow:
            slow.append(Report, "140821/d", 1, unit="市住建局", adcode="140821", status="by li")
            with reports.write(editor(name="wang"), "report.save") as fast:
                fast.append(Report, "140821/d", 1, unit="市住建局", adcode="140821", status="by wang")
    assert (refused.value.changed_by, refused.value.current_version) == ("wang", 2)
    assert [r.status for r in reports.history(Report, "140821/d")] == ["v1", "by wang"]


# -- scope -------------------------------------------------------------------------------


@pytest.mark.parametrize("unit, adcode, allowed", [
    ("市住建局", "140821", True),     # a county of their city
    ("市住建局", "140800", True),     # the city itself
    ("市住建局", "140105", False),    # another city's district
    ("市发改委", "140821", False),    # another department
    (None, "140821", False),          # a record without a department
    ("市住建局", None, False),        # a record without an area
])
def test_store_refuses_writes_outside_the_editor_scope(reports, unit, adcode, allowed):
    wang = editor()
    def attempt():
        with reports.write(wang, "report.save", client="10.1.1.1") as tx:
            tx.append(Report, f"{unit}/{adcode}", None, unit=unit, adcode=adcode, status="planned")

    if allowed:
        attempt()
        assert reports.get(Report, f"{unit}/{adcode}").created_by == "wang"
    else:
        with pytest.raises(st.ScopeError, match="wang"):
            attempt()
        assert reports.current(Report) == []
        [entry] = reports.audit_log(actor="wang")
        assert (entry.outcome, entry.client) == ("refused", "10.1.1.1")


def test_viewers_anonymous_and_editors_cannot_write_admin_tables(reports, admin):
    viewer = st.User("zhou", "zhou", "viewer")
    with pytest.raises(st.ScopeError):
        with reports.write(viewer, "report.save") as tx:
            tx.append(Report, "k", None, unit="市住建局", adcode="140821", status="x")
    with pytest.raises(st.ScopeError, match="sign-in"):
        with reports.write(None, "report.save"):
            pass
    with pytest.raises(st.ScopeError, match="only admins"):
        reports.add_user(editor(), "mallory", "long-password-1", "admin")
    assert reports.user("mallory") is None
    province = editor(units=(), areas=("140000",), name="sheng")
    assert province.can_write(None, "140821") and not province.can_write(None, "130100")


@pytest.mark.parametrize("area, adcode, covered", [
    ("140800", "140821", True), ("140800", "140800", True), ("140800", "140900", False),
    ("140821", "140821", True), ("140821", "140822", False), ("140000", "141100", True), ("140000", "150100", False),
])
def test_area_covers(area, adcode, covered):
    assert st.area_covers(area, adcode) is covered


# -- accounts and sign-in ----------------------------------------------------------------


def test_sign_in_checks_the_password_audits_every_attempt_and_never_stores_it(store, admin):
    store.add_user(admin, "liu", "correct horse", "editor", units=["市住建局"], areas=["140800"], display_name="刘")
    user = store.sign_in("liu", "correct horse", client="10.2.2.2")
    assert (user.display_name, user.role, user.units, user.areas) == ("刘", "editor", ("市住建局",), ("140800",))
    for wrong in ("correct-horse", ""):
        with pytest.raises(st.SignInRefused):
            store.sign_in("liu", wrong, client="10.2.2.2")
    with pytest.raises(st.SignInRefused):
        store.sign_in("nobody", "correct horse")
    outcomes = [(e.actor, e.action, e.outcome) for e in store.audit_log(action="sign_in")]
    assert outcomes == [("nobody", "sign_in", "failed"), ("liu", "sign_in", "failed"),
                        ("liu", "sign_in", "failed"), ("liu", "sign_in", "ok")]
    with store.read() as session:
        everything = json.dumps(dumping.dump(store), ensure_ascii=False)
    assert "correct horse" not in everything and "correct-horse" not in everything
    assert store.user("liu").version == 1 and "argon2" in store.current(st.Account)[0].password_hash


def test_failed_sign_ins_are_rate_limited_per_user_name_and_per_client(store, admin):
    from xiancheng.store import accounts

    store.add_user(admin, "sun", "right password", "viewer")
    store.add_user(admin, "qian", "right password", "viewer")
    for _ in range(accounts.FAILURES_PER_USER):
        with pytest.raises(st.SignInRefused, match="wrong"):
            store.sign_in("sun", "bad guess", client=f"10.3.3.{_}")
    with pytest.raises(st.SignInRefused, match="too many") as refused:
        store.sign_in("sun", "right password", client="10.9.9.9")
    assert 0 < refused.value.retry_after_seconds <= accounts.FAILURE_WINDOW_SECONDS
    assert store.sign_in("qian", "right password").username == "qian"  # another name is unaffected
    # one client guessing many names is limited too
    for n in range(accounts.FAILURES_PER_CLIENT):
        with pytest.raises(st.SignInRefused, match="wrong"):
            store.sign_in(f"guess{n}", "x", client="10.6.6.6")
    with pytest.raises(st.SignInRefused, match="too many"):
        store.sign_in("qian", "right password", client="10.6.6.6")
    assert store.sign_in("qian", "right password", client="10.4.4.4").username == "qian"


def test_account_versions_and_disabling(store, admin):
    store.add_user(admin, "wu", "first password", "editor", areas=["140821"])
    with pytest.raises(st.StoreError, match="already exists"):
        store.add_user(admin, "wu", "first password", "viewer")
    store.update_user(admin, "wu", 1, password="second password")
    with pytest.raises(st.StaleEdit, match="system:test"):
        store.update_user(admin, "wu", 1, role="admin")
    assert store.sign_in("wu", "second password").version == 2
    store.update_user(admin, "wu", 2, disabled=True)
    with pytest.raises(st.SignInRefused):
        store.sign_in("wu", "second password")
    assert [(u.username, u.version) for u in store.users(include_retired=True)] == [("wu", 3)]
    assert store.users() == []
    for bad in (dict(role="boss"), dict(role="editor"), dict(role="editor", areas=["1408"])):
        with pytest.raises(st.StoreError):
            store.add_user(admin, "x", "long password", **bad)
    with pytest.raises(st.StoreError, match="too short"):
        store.add_user(admin, "y", "short", "viewer")


# -- dump and restore --------------------------------------------------------------------


def _fill(store, admin):
    store.add_user(admin, "甲", "password one", "editor", units=["市住建局", "市发改委"], areas=["140800", "140921"],
                   display_name="甲 · 住建")
    store.add_user(admin, "yi", "password two", "admin")
    store.update_user(admin, "甲", 1, display_name="甲（改）")
    store.sign_in("yi", "password two", client="10.5.5.5")
    with pytest.raises(st.SignInRefused):
        store.sign_in("yi", "wrong password", client="10.5.5.5")
    sessions.shared_secret(store, "sign_in_cookie")


@pytest.mark.parametrize("target_kind", ["sqlite", "postgresql"])
def test_dump_restore_round_trip_is_exact_across_databases(store, admin, target_kind, request, tmp_path):
    _fill(store, admin)
    first = dumping.dump(store, tmp_path / "dump.json")
    # Other features' tables are dumped too (empty here).
    assert {name: len(t["rows"]) for name, t in first["tables"].items() if t["rows"]} == {
        "account": 3, "app_secret": 1, "audit": 5, "data_version": 1}

    if target_kind == "postgresql":
        cluster = request.getfixturevalue("postgres_cluster")
        target_url = cluster.create()
        request.addfinalizer(lambda: (st.forget(target_url), cluster.drop(target_url)))
    else:
        target_url = f"sqlite:///{tmp_path}/other.sqlite"
        request.addfinalizer(lambda: st.forget(target_url))
    target = st.open(target_url)
    counts = dumping.restore(target, dumping.load(tmp_path / "dump.json"))
    assert {name: n for name, n in counts.items() if n} == {"account": 3, "app_secret": 1, "audit": 5, "data_version": 1}
    second = dumping.dump(target)
    assert second == first
    # the restored workspace works: sign-in, versions continue, ids continue after the restored ones
    assert target.sign_in("甲", "password one").display_name == "甲（改）"
    token, _nonce = sessions.issue(store, store.user("yi"))
    assert sessions.user_for(target, token, 60).username == "yi"  # same cookie key after a restore
    target.update_user(admin, "甲", 2, role="viewer")
    assert [r.id for r in target.history(st.Account, "甲")][-1] > max(r[first["tables"]["account"]["columns"].index("id")]
                                                                    for r in first["tables"]["account"]["rows"])
    with pytest.raises(st.StoreError, match="already has rows"):
        dumping.restore(target, first)
    dumping.restore(target, first, replace=True)
    assert dumping.dump(target) == first


def test_restore_refuses_a_dump_of_another_revision_or_format(store, tmp_path):
    data = dumping.dump(store)
    data["revision"] = "9999_future"
    with pytest.raises(st.StoreError, match="9999_future"):
        dumping.restore(store, data)
    bad = tmp_path / "bad.json"
    bad.write_text('{"tables": {}}')
    with pytest.raises(st.StoreError, match="bad.json"):
        dumping.load(bad)


# -- sign-in tokens (the cookie) ---------------------------------------------------------


def test_sign_in_tokens_expire_and_die_with_account_changes_and_sign_out(store, admin):
    import time

    store.add_user(admin, "he", "token password", "viewer")
    user = store.user("he")
    token, nonce = sessions.issue(store, user)
    assert sessions.user_for(store, token, 3600) == user
    assert sessions.user_for(store, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], 3600) is None
    time.sleep(2.1)
    assert sessions.user_for(store, token, 1) is None                      # expired
    second, second_nonce = sessions.issue(store, user)
    store.audit("he", "sign_out", "ok", target=f"session:{nonce}")         # the first session signed out
    assert sessions.user_for(store, token, 3600) is None
    assert sessions.user_for(store, second, 3600) == user                  # the other tab stays signed in
    store.update_user(admin, "he", 1, password="a new password")
    assert sessions.user_for(store, second, 3600) is None                  # a new account version
    assert sessions.shared_secret(store, "sign_in_cookie") == sessions.shared_secret(store, "sign_in_cookie")
