"""No index on last_name alone: the list-order index serves the one query that needs it

Every new contact is written into each index of the table, at a place its key decides, so each
index is paid on every insert (a CSV import, a sync's first run). ``ix_contact_last_name`` served
one query: the import's look for a live contact without an email whose fields equal a row's. That
query now also compares ``lower(last_name)`` and ``coalesce(lower(first_name), '')``, the leading
expressions of ``ix_contact_name_order``, which finds the same contacts
(``crm_contacts.csvbatch``). The downgrade builds the index again.

Revision ID: contacts_0003
Revises: contacts_0002
"""
from __future__ import annotations

from alembic import op

revision = 'contacts_0003'
down_revision = 'contacts_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_contact_last_name", table_name="contact")


def downgrade() -> None:
    op.create_index("ix_contact_last_name", "contact", ["last_name"], unique=False)
