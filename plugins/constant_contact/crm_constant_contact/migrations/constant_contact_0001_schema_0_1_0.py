"""The 0.1.0 schema of the constant-contact extension: no tables of its own.

Revision ID: constant_contact_0001
Revises: (none: the first revision of this lineage)

Its connections, links and mappings live in the core's sync tables. This revision starts the
lineage, so the connector's later tables arrive as revisions on top of it.

Exactly what release 0.1.0 created with ``create_all``; a 0.1.0 database is stamped here, not run.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = 'constant_contact_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
