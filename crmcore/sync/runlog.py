"""The Sync Log of a run: per-side counts and one row per record, written with each batch."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from crmcore.redact import Secrets
from crmcore.sync.models import SyncRunItem
from crmcore.sync.rowwriter import RowWriter

ACTIONS = ("created", "updated", "skipped", "deleted")
WARNING = "warning"  # a row about a record that was written all the same (not counted)
CRM_SIDE = "crm"
_ITEM_INSERT = RowWriter(SyncRunItem.__table__, ("side", "action", "module", "record_name",
                                                 "record_id", "remote_id", "reason"),
                         shared=("run_id",))


@dataclass
class Item:
    """One row of the Sync Log: side, action, module, record name and ids, and the reason."""
    side: str
    action: str
    module: str
    record_name: str
    record_id: int | None = None
    remote_id: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON-ready data."""
        return {"side": self.side, "action": self.action, "module": self.module,
                "record_name": self.record_name, "record_id": self.record_id,
                "remote_id": self.remote_id, "reason": self.reason}


@dataclass
class RunLog:
    """Collects items in memory until the batch that produced them commits.

    Its counts are of items kept: an item written in a transaction that then rolls back is
    taken out of them again by :meth:`discard` (see :meth:`flush` and :meth:`confirm`)."""

    run_id: int | None
    remote_side: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    pending: list[Item] = field(default_factory=list)
    # written in a transaction not committed yet (see flush and confirm)
    unconfirmed: list[Item] = field(default_factory=list)
    kept: list[Item] = field(default_factory=list)  # dry runs keep every item to print them
    keep_all: bool = False
    notes: list[str] = field(default_factory=list)  # what the run did beyond records, and why
    # the connection's secrets: scrubbed from every reason before it is kept or written
    secrets: Secrets | None = None

    def __post_init__(self) -> None:
        for side in (CRM_SIDE, self.remote_side):
            self.counts.setdefault(side, {a: 0 for a in ACTIONS})

    def add(self, item: Item) -> None:
        """Count ``item`` (warnings are not counted) and queue it to be written with the run."""
        if item.action != WARNING:
            self.counts[item.side][item.action] += 1
        self.pending.append(item)

    def flush(self, session: Session | None) -> None:
        """Write pending items in ``session`` (the batch's transaction); they count as kept
        once :meth:`confirm` says that transaction committed."""
        if self.secrets is not None and len(self.secrets):
            for item in self.pending:
                if item.reason:
                    item.reason = self.secrets.scrub(item.reason)
        if self.keep_all:
            self.kept.extend(self.pending)
        elif self.pending and session is not None and self.run_id is not None:
            _ITEM_INSERT.run(session, [  # one statement for the batch's rows, compiled once
                (item.side, item.action, item.module, item.record_name[:255], item.record_id,
                 item.remote_id, item.reason) for item in self.pending], (self.run_id,))
            self.unconfirmed.extend(self.pending)
        self.pending.clear()

    def confirm(self) -> None:
        """The transaction the flushed items were written in has committed: they stay."""
        self.unconfirmed.clear()

    def discard_item(self, item: Item) -> None:
        """Take back one pending item (its record was refused after all)."""
        self.pending.remove(item)
        if item.action != WARNING:
            self.counts[item.side][item.action] -= 1

    def discard(self) -> None:
        """Forget the items of batches that did not commit: those still pending and those
        written in a transaction that rolled back (their counts too)."""
        for item in (*self.unconfirmed, *self.pending):
            if item.action != WARNING:
                self.counts[item.side][item.action] -= 1
        self.pending.clear()
        self.unconfirmed.clear()
