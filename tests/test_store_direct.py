"""The driver-level save (store.direct) on SQLite and on a real PostgreSQL: what it writes equals
what the Session path writes, its refusals write nothing, a collision at the unique key is a
StaleEdit naming the winner, and a connection the server dropped is replaced."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import JSON, Date, LargeBinary, MetaData, Numeric, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from xiancheng import store as st
from xiancheng.store import db
from xiancheng.store.db import NAMING_CONVENTION


class ScratchBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Sheet(st.History, ScratchBase):
    """Every kind of column a feature table uses."""

    __tablename__ = "scratch_sheet"
    __scope__ = ("unit", "adcode")
    unit: Mapped[str] = mapped_column(String(100))
    adcode: Mapped[str] = mapped_column(String(6))
    label: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    share: Mapped[Decimal | None] = mapped_column(Numeric(14, 4), nullable=True)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)


@pytest.fixture
def sheets(store):
    ScratchBase.metadata.create_all(store.engine)
    return store


VALUES = dict(unit="市住建局", adcode="140821", label="第一版", note="多行\n说明 'quoted' %(not a param)s",
              share=Decimal("12.3456"), due=date(2026, 12, 31), payload=b"\x00\xffbytes",
              mapping={"列": ["a", 1, None], "ok": True})
COLUMNS = ("key", "version", "retired", "created_by", "unit", "adcode", "label", "note", "share", "due",
           "payload", "mapping")


def saved(store, key) -> list[tuple]:
    return [tuple(getattr(r, c) for c in COLUMNS) for r in store.history(Sheet, key)]


def state(store) -> tuple:
    """Everything a write touches besides the history: pointers, data version, audit, projection."""
    with store.engine.connect() as connection:
        pointers = connection.execute(text("SELECT key, version, row_id FROM current_row ORDER BY key")).all()
        projected = connection.execute(text("SELECT key, version, id FROM scratch_sheet_current ORDER BY key")).all()
    return pointers, store.data_version(), len(store.audit_log()), projected


def test_direct_save_writes_what_the_session_path_writes(sheets, admin):
    with sheets.write(admin, "sheet.save") as tx:  # only appends: the driver-level save
        direct = tx.append(Sheet, "direct", None, **VALUES)
        assert tx._session is None
    with sheets.write(admin, "sheet.save") as tx:  # a query first: the Session path
        tx.session.execute(text("SELECT 1"))
        orm = tx.append(Sheet, "orm", None, **VALUES)
    assert saved(sheets, "direct")[0][1:] == saved(sheets, "orm")[0][1:]
    assert saved(sheets, "direct")[0] == ("direct", 1, False, "system:test", *VALUES.values())
    stored = sheets.get(Sheet, "direct")
    assert (direct.id, direct.version) == (stored.id, stored.version)
    assert orm.id > direct.id
    # an edit and a report after the latest, both direct
    with sheets.write(admin, "sheet.edit") as tx:
        edit = tx.append(Sheet, "direct", 1, **{**VALUES, "share": None, "due": None, "payload": None})
    with sheets.write(admin, "sheet.report") as tx:
        after = tx.append_after_latest(Sheet, "direct", **{**VALUES, "label": "第三版"})
        assert after.version is None  # known once the write ended
    assert (edit.version, after.version) == (2, 3)
    assert [(r[1], r[6], r[8]) for r in saved(sheets, "direct")] == [
        (1, "第一版", Decimal("12.3456")), (2, "第一版", None), (3, "第三版", Decimal("12.3456"))]
    pointers, version, audits, projected = state(sheets)
    assert [(k, v) for k, v, _ in pointers] == [("direct", 3), ("orm", 1)]
    assert [row_id for k, _, row_id in pointers if k == "direct"] == [after.id]
    assert version == 4 and audits == 4
    # the projection holds each record's latest row, every value as the history has it
    assert projected == pointers
    assert [tuple(getattr(r, c) for c in COLUMNS) for r in sheets.current_rows(Sheet)] == [
        saved(sheets, "direct")[-1], saved(sheets, "orm")[-1]]
    assert [r.created_at for r in sheets.current_rows(Sheet)] == [r.created_at for r in (sheets.get(Sheet, "direct"),
                                                                                        sheets.get(Sheet, "orm"))]
    assert [e.action for e in sheets.audit_log()] == ["sheet.report", "sheet.edit", "sheet.save", "sheet.save"]
    assert sheets.audit_log()[0].target == "scratch_sheet:direct"


def test_direct_refusals_write_nothing(sheets, admin):
    with sheets.write(admin, "sheet.save") as tx:
        tx.append(Sheet, "a", None, **VALUES)
    before = state(sheets)
    with pytest.raises(st.StaleEdit) as stale:
        with sheets.write(admin, "sheet.save") as tx:
            tx.append(Sheet, "a", None, **VALUES)  # it exists
    assert (stale.value.current_version, stale.value.changed_by, stale.value.based_on) == (1, "system:test", None)
    assert stale.value.changed_at.tzinfo is not None
    with pytest.raises(st.StoreError, match="does not exist"):
        with sheets.write(admin, "sheet.save") as tx:
            tx.append(Sheet, "missing", 4, **VALUES)
    with pytest.raises(st.StaleEdit):
        with sheets.write(admin, "sheet.save") as tx:
            tx.append(Sheet, "a", 3, **VALUES)  # a version that never was
    pointers, version, audits, projected = state(sheets)
    assert (pointers, version, projected) == (*before[:2], before[3])
    assert audits == before[2] + 2 and {e.outcome for e in sheets.audit_log()[:2]} == {"refused"}  # the StaleEdits
    assert [r[1] for r in saved(sheets, "a")] == [1] and saved(sheets, "missing") == []


def test_a_value_too_long_is_refused_not_cut(sheets, admin):
    if sheets.engine.dialect.name == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    before = state(sheets)
    with pytest.raises(Exception, match="too long"):
        with sheets.write(admin, "sheet.save") as tx:
            tx.append(Sheet, "long", None, **{**VALUES, "label": "x" * 11})
    assert state(sheets) == before and saved(sheets, "long") == []
    with sheets.write(admin, "sheet.save") as tx:  # the pooled connection is fine afterwards
        tx.append(Sheet, "long", None, **{**VALUES, "label": "x" * 10})
    assert saved(sheets, "long")[0][6] == "x" * 10


@pytest.mark.parametrize("after_latest", [False, True])
def test_a_save_blocked_on_the_unique_key_is_a_stale_edit_naming_the_winner(postgres_url, admin, after_latest):
    """PostgreSQL: our statement's snapshot predates the winner's insert, so the version check
    passes and the unique (key, version) refuses ours once the winner commits."""
    store = st.open(postgres_url)
    ScratchBase.metadata.create_all(store.engine)
    with store.write(admin, "sheet.save") as tx:
        tx.append(Sheet, "k", None, **VALUES)
    outcome = []

    def ours():
        try:
            with store.write(st.system_user("li"), "sheet.save") as tx:
                if after_latest:
                    tx.append_after_latest(Sheet, "k", **VALUES)
                else:
                    tx.append(Sheet, "k", 1, **VALUES)
            outcome.append("saved")
        except st.StaleEdit as stale:
            outcome.append(stale)

    with store.engine.connect() as winner:  # holds version 2 uncommitted, like a slow transaction
        winner.execute(text("INSERT INTO scratch_sheet (key, version, retired, created_at, created_by, unit, adcode, "
                            "label, note, mapping) VALUES ('k', 2, false, now(), 'system:wang', 'u', '140821', "
                            "'w', '', '{}')"))
        thread = threading.Thread(target=ours)
        thread.start()
        deadline = time.monotonic() + 10
        while not _waiting_on_a_lock(store) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_on_a_lock(store), "our save should wait on the winner's row"
        winner.commit()
    thread.join(30)
    [stale] = outcome
    assert isinstance(stale, st.StaleEdit), stale
    assert (stale.changed_by, stale.current_version, stale.based_on) == ("system:wang", 2, 1)
    assert [r[1] for r in saved(store, "k")] == [1, 2]
    assert store.audit_log(actor="system:li")[0].outcome == "refused"


def _waiting_on_a_lock(store) -> bool:
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                       "AND datname = current_database()")).scalar() > 0


def test_a_connection_the_server_dropped_fails_one_save_and_is_replaced(postgres_url, admin, monkeypatch):
    store = st.open(postgres_url)
    ScratchBase.metadata.create_all(store.engine)
    with store.write(admin, "sheet.save") as tx:
        tx.append(Sheet, "a", None, **VALUES)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600)  # no ping: the save meets the dead connection
    held = [store.engine.raw_connection() for _ in range(3)]  # three connections in the pool
    for pooled in held:
        pooled.close()
    from sqlalchemy import create_engine

    killer = create_engine(postgres_url)
    with killer.begin() as connection:
        killed = connection.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    killer.dispose()
    assert killed >= 1
    with pytest.raises(st.DatabaseSettingError, match="XIANCHENG_DATABASE_URL"):
        with store.write(admin, "sheet.save") as tx:
            tx.append(Sheet, "a", 1, **VALUES)
    with store.write(admin, "sheet.save") as tx:  # the pool replaced all of them, not only the one that failed
        tx.append(Sheet, "a", 1, **VALUES)
    assert [r[1] for r in saved(store, "a")] == [1, 2]
    pooled = store.engine.raw_connection()
    try:
        assert pooled.driver_connection.autocommit is False  # lent back as the pool lent it
    finally:
        pooled.close()
