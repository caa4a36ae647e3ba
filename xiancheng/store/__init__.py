"""The workspace store: what people enter (accounts, audit, imports, progress), SQLite or PostgreSQL.

No Streamlit, no folium here. Essentials (full guide for feature developers: ISSUES/STORE-API.md):

Open: ``store = xiancheng.store.open()`` gives the process's Store for the ``database_url``
setting (env XIANCHENG_DATABASE_URL; default SQLite file data/xiancheng.sqlite), migrated
to the newest Alembic revision. One Engine per process and URL; every call takes a fresh
Session (never keep one in st.session_state). Problems with the database raise
DatabaseSettingError naming the setting and the fix.

Your own tables: a module here (``xiancheng/store/progress.py``) declaring models on
``db.Base``; versioned tables mix in ``History`` and say which columns carry their scope::

    class ProgressReport(History, Base):
        __tablename__ = "progress_report"
        __scope__ = ("unit", "adcode")      # None: admins only
        unit: Mapped[str] = mapped_column(String(100))
        adcode: Mapped[str] = mapped_column(String(6))
        status: Mapped[str] = mapped_column(String(20))

import it below, and add an Alembic revision under migrations/versions whose down_revision
is the current head (``python -m xiancheng db revision -m "progress reports"`` autogenerates
it; re-point down_revision after merging main so there is one head).

Writing (the only way; scope checked here, audited, data version bumped, one commit)::

    with store.write(user, "progress.report", client=ip) as tx:
        tx.append(ProgressReport, key="140821/task-12", based_on=3,   # version the edit started from
                  unit="市住建局", adcode="140821", status="done")

A stale ``based_on`` raises StaleEdit (who changed it and when) when the write ends (or
when ``tx.session`` is first used), so catch it around the ``with``; a record outside the
user's scope raises ScopeError at the append; both roll back and are audited as refused.
A write that only appends runs at driver level (``direct.py``: one statement on PostgreSQL). Rows are never
updated or deleted (the session refuses): ``tx.retire(...)`` appends a retired version.

Reading: ``store.current(ProgressReport, ProgressReport.adcode == "140821")``,
``store.get(Model, key)``, ``store.history(Model, key)``, ``store.read()`` for a Session.
Caches key on ``store.data_version()`` (one cheap row, bumped by every write anywhere).
The current state is kept beside the history, in each write's transaction: ``current_row``
(record → its latest history row) and, per History table, a projection ``<table>_current``
(a copy of that row, one per key; ``store.projection(Model)``) that ``current``/``current_rows``
read. Both are derived, so not dumped: rows bulk-inserted around ``store.write`` need
``store.rebuild_current(Model)``. ``current_rows`` gives plain rows, several times cheaper than
ORM objects for thousands of records.

Accounts: ``store.add_user(admin, name, password, "editor", units=["市住建局"], areas=["140800"])``,
``store.sign_in(name, password, client=ip)`` (audited, rate-limited), ``store.audit_log(...)``.
"""

from . import db, migrate
from .db import Base, UTCDateTime, utcnow
from .errors import DatabaseSettingError, ScopeError, SignInRefused, StaleEdit, StoreBusy, StoreError
from .history import CurrentRow, History, current_select, latest_row, projection, rebuild_current
from .models import Account, AppSecret, AuditEntry, DataVersion
from .scope import ROLES, User, area_covers, authorize, system_user
from .workspace import Store, Writer, forget, open_store

# Feature modules with their own tables are imported here so Base.metadata (migrations,
# dump/restore) knows every table.
from . import progress  # noqa: E402,F401  (progress_report, issue 14)
from . import imports  # noqa: E402,F401  (issue 13: imported tables)

open = open_store  # noqa: A001  (xiancheng.store.open() reads naturally)

__all__ = [
    "Account", "AppSecret", "AuditEntry", "Base", "CurrentRow", "DataVersion", "DatabaseSettingError", "History", "ROLES", "ScopeError",
    "SignInRefused", "StaleEdit", "Store", "StoreBusy", "StoreError", "UTCDateTime", "User", "Writer", "area_covers", "authorize",
    "current_select", "db", "forget", "latest_row", "migrate", "open", "open_store", "projection", "rebuild_current",
    "system_user",
    "utcnow",
]
