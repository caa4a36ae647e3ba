"""History projections WITHOUT ROWID on SQLite: rows kept in key order in the primary key's b-tree.

A rowid table with a text primary key keeps its rows by rowid and the key in a separate
index: the ordered scan of a current read walked that index and looked every row up by rowid.
WITHOUT ROWID the rows live in the key's b-tree itself: one scan, no lookups. SQLite cannot
alter this, so each projection is rebuilt the documented way (new table with the same
definition, copy, drop, rename, its own indexes and triggers again), in the upgrade's one
transaction. Nothing changes on PostgreSQL (its tables have no rowid; the option is SQLite's).

Revision ID: 0007_projections_without_rowid
Revises: 0006_current_projections
Create Date: 2026-12-02
"""

import re

from alembic import op

revision = "0007_projections_without_rowid"
down_revision = "0006_current_projections"
branch_labels = None
depends_on = None

# The projections at revision 0006 (later tables are created WITHOUT ROWID from the start).
TABLES = ("account_current", "import_batch_current", "progress_report_current")

_WITHOUT_ROWID = re.compile(r"\)\s*WITHOUT\s+ROWID\s*$", re.I)


def _rebuild(without_rowid: bool) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for name in TABLES:
        found = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).scalar()
        if found is None or bool(_WITHOUT_ROWID.search(found)) == without_rowid:
            continue  # not there, or already so
        # The table's own definition (columns, types, constraints) as the database keeps it.
        body = found[found.index("("):]
        body = body + " WITHOUT ROWID" if without_rowid else _WITHOUT_ROWID.sub(")", body)
        extras = connection.exec_driver_sql(  # the automatic primary-key index has no sql
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL "
            "ORDER BY type, name", (name,)).scalars().all()
        rebuilt = f"{name}__rebuilt"
        connection.exec_driver_sql(f'CREATE TABLE "{rebuilt}" {body}')
        # In key order: the new b-tree is filled page after page.
        connection.exec_driver_sql(f'INSERT INTO "{rebuilt}" SELECT * FROM "{name}" ORDER BY "key"')
        connection.exec_driver_sql(f'DROP TABLE "{name}"')
        connection.exec_driver_sql(f'ALTER TABLE "{rebuilt}" RENAME TO "{name}"')
        for sql in extras:
            connection.exec_driver_sql(sql)


def upgrade() -> None:
    _rebuild(without_rowid=True)


def downgrade() -> None:
    _rebuild(without_rowid=False)
