"""The change log keyed by its sequence number, with one index

``crm_change`` had a surrogate ``id`` primary key, a unique constraint on ``seq``, another index
on ``seq`` and one on ``module``: four B-trees written for every change of every record. Now
``seq`` is the primary key (on SQLite an INTEGER PRIMARY KEY is the rowid: no B-tree of its own)
and ``(module, seq)`` the one index, which is what the log's readers ask for (a module's changes
after a seq, in seq order; a module's changes to delete on purge). ``id`` is dropped: nothing
reads it, and it always equalled ``seq`` but for rows written concurrently.

The downgrade puts ``id`` back with the value of ``seq`` (on PostgreSQL with its sequence
continuing after the largest), and the three indexes.

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-01 02:54:56.318493
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'core_0006'
down_revision = 'core_0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crm_change', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_change_module')
        batch_op.drop_index('ix_crm_change_seq')
        batch_op.drop_constraint('uq_crm_change_seq', type_='unique')
        batch_op.drop_constraint('pk_crm_change', type_='primary')
        batch_op.drop_column('id')
        batch_op.create_primary_key('pk_crm_change', ['seq'])
        batch_op.create_index('ix_crm_change_module_seq', ['module', 'seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('crm_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id', sa.Integer(), nullable=True))
    op.execute("UPDATE crm_change SET id = seq")
    with op.batch_alter_table('crm_change', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_change_module_seq')
        batch_op.drop_constraint('pk_crm_change', type_='primary')
        batch_op.alter_column('id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_primary_key('pk_crm_change', ['id'])
        batch_op.create_unique_constraint('uq_crm_change_seq', ['seq'])
        batch_op.create_index('ix_crm_change_module', ['module'], unique=False)
        batch_op.create_index('ix_crm_change_seq', ['seq'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':  # 0005's id was a serial column
        op.execute("CREATE SEQUENCE crm_change_id_seq OWNED BY crm_change.id")
        op.execute("ALTER TABLE crm_change "
                   "ALTER COLUMN id SET DEFAULT nextval('crm_change_id_seq')")
        op.execute("SELECT setval('crm_change_id_seq', coalesce(max(id), 0) + 1, false) "
                   "FROM crm_change")
