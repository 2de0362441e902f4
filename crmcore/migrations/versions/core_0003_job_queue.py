"""The job queue of background sync workers: procrastinate's own schema (PostgreSQL only).

Revision ID: core_0003
Revises: core_0002

On PostgreSQL with the ``postgres`` extra installed, procrastinate's shipped schema is applied in
the CRM's schema (every object is named ``procrastinate_*``); without the extra nothing is done
here and ``crm worker`` applies it when it first starts. SQLite has no job queue.
"""
from __future__ import annotations

from alembic import op

revision = 'core_0003'
down_revision = 'core_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from crmcore.worker.schema import apply_schema, queue_available
    if queue_available():
        apply_schema(op.get_bind())


def downgrade() -> None:
    from crmcore.worker.schema import drop_schema
    drop_schema(op.get_bind())
