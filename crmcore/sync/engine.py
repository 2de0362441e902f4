"""The two-way sync of one connection and one module: pull remote changes, then push CRM changes.

The contract (DESIGN.md, "Sync semantics") in code:
- a link ties a CRM record to a remote id with the fingerprints last synced on each side; the
  first link of an unlinked pair is made by normalised email, never by guess;
- CRM changes come from the change sequence, remote ones from ``updated_after`` with an overlap;
  equal fingerprints mean "nothing to do", so reading back our own writes is a no-op (no echo);
- both sides changed: the policy decides and the decision is logged;
- every batch commits its CRM writes, links, log rows and checkpoint together, and every step is
  idempotent, so a run killed anywhere and run again ends where one clean run would.
HTTP never happens while this process holds a database write transaction.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import Session, select

from crmcore.app import CRM
from crmcore.changes import record_change
from crmcore.errors import CrmError
from crmcore.models import User, utcnow
from crmcore.modules import ModuleSpec
from crmcore.sync.batch import LINK_COLUMNS, Batch, EngineConfig, LinkState, normalise_email
from crmcore.sync.connector import Connector, ConnectorSession
from crmcore.sync.lock import checkpoint, heartbeat
from crmcore.sync.models import SyncLink
from crmcore.sync.pull import OVERLAP, PullSteps
from crmcore.sync.push import PushSteps
from crmcore.sync.rebaseline import RebaselineSteps
from crmcore.sync.runlog import CRM_SIDE, Item, RunLog

# Before reading bulk-created records back, wait until they are older than OVERLAP (plus a second
# for the whole-second resolution of the remote clock), so that read also settles the window.
SETTLE_WAIT = OVERLAP + timedelta(seconds=1.2)

Progress = Callable[[str], None]

__all__ = ["SyncEngine", "EngineConfig", "Progress", "normalise_email", "OVERLAP"]


class SyncEngine(PullSteps, PushSteps, RebaselineSteps):
    """One run of one connection and module; the pull and push steps live in their modules."""

    def __init__(self, crm: CRM, connection_id: int, owner: User, module: ModuleSpec,
                 connector: Connector, mapping: Any, remote: ConnectorSession, log: RunLog,
                 config: EngineConfig, progress: Progress | None = None,
                 on_commit: Callable[[Session], None] | None = None) -> None:
        self.crm = crm
        self.connection_id = connection_id
        self.owner = owner
        self.module = module
        self.store = module.records
        self.connector = connector
        self.mapping = mapping
        self.remote = remote
        self.log = log
        self.config = config
        self.progress = progress or (lambda message: None)
        self.on_commit = on_commit
        self.side = connector.name
        self.crm_email_field = next((e.crm for e in mapping.entries
                                     if tuple(e.remote) == (connector.email_field,)), None)
        self.pulled: set[int] = set()  # CRM records written by this run's pull (dry runs)
        self.extra_push: set[int] = set()  # records a dry run's pull would mark for the push
        self.seen_before: datetime | None = None
        self.link_only = False  # a settle read in a one-way run to the remote: only make links
        self.remote_writes = 0  # writes sent this run: their echo is read back before the end
        self.bulk_created = False  # some creates went by bulk: linked by email on read-back
        self.deleted_remote: dict[str, Any] = {}  # unlinked deleted remote records, by email
        self.retry: set[int] = set()  # records to look at again next run (see SyncCheckpoint)
        self.last_write_at = 0.0
        self.cursor_reset: str | None = None
        self._restored: set[str] = set()  # remote ids whose stale delete restored the CRM record  # why the cursor was dropped for a full read
        self.batch_size = max(1, connector.write_batch_size)

    # -- helpers ------------------------------------------------------------------------------

    def _links_by(self, session: Session, column, values: Iterable) -> dict:
        values = list(values)
        found: dict = {}
        table = SyncLink.__table__
        by_remote = column is SyncLink.remote_id
        key = table.c.remote_id if by_remote else table.c.record_id
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            rows = session.execute(select(*LINK_COLUMNS).where(
                table.c.connection_id == self.connection_id,
                table.c.module == self.module.name, key.in_(chunk)))
            for row in rows:  # plain rows, no ORM objects: a batch reads hundreds
                found[row.remote_id if by_remote else row.record_id] = LinkState.from_row(row)
        return found

    def _name(self, crm_values: dict[str, Any] | None, remote_values: dict[str, Any] | None = None) -> str:
        if crm_values:
            name = self.store.display_name(crm_values)
            if name:
                return name
        if remote_values:
            mapped = self.mapping.to_crm(remote_values)
            if mapped.values:
                name = self.store.display_name(mapped.values)
                if name:
                    return name
            return str(remote_values.get(self.connector.email_field) or "")
        return ""

    def _crm_wins(self, crm_time: datetime | None, remote_time: datetime | None) -> bool:
        policy = self.config.conflict_policy
        if policy == "crm-wins":
            return True
        if policy == "remote-wins":
            return False
        if crm_time is None or remote_time is None:
            return crm_time is not None
        return crm_time >= remote_time

    def _commit(self, batch: Batch, seq: int | None = None, high_water: datetime | None = None,
                cursor: str | None = None, retry: set[int] | None = None) -> None:
        """Apply a batch's CRM writes, links, log rows and checkpoint in one transaction."""
        if self.config.dry_run:
            self.log.flush(None)
            return
        with self.crm.session() as session:
            owner = session.get(User, self.owner.id)
            written: set[int] = set()
            for (values, link, item), new_id in zip(batch.created,
                                                    self._create(session, batch.created, owner)):
                if isinstance(new_id, int):
                    link.record_id = item.record_id = new_id
                    batch.links[new_id] = link
                    written.add(new_id)
            for op, record_id, values in batch.crm_ops:
                try:  # stores validate before writing, so a refusal leaves the session clean
                    if op == "update":
                        self.store.update(session, record_id, values, owner)
                    elif op == "restore":
                        self.store.restore(session, record_id, owner)
                        if values:
                            self.store.update(session, record_id, values, owner)
                    elif op == "delete":
                        self.store.delete(session, record_id, owner)
                except CrmError as exc:
                    self._refused(record_id, values, exc)
                    batch.links.pop(record_id, None)
                    continue
                written.add(record_id)
            # fingerprint what the store kept (it may normalise), so the next run sees no change
            for record_id, snap in self.store.get_many(session, written).items():
                link = batch.links.get(record_id)
                if link is not None and not snap.deleted:
                    link.crm_fingerprint = self.mapping.crm_fingerprint(snap.values)
            for record_id in batch.mark_for_push:  # differs from the remote: the push sends it
                if record_id in batch.links:
                    batch.links[record_id].crm_fingerprint = None
            for record_id in batch.mark_for_push:
                record_change(session, self.module.name, record_id, "update", self.owner.id)
            if batch.dropped_links:
                session.execute(delete(SyncLink.__table__).where(
                    SyncLink.__table__.c.id.in_(sorted(batch.dropped_links))))
            self._save_links(session, batch.links.values())
            if retry is not None:
                point_row = checkpoint(session, self.connection_id, self.module.name)
                point_row.retry_ids = sorted(retry) or None
                session.add(point_row)
            point = checkpoint(session, self.connection_id, self.module.name)
            if seq is not None:
                point.crm_seq = max(point.crm_seq, seq)
            if high_water is not None and (point.remote_high_water is None
                                           or high_water > point.remote_high_water):
                point.remote_high_water = high_water
            if cursor is not None:
                point.remote_cursor = cursor
            session.add(point)
            heartbeat(session, self.connection_id, self.module.name, self.log.run_id or -1)
            self.log.flush(session)
            if self.on_commit:
                self.on_commit(session)

    def _create(self, session: Session, created: list, owner: User) -> list:
        """Create the batch's new CRM records at once when the store can; log the refused."""
        values_list = [values for values, _, _ in created]
        if not values_list:
            return []
        create_many = getattr(self.store, "create_many", None)
        if create_many is not None:
            results = create_many(session, values_list, owner)
        else:
            results = []
            for values in values_list:
                try:
                    results.append(self.store.create(session, values, owner))
                except CrmError as exc:
                    results.append(exc)
        for (values, link, item), result in zip(created, results):
            if not isinstance(result, int):
                self.log.discard_item(item)
                self._refused(None, values, result, link.remote_id)
        return results

    def _refused(self, record_id: int | None, values: dict[str, Any], exc: Exception,
                 remote_id: str | None = None) -> None:
        reason = getattr(exc, "message", str(exc))
        self.log.add(Item(CRM_SIDE, "skipped", self.module.name, self._name(values) if values else "",
                          record_id, remote_id, f"the CRM refused it: {reason}"))

    def _save_links(self, session: Session, links: Iterable[LinkState]) -> None:
        """Insert new links and update known ones in two statements, not one per link."""
        now = utcnow()
        inserts, updates = [], []
        for link in links:
            row = {"remote_id": link.remote_id, "crm_fingerprint": link.crm_fingerprint,
                   "remote_fingerprint": link.remote_fingerprint,
                   "remote_updated_at": link.remote_updated_at, "remote_values": link.remote_values,
                   "remote_version": link.remote_version,
                   "crm_deleted": link.crm_deleted, "remote_deleted": link.remote_deleted,
                   "synced_at": now}
            if link.row_id is None:
                inserts.append({**row, "connection_id": self.connection_id,
                                "module": self.module.name, "record_id": link.record_id})
            else:
                updates.append({**row, "link_id": link.row_id})
        if updates:
            session.execute(update(SyncLink.__table__).where(SyncLink.__table__.c.id == bindparam("link_id"))
                            .values({k: bindparam(k) for k in updates[0] if k != "link_id"}), updates)
        if inserts:
            session.execute(insert(SyncLink.__table__), inserts)

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> None:
        self.rebaseline_if_mapping_changed()
        if self.config.direction in ("both", "to-crm"):
            self.pull()
        if self.config.direction in ("both", "to-remote"):
            self.push()
            if self.remote_writes and not self.config.dry_run:
                # read our own writes back now (links for bulk creates; the next run starts clean)
                if self.bulk_created:  # let them settle first, so this read settles the window
                    wait = SETTLE_WAIT.total_seconds() - (time.monotonic() - self.last_write_at)
                    if wait > 0:
                        self.progress(f"Waiting {wait:.1f} s before reading the new contacts back "
                                      f"from {self.connector.label}.")
                        time.sleep(wait)
                self.link_only = self.config.direction == "to-remote"
                self.pull()
