"""progress_report: append-only progress reports on plan tasks and projects (issue 14).

Revision ID: 0002_progress_reports
Revises: 0001_store
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import xiancheng.store.db


revision = '0002_progress_reports'
down_revision = '0001_store'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('progress_report',
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('adcode', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('invest_period_yi', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('invest_cumulative_yi', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('item_document', sa.String(length=200), nullable=False),
    sa.Column('item_title', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('created_at', xiancheng.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_report')),
    sa.UniqueConstraint('key', 'version', name=op.f('uq_progress_report_key_version'))
    )
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index('ix_progress_report_adcode', ['adcode'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_report_adcode')

    op.drop_table('progress_report')
