"""An index in the contacts list's order (last name, first name, id), so a page of a large list
is read from the index instead of sorting the table.

Revision ID: contacts_0002
Revises: contacts_0001

An expression index: Alembic's autogenerate does not compare those, so it is written by hand to
match ``crm_contacts.models.NAME_ORDER``.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = 'contacts_0002'
down_revision = 'contacts_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contact_name_order", "contact",
                    [sa.text("lower(last_name)"), sa.text("coalesce(lower(first_name), '')"),
                     sa.text("id"), sa.text("deleted_at")])


def downgrade() -> None:
    op.drop_index("ix_contact_name_order", table_name="contact")
