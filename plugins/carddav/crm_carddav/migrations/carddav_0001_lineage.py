"""The carddav extension's first revision: no tables of its own.

Revision ID: carddav_0001
Revises: (none: the first revision of this lineage)

Connections, links (with each card's ETag as the version) and sync tokens (as cursors) live in
the core's sync tables; this revision starts the lineage so later tables arrive on top of it.
"""
from __future__ import annotations

revision = "carddav_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
