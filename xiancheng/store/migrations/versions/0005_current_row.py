"""current_row: a pointer to the latest history row of every record, backfilled from the history.

Reading the current state of 10,000 records then joins 10,000 pointers instead of grouping
every version ever saved. Derived data: downgrading drops it, upgrading rebuilds it.

Revision ID: 0005_current_row
Revises: 0004_imports
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_current_row"
down_revision = "0004_imports"
branch_labels = None
depends_on = None

# The History tables at revision 0004 (later tables are empty when they are created, and the
# store fills their pointers as rows are written).
HISTORY_TABLES = ("account", "import_batch", "progress_report")


def upgrade() -> None:
    op.create_table(
        "current_row",
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "key", name=op.f("pk_current_row")),
    )
    pointer = sa.table("current_row", sa.column("table_name"), sa.column("key"), sa.column("version"),
                       sa.column("row_id"))
    for name in HISTORY_TABLES:
        history = sa.table(name, sa.column("id"), sa.column("key"), sa.column("version"))
        latest = (sa.select(history.c.key, sa.func.max(history.c.version).label("version"))
                  .group_by(history.c.key).subquery())
        op.execute(pointer.insert().from_select(
            ["table_name", "key", "version", "row_id"],
            sa.select(sa.literal(name, sa.String), history.c.key, history.c.version, history.c.id)
            .join(latest, sa.and_(history.c.key == latest.c.key, history.c.version == latest.c.version))))


def downgrade() -> None:
    op.drop_table("current_row")
