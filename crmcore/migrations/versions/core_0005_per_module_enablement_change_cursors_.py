"""Per-module enablement, change cursors and record versions

- ``crm_sync_settings.contacts_enabled`` becomes ``modules`` (JSON ``{module: enabled}``): a
  connection that had its contacts sync off gets ``{"contacts": false}``, others ``{}`` (every
  module on);
- ``crm_sync_checkpoint.remote_cursor``: the connector's opaque change cursor; a checkpoint with a
  high-water mark gets the timestamp cursor that mark and its settled flag mean
  (``crmcore.contract.cursors.TimestampCursor``, format ``ts1:<ISO time>|<0|1>``), so an upgraded
  connection reads on from where it was, not everything again;
- ``crm_sync_link.remote_version``: the remote record's version (ETag) as last synced.

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-30 19:20:20.033007
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


def _cursor(mark, settled) -> str:
    """The frozen ``TimestampCursor.encode`` of revision 0005 (SQLite returns naive UTC)."""
    from datetime import datetime, timezone

    if isinstance(mark, str):
        mark = datetime.fromisoformat(mark)
    if mark.tzinfo is None:
        mark = mark.replace(tzinfo=timezone.utc)
    return f"ts1:{mark.astimezone(timezone.utc).isoformat()}|{int(bool(settled))}"


def upgrade() -> None:
    with op.batch_alter_table('crm_sync_checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote_cursor', sa.Text(), nullable=True))

    with op.batch_alter_table('crm_sync_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote_version', sa.Text(), nullable=True))

    with op.batch_alter_table('crm_sync_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('modules', sa.JSON(), server_default='{}', nullable=False))

    conn = op.get_bind()
    settings = sa.table('crm_sync_settings', sa.column('connection_id', sa.Integer()),
                        sa.column('contacts_enabled', sa.Boolean()), sa.column('modules', sa.JSON()))
    conn.execute(settings.update().where(settings.c.contacts_enabled == sa.false())
                 .values(modules={"contacts": False}))
    points = sa.table('crm_sync_checkpoint', sa.column('connection_id', sa.Integer()),
                      sa.column('module', sa.String()),
                      sa.column('remote_high_water', sa.DateTime(timezone=True)),
                      sa.column('remote_settled', sa.Boolean()),
                      sa.column('remote_cursor', sa.Text()))
    for row in conn.execute(sa.select(points).where(points.c.remote_high_water.is_not(None))).all():
        conn.execute(points.update().where(points.c.connection_id == row.connection_id,
                                           points.c.module == row.module)
                     .values(remote_cursor=_cursor(row.remote_high_water, row.remote_settled)))

    with op.batch_alter_table('crm_sync_settings', schema=None) as batch_op:
        batch_op.drop_column('contacts_enabled')


def downgrade() -> None:
    with op.batch_alter_table('crm_sync_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contacts_enabled', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT connection_id, modules FROM crm_sync_settings")).all()
    for connection_id, modules in rows:
        if isinstance(modules, str):
            import json
            modules = json.loads(modules)
        if (modules or {}).get("contacts") is False:
            conn.execute(sa.text("UPDATE crm_sync_settings SET contacts_enabled = :f "
                                 "WHERE connection_id = :i"), {"f": False, "i": connection_id})
    with op.batch_alter_table('crm_sync_settings', schema=None) as batch_op:
        batch_op.drop_column('modules')

    with op.batch_alter_table('crm_sync_link', schema=None) as batch_op:
        batch_op.drop_column('remote_version')

    with op.batch_alter_table('crm_sync_checkpoint', schema=None) as batch_op:
        batch_op.drop_column('remote_cursor')
