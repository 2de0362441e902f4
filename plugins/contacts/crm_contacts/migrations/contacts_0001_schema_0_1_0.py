"""The 0.1.0 schema of the contacts extension: the ``contact`` table and its indexes.

Revision ID: contacts_0001
Revises: (none: the first revision of this lineage)

Exactly what release 0.1.0 created with ``create_all``; a 0.1.0 database is stamped here, not run.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = 'contacts_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('salutation', sa.String(length=20), nullable=True),
    sa.Column('first_name', sa.String(length=80), nullable=True),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_normalised', sa.String(length=254), nullable=True),
    sa.Column('secondary_email', sa.String(length=254), nullable=True),
    sa.Column('office_phone', sa.String(length=40), nullable=True),
    sa.Column('mobile_phone', sa.String(length=40), nullable=True),
    sa.Column('home_phone', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('organization', sa.String(length=120), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('mailing_street', sa.String(length=250), nullable=True),
    sa.Column('mailing_city', sa.String(length=100), nullable=True),
    sa.Column('mailing_state', sa.String(length=100), nullable=True),
    sa.Column('mailing_zip', sa.String(length=20), nullable=True),
    sa.Column('mailing_country', sa.String(length=100), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('email_opt_out', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['crm_user.id'], name=op.f('fk_contact_owner_id_crm_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact'))
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_email_normalised'), ['email_normalised'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_last_name'), ['last_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_owner_id'), ['owner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_owner_id'))
        batch_op.drop_index(batch_op.f('ix_contact_last_name'))
        batch_op.drop_index(batch_op.f('ix_contact_email_normalised'))
        batch_op.drop_index(batch_op.f('ix_contact_deleted_at'))

    op.drop_table('contact')
