"""What a connector session reads and writes: records, pages of changes, writes and outcomes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

RemoteValues = dict[str, Any]

# the reason ``ConnectorSession.delete`` gives for a delete refused because the record changed
# since it was read (HTTP 412 to an If-Match, a version mismatch)
STALE = "stale"


@dataclass
class RemoteRecord:
    """One remote record, flattened to the connector's field names.

    ``remote_id``: the service's id (at most 128 characters). ``values``: field name -> value
    (str, int, bool or None). ``updated_at``: the remote's last-change time (aware, UTC), or
    None when the service gives none (such a record is never taken for an overlap re-read, and
    a conflict with a timed CRM change goes to the CRM under the most-recent policy).
    ``deleted``: a tombstone (deleted records still carry their values when the service keeps
    them). ``version``: an opaque version (an ETag, a revision number) or None when the service
    has none; it comes back in :attr:`RemoteWrite.version` for a conditional write."""

    remote_id: str
    values: RemoteValues
    updated_at: datetime | None
    deleted: bool = False
    version: str | None = None


@dataclass
class RemotePage:
    """A page of remote changes, in the order read.

    ``cursor``: the opaque position to resume from after this page (the core stores it with
    the page's checkpoint and passes the last one to the next ``read_changes``); None means no
    new position yet (the core keeps the one it has). ``high_water`` and ``read_at`` are
    informational (the newest ``updated_at`` of the page; the remote's own clock when read)."""

    records: list[RemoteRecord]
    cursor: str | None = None
    high_water: datetime | None = None
    read_at: datetime | None = None


@dataclass
class RemoteWrite:
    """A create (``remote_id`` None) or an update to send; ``key`` is the CRM record id.

    ``previous`` holds, for an update, the remote values as last synced (mapped fields only), so
    a connector can tell a field being cleared from one that was always empty. ``version`` is
    the record's version the engine last saw (send it as ``If-Match``; None: unconditional)."""

    key: int
    values: RemoteValues
    remote_id: str | None = None
    previous: RemoteValues | None = None
    version: str | None = None


@dataclass
class WriteOutcome:
    """What became of one :class:`RemoteWrite`.

    ``record`` is the remote record as stored after the write (used for the link's fingerprint
    and version); a bulk write may leave it None, and then the values sent are taken as stored.
    ``error``: why the remote refused this record (logged as a skip; the run goes on).
    ``conflict_remote_id`` is set when a create was refused because the identifying value (the
    email) already belongs to that remote record, deleted ones included.
    ``link_by_email`` is set when a bulk create succeeded without telling the new record's id:
    the engine links it by email when it reads the remote changes that follow the push.
    ``stale`` is set when the remote refused an update because the record changed since it was
    read (HTTP 412 on If-Match, a version mismatch): the engine reads it again and decides the
    conflict by its policy."""

    key: int
    remote_id: str | None = None
    record: RemoteRecord | None = None
    error: str | None = None
    conflict_remote_id: str | None = None
    link_by_email: bool = False
    stale: bool = False

    @property
    def ok(self) -> bool:
        """Written: no error, no conflict, not stale."""
        return self.error is None and self.conflict_remote_id is None and not self.stale
