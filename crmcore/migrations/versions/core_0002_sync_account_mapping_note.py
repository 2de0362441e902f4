"""Sync state per remote account and field mapping; run notes (issue 9)

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-30 19:03:10.500634
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crm_connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote_account', sa.String(length=255), nullable=True))

    with op.batch_alter_table('crm_sync_checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mapping', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('account', sa.JSON(), nullable=True))

    with op.batch_alter_table('crm_sync_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('crm_sync_run', schema=None) as batch_op:
        batch_op.drop_column('note')

    with op.batch_alter_table('crm_sync_checkpoint', schema=None) as batch_op:
        batch_op.drop_column('account')
        batch_op.drop_column('mapping')

    with op.batch_alter_table('crm_connection', schema=None) as batch_op:
        batch_op.drop_column('remote_account')

