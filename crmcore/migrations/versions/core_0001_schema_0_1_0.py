"""The 0.1.0 schema of the core: users, extensions, the change sequence, connections, sync tables.

Revision ID: core_0001
Revises: (none: the first revision of the core's lineage)

Exactly what release 0.1.0 created with ``create_all``; a 0.1.0 database is stamped here, not run.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = 'core_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crm_change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('op', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_change')),
    sa.UniqueConstraint('seq', name=op.f('uq_crm_change_seq'))
    )
    with op.batch_alter_table('crm_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_change_module'), ['module'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_change_seq'), ['seq'], unique=False)

    op.create_table('crm_counter',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_crm_counter'))
    )
    op.create_table('crm_key_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_key_check'))
    )
    op.create_table('crm_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_user')),
    sa.UniqueConstraint('name', name=op.f('uq_crm_user_name'))
    )
    op.create_table('crm_connection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_enc', sa.Text(), nullable=True),
    sa.Column('auth_url', sa.String(length=500), nullable=False),
    sa.Column('token_url', sa.String(length=500), nullable=False),
    sa.Column('api_url', sa.String(length=500), nullable=False),
    sa.Column('revoke_url', sa.String(length=500), nullable=True),
    sa.Column('redirect_uri', sa.String(length=500), nullable=False),
    sa.Column('scopes', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('token_enc', sa.Text(), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('granted_scopes', sa.String(length=500), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['crm_user.id'], name=op.f('fk_crm_connection_user_id_crm_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_connection')),
    sa.UniqueConstraint('user_id', 'connector', name=op.f('uq_crm_connection_user_id_connector'))
    )
    with op.batch_alter_table('crm_connection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_connection_user_id'), ['user_id'], unique=False)

    op.create_table('crm_extension',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('installed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('installed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['installed_by'], ['crm_user.id'], name=op.f('fk_crm_extension_installed_by_crm_user')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_crm_extension'))
    )
    op.create_table('crm_sync_mapping',
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['crm_user.id'], name=op.f('fk_crm_sync_mapping_updated_by_crm_user')),
    sa.PrimaryKeyConstraint('connector', 'module', name=op.f('pk_crm_sync_mapping'))
    )
    op.create_table('crm_sync_checkpoint',
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('crm_seq', sa.Integer(), nullable=False),
    sa.Column('remote_high_water', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remote_settled', sa.Boolean(), nullable=False),
    sa.Column('retry_ids', sa.JSON(), nullable=True),
    sa.Column('running_run_id', sa.Integer(), nullable=True),
    sa.Column('lock_holder', sa.String(length=128), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connection.id'], name=op.f('fk_crm_sync_checkpoint_connection_id_crm_connection')),
    sa.PrimaryKeyConstraint('connection_id', 'module', name=op.f('pk_crm_sync_checkpoint'))
    )
    op.create_table('crm_sync_debug',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('elapsed_ms', sa.Integer(), nullable=True),
    sa.Column('request', sa.Text(), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connection.id'], name=op.f('fk_crm_sync_debug_connection_id_crm_connection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_sync_debug'))
    )
    with op.batch_alter_table('crm_sync_debug', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_sync_debug_connection_id'), ['connection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_sync_debug_run_id'), ['run_id'], unique=False)

    op.create_table('crm_sync_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.String(length=128), nullable=False),
    sa.Column('crm_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('remote_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('remote_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remote_values', sa.JSON(), nullable=True),
    sa.Column('crm_deleted', sa.Boolean(), nullable=False),
    sa.Column('remote_deleted', sa.Boolean(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connection.id'], name=op.f('fk_crm_sync_link_connection_id_crm_connection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_sync_link')),
    sa.UniqueConstraint('connection_id', 'module', 'record_id', name=op.f('uq_crm_sync_link_connection_id_module_record_id')),
    sa.UniqueConstraint('connection_id', 'module', 'remote_id', name=op.f('uq_crm_sync_link_connection_id_module_remote_id'))
    )
    with op.batch_alter_table('crm_sync_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_sync_link_connection_id'), ['connection_id'], unique=False)

    op.create_table('crm_sync_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=32), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('hint', sa.Text(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connection.id'], name=op.f('fk_crm_sync_run_connection_id_crm_connection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_sync_run'))
    )
    with op.batch_alter_table('crm_sync_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_sync_run_connection_id'), ['connection_id'], unique=False)

    op.create_table('crm_sync_settings',
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('sync_records_from', sa.String(length=16), nullable=False),
    sa.Column('debug', sa.Boolean(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('direction', sa.String(length=32), nullable=False),
    sa.Column('contacts_enabled', sa.Boolean(), nullable=False),
    sa.Column('conflict_policy', sa.String(length=32), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connection.id'], name=op.f('fk_crm_sync_settings_connection_id_crm_connection')),
    sa.PrimaryKeyConstraint('connection_id', name=op.f('pk_crm_sync_settings'))
    )
    op.create_table('crm_sync_run_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('record_name', sa.String(length=255), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('remote_id', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['crm_sync_run.id'], name=op.f('fk_crm_sync_run_item_run_id_crm_sync_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_sync_run_item'))
    )
    with op.batch_alter_table('crm_sync_run_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_sync_run_item_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('crm_sync_run_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_sync_run_item_run_id'))

    op.drop_table('crm_sync_run_item')
    op.drop_table('crm_sync_settings')
    with op.batch_alter_table('crm_sync_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_sync_run_connection_id'))

    op.drop_table('crm_sync_run')
    with op.batch_alter_table('crm_sync_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_sync_link_connection_id'))

    op.drop_table('crm_sync_link')
    with op.batch_alter_table('crm_sync_debug', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_sync_debug_run_id'))
        batch_op.drop_index(batch_op.f('ix_crm_sync_debug_connection_id'))

    op.drop_table('crm_sync_debug')
    op.drop_table('crm_sync_checkpoint')
    op.drop_table('crm_sync_mapping')
    op.drop_table('crm_extension')
    with op.batch_alter_table('crm_connection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_connection_user_id'))

    op.drop_table('crm_connection')
    op.drop_table('crm_user')
    op.drop_table('crm_key_check')
    op.drop_table('crm_counter')
    with op.batch_alter_table('crm_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_change_seq'))
        batch_op.drop_index(batch_op.f('ix_crm_change_module'))

    op.drop_table('crm_change')
