"""What one run works with: its fixed context, and the state its steps hand each other.

:class:`RunContext` is what a run is about and never changes during it (the connection, the
module, the connector and its session, the mapping, the log, the settings). :class:`RunState`
is everything a step learns that a later step needs: the pull tells the push which records it
wrote and which remote deletions it met; the push tells the read-back what it wrote. Every
such hand-over is a field here, so nothing travels through hidden attributes.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import Any

from sqlmodel import Session

from crmcore.app import CRM
from crmcore.contract.connector import Connector, ConnectorSession
from crmcore.contract.records import RemoteRecord
from crmcore.models import User
from crmcore.modules import ModuleSpec, RecordStore
from crmcore.sync.batch import EngineConfig
from crmcore.sync.runlog import RunLog

Progress = Callable[[str], None]


@dataclass
class RunContext:
    """One run of one connection and module: who, what, with which connector and settings."""

    crm: CRM
    connection_id: int
    owner: User
    module: ModuleSpec
    connector: Connector
    mapping: Any  # crmcore.sync.mapping.FieldMapping
    remote: ConnectorSession
    log: RunLog
    config: EngineConfig
    progress: Progress = lambda message: None
    on_commit: Callable[[Session], None] | None = None
    # told the number of remote records of each page the pull has handled, once committed
    on_records_handled: Callable[[int], None] = lambda count: None

    @property
    def store(self) -> RecordStore:
        return self.module.records

    @property
    def side(self) -> str:
        """The Sync Log's name of the remote side (the connector's name)."""
        return self.connector.name

    @cached_property
    def crm_email_field(self) -> str | None:
        """The CRM field mapped to the connector's email field (first matches), if mapped
        (worked out once: the mapping does not change during a run)."""
        return next((e.crm for e in self.mapping.entries
                     if tuple(e.remote) == (self.connector.email_field,)), None)

    @property
    def batch_size(self) -> int:
        return max(1, self.connector.write_batch_size)


class SeqSet:
    """Change sequence numbers added in ascending order (a run's commits follow one another),
    kept as 8 bytes each (a first sync of 100k records holds one per record it wrote)."""

    def __init__(self) -> None:
        self._seqs = array("q")

    def extend(self, seqs: Iterable[int]) -> None:
        """Add ``seqs`` (at the end when all are larger than any added before, as a run's are;
        else merged in order)."""
        ordered = sorted(seqs)
        if ordered and self._seqs and ordered[0] <= self._seqs[-1]:
            ordered = sorted(set(self._seqs).union(ordered))
            self._seqs = array("q")
        self._seqs.extend(ordered)

    def __contains__(self, seq: object) -> bool:
        if seq.__class__ is not int:
            return False
        seqs = self._seqs
        i = bisect_left(seqs, seq)  # type: ignore[call-overload]
        return i < len(seqs) and seqs[i] == seq

    def __len__(self) -> int:
        return len(self._seqs)


@dataclass
class RunState:
    """What the steps of one run learn and hand on (pull -> push -> read-back)."""

    seen_before: datetime | None = None  # newest remote time handled before this run's pull
    pulled: set[int] = field(default_factory=set)  # CRM records this run's pull wrote (dry runs)
    extra_push: set[int] = field(default_factory=set)  # a dry run's pull marks for the push
    deleted_remote: dict[str, RemoteRecord] = field(default_factory=dict)  # unlinked deleted
    # remote records met by the pull, by normalised email (their email blocks a create)
    retry: set[int] = field(default_factory=set)  # records to look at again next run
    remote_writes: int = 0  # writes sent: their echo is read back before the run ends
    bulk_created: bool = False  # some creates went by bulk: linked by email on read-back
    last_write_at: float = 0.0  # time.monotonic() of the last write
    link_only: bool = False  # the read-back of a one-way run to the remote: only make links
    cursor_reset: str | None = None  # why the cursor was dropped for a full read
    restored: set[str] = field(default_factory=set)  # remote ids whose stale delete restored
    # the CRM record
    # change seqs of CRM writes this run made and fingerprinted into their links: the push
    # passes over them (a record changed by someone else too has that other change to show)
    own_changes: SeqSet = field(default_factory=SeqSet)
    # bulk creates awaiting their echo: CRM record id by its fingerprint as sent (the email is
    # one of the keys it hashes); the read-back links an echo with that fingerprint without
    # looking its email up (a fingerprint only: a first sync holds one per record it created)
    bulk_sent: dict[str, int] = field(default_factory=dict)
    # CRM record id -> its key in bulk_sent (the same str): a record sent again, or linked by
    # the push since (sent again one by one), has no echo to wait for under that key any more
    bulk_sent_as: dict[int, str] = field(default_factory=dict)
