"""The sync engine's tables: settings, links, checkpoints, runs, their items and the debug log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from crmcore.models import UTCField


class SyncSettings(SQLModel, table=True):
    """A connection's sync settings (admin only), validated by sync-settings.schema.json."""

    __tablename__ = "crm_sync_settings"

    connection_id: int = Field(primary_key=True, foreign_key="crm_connection.id")
    sync_records_from: str = Field(default="all", max_length=16)  # "all" or e.g. "90d"
    debug: bool = False
    frequency: str = Field(default="15m", max_length=16)
    direction: str = Field(default="both", max_length=32)  # both | to-remote | to-crm
    # which modules this connection syncs: {module name: enabled}; a module not named is enabled
    modules: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    conflict_policy: str = Field(default="most-recent", max_length=32)
    # scheduler bookkeeping
    next_run_at: datetime | None = UTCField()
    failures: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = UTCField(default_now=True)


class SyncLink(SQLModel, table=True):
    """Ties a CRM record to a remote record, with what was last synced on each side."""

    __tablename__ = "crm_sync_link"
    __table_args__ = (UniqueConstraint("connection_id", "module", "record_id"),
                      UniqueConstraint("connection_id", "module", "remote_id"))

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="crm_connection.id", index=True)
    module: str = Field(max_length=64)
    record_id: int
    remote_id: str = Field(max_length=128)
    crm_fingerprint: str | None = Field(default=None, max_length=64)
    remote_fingerprint: str | None = Field(default=None, max_length=64)
    remote_updated_at: datetime | None = UTCField()
    # the mapped remote values as last synced: tells a connector which fields an update clears
    remote_values: dict | None = Field(default=None, sa_column=Column(JSON))
    # the remote record's version as last synced (an ETag, a revision), for If-Match; None: none
    remote_version: str | None = Field(default=None, sa_column=Column(Text))
    crm_deleted: bool = False
    remote_deleted: bool = False
    synced_at: datetime = UTCField(default_now=True)


class SyncCheckpoint(SQLModel, table=True):
    """Where the next run of (connection, module) reads from on each side, and its run lock."""

    __tablename__ = "crm_sync_checkpoint"

    connection_id: int = Field(primary_key=True, foreign_key="crm_connection.id")
    module: str = Field(primary_key=True, max_length=64)
    crm_seq: int = 0
    # the newest remote updated_at the engine has handled (tells an overlap re-read apart)
    remote_high_water: datetime | None = UTCField()
    # unused since core revision 0005 (the settled flag lives in a TimestampCursor)
    remote_settled: bool = False
    # the connector's opaque change cursor after the last committed page (None: read everything)
    remote_cursor: str | None = Field(default=None, sa_column=Column(Text))
    # CRM records a push skipped for a reason that may clear without them changing (an ambiguous
    # email whose twin goes away): looked at again by the next push
    retry_ids: list | None = Field(default=None, sa_column=Column(JSON))
    # the field mapping the links' fingerprints were computed with (FieldMapping.signature): when
    # the mapping in force differs, the next run re-baselines every linked pair first
    mapping: list | None = Field(default=None, sa_column=Column(JSON))
    # the remote account the links and marks belong to: {"account": id or None, "endpoint":
    # "client_id api_url"} (crmcore.sync.account); another account means starting afresh
    account: dict | None = Field(default=None, sa_column=Column(JSON))
    running_run_id: int | None = None
    lock_holder: str | None = Field(default=None, max_length=128)  # "host:pid" of the running run
    heartbeat_at: datetime | None = UTCField()


class SyncRun(SQLModel, table=True):
    __tablename__ = "crm_sync_run"

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="crm_connection.id", index=True)
    module: str = Field(max_length=64)
    direction: str = Field(max_length=32)
    dry_run: bool = False
    trigger: str = Field(default="manual", max_length=16)  # manual | scheduler
    started_at: datetime = UTCField(default_now=True)
    finished_at: datetime | None = UTCField()
    outcome: str = Field(default="running", max_length=16)  # running | success | failed | stopped
    error: str | None = Field(default=None, sa_column=Column(Text))
    hint: str | None = Field(default=None, sa_column=Column(Text))
    # what the run did beyond records, and why (a re-baseline after a mapping change...)
    note: str | None = Field(default=None, sa_column=Column(Text))
    counts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    requests: int = 0


class SyncRunItem(SQLModel, table=True):
    """One record's fate in a run: which side, what happened, and why for skips."""

    __tablename__ = "crm_sync_run_item"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="crm_sync_run.id", index=True)
    side: str = Field(max_length=32)  # "crm" or the connector's name
    action: str = Field(max_length=16)  # created | updated | skipped | deleted
    module: str = Field(max_length=64)
    record_name: str = Field(default="", max_length=255)
    record_id: int | None = None
    remote_id: str | None = Field(default=None, max_length=128)
    reason: str | None = Field(default=None, sa_column=Column(Text))


class DebugEntry(SQLModel, table=True):
    """One redacted HTTP exchange of a run, stored only while Debug Mode is on."""

    __tablename__ = "crm_sync_debug"

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="crm_connection.id", index=True)
    run_id: int | None = Field(default=None, index=True)
    at: datetime = UTCField(default_now=True)
    method: str = Field(max_length=8)
    url: str = Field(sa_column=Column(Text))
    status: int | None = None
    elapsed_ms: int | None = None
    request: str | None = Field(default=None, sa_column=Column(Text))
    response: str | None = Field(default=None, sa_column=Column(Text))


TABLES = [SyncSettings, SyncLink, SyncCheckpoint, SyncRun, SyncRunItem, DebugEntry]
