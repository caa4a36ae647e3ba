"""app_secret: random keys shared by the app processes (the sign-in cookie is signed with one).

Revision ID: 0003_app_secret
Revises: 0002_progress_reports
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import xiancheng.store.db

revision = "0003_app_secret"
down_revision = "0002_progress_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_secret",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", xiancheng.store.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_app_secret")),
    )


def downgrade() -> None:
    op.drop_table("app_secret")
