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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import Session, select

from crmcore.app import CRM
from crmcore.errors import CrmError
from crmcore.changes import changes_since, record_change
from crmcore.models import User, utcnow
from crmcore.modules import ModuleSpec, RecordSnapshot
from crmcore.sync.connector import Connector, ConnectorSession, RemoteRecord, RemoteWrite, WriteOutcome
from crmcore.sync.lock import checkpoint, heartbeat
from crmcore.sync.mapping import normalise
from crmcore.sync.models import SyncLink
from crmcore.sync.runlog import CRM_SIDE, Item, RunLog

# Remote changes are read from the newest updated_at seen, minus this overlap, in case a change
# committed late carries an earlier time; re-reading a record is harmless (fingerprints).
OVERLAP = timedelta(seconds=2)
# Before reading bulk-created records back, wait until they are older than OVERLAP (plus a second
# for the whole-second resolution of the remote clock), so that read also settles the window.
SETTLE_WAIT = OVERLAP + timedelta(seconds=1.2)
PUSH_BATCH = 500

Progress = Callable[[str], None]


def normalise_email(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().casefold()
    return value or None


@dataclass
class EngineConfig:
    direction: str  # both | to-remote | to-crm
    conflict_policy: str = "most-recent"
    records_from: datetime | None = None  # only records changed since take part
    dry_run: bool = False


@dataclass
class LinkState:
    """A link as the engine edits it in memory during a batch (written at the batch's commit)."""

    record_id: int
    remote_id: str
    crm_fingerprint: str | None = None
    remote_fingerprint: str | None = None
    remote_updated_at: datetime | None = None
    crm_deleted: bool = False
    remote_deleted: bool = False
    row_id: int | None = None
    remote_values: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: Any) -> "LinkState":
        return cls(row.record_id, row.remote_id, row.crm_fingerprint, row.remote_fingerprint,
                   row.remote_updated_at, row.crm_deleted, row.remote_deleted, row.id,
                   row.remote_values)


LINK_COLUMNS = [SyncLink.__table__.c[name] for name in (
    "record_id", "remote_id", "crm_fingerprint", "remote_fingerprint", "remote_updated_at",
    "crm_deleted", "remote_deleted", "id", "remote_values")]


@dataclass
class Batch:
    """What one batch decided: CRM writes to make and links to save, applied at commit."""

    links: dict[int, LinkState] = field(default_factory=dict)  # by record id
    crm_ops: list[tuple[str, int | None, dict[str, Any]]] = field(default_factory=list)
    created: list[tuple[dict[str, Any], LinkState]] = field(default_factory=list)  # new CRM records
    mark_for_push: set[int] = field(default_factory=set)
    dropped_links: set[int] = field(default_factory=set)  # link rows to forget (by row id)


class SyncEngine:
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
        self.retry: set[int] = set()  # records to look at again next run (see SyncCheckpoint)
        self.last_write_at = 0.0
        self.batch_size = max(1, int(getattr(connector, "write_batch_size", PUSH_BATCH) or PUSH_BATCH))

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
                settled: bool | None = None, retry: set[int] | None = None) -> None:
        """Apply a batch's CRM writes, links, log rows and checkpoint in one transaction."""
        if self.config.dry_run:
            self.log.flush(None)
            return
        with self.crm.session() as session:
            owner = session.get(User, self.owner.id)
            written: set[int] = set()
            for (values, link), new_id in zip(batch.created, self._create(session, batch.created, owner)):
                if isinstance(new_id, int):
                    link.record_id = new_id
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
                                           or high_water >= point.remote_high_water):
                point.remote_high_water = high_water
                if settled is not None:
                    point.remote_settled = settled
            session.add(point)
            heartbeat(session, self.connection_id, self.module.name, self.log.run_id or -1)
            self.log.flush(session)
            if self.on_commit:
                self.on_commit(session)

    def _create(self, session: Session, created: list, owner: User) -> list:
        """Create the batch's new CRM records at once when the store can; log the refused."""
        values_list = [values for values, _ in created]
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
        for (values, link), result in zip(created, results):
            if not isinstance(result, int):
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

    # -- pull: remote -> CRM --------------------------------------------------------------------

    def pull(self) -> None:
        """Read remote changes since the high-water mark and apply them.

        A change committed late may carry a time just before the mark, so the last ``OVERLAP``
        before it is read again, unless that window had already settled when the mark was read
        (by the remote side's clock): a quiet connection costs one request.
        """
        with self.crm.session() as session:
            point = checkpoint(session, self.connection_id, self.module.name)
            self.seen_before = mark = point.remote_high_water  # records up to here: handled
            settled = point.remote_settled
        since = mark if (mark is None or settled) else mark - OVERLAP
        if self.config.records_from and (since is None or since < self.config.records_from):
            since = self.config.records_from
        high_water, read_at = self._read(since)
        mark = max(filter(None, (mark, high_water)), default=None)
        if mark is not None and not self.config.dry_run:
            self._commit(Batch(), high_water=mark,
                         settled=read_at is not None and read_at - mark >= OVERLAP)

    def _read(self, since: datetime | None) -> tuple[datetime | None, datetime | None]:
        """One pass over the remote changes after ``since``: (newest time seen, read time)."""
        total = 0
        high_water = read_at = None
        for page in self.remote.read_changes(since, self.mapping.remote_fields):
            read_at = read_at or page.read_at
            if not page.records:
                continue
            total += len(page.records)
            if page.high_water and (high_water is None or page.high_water > high_water):
                high_water = page.high_water
            self._pull_page(page.records)
            self.progress(f"Read {total} changed records from {self.connector.label}.")
        return high_water, read_at

    def _pull_page(self, records: list[RemoteRecord]) -> None:
        batch = Batch()
        with self.crm.session() as session:
            links = self._links_by(session, SyncLink.remote_id, [r.remote_id for r in records])
            emails = {normalise_email(r.values.get(self.connector.email_field))
                      for r in records if r.remote_id not in links and not r.deleted}
            emails.discard(None)
            by_email = self.store.find_by_email(session, emails) if emails else {}
            candidates = {i for ids in by_email.values() for i in ids}
            record_ids = {link.record_id for link in links.values()} | candidates
            snaps = self.store.get_many(session, record_ids)
            taken = self._links_by(session, SyncLink.record_id, candidates)
        for record in records:
            link = links.get(record.remote_id)
            if link is not None:
                self._pull_linked(batch, record, link, snaps.get(link.record_id))
            elif not record.deleted:
                email = normalise_email(record.values.get(self.connector.email_field))
                matches = [i for i in by_email.get(email, [])] if email else []
                self._pull_unlinked(batch, record, matches, snaps, taken)
        self._commit(batch)

    def _seen(self, link: LinkState, record: RemoteRecord, fingerprint: str | None = None) -> None:
        """Record in the link what the remote side holds now."""
        link.remote_fingerprint = fingerprint or self.mapping.remote_fingerprint(record.values)
        link.remote_updated_at = record.updated_at
        link.remote_deleted = record.deleted
        link.remote_values = {k: record.values.get(k) for k in self.mapping.remote_fields}

    def _pull_linked(self, batch: Batch, record: RemoteRecord, link: LinkState,
                     snap: RecordSnapshot | None) -> None:
        remote_fp = self.mapping.remote_fingerprint(record.values)
        if remote_fp == link.remote_fingerprint and record.deleted == link.remote_deleted:
            return  # our own write read back, or an overlap re-read
        if snap is None or self.link_only:  # CRM record gone for good, or a one-way settle read
            return
        if record.deleted and snap.deleted:  # deleted on both sides: nothing to do
            self._seen(link, record, remote_fp)
            link.crm_deleted = True
            batch.links[link.record_id] = link
            return
        crm_changed = (snap.deleted != link.crm_deleted or (
            not snap.deleted and self.mapping.crm_fingerprint(snap.values) != link.crm_fingerprint))
        if crm_changed and self.config.direction == "both":
            if self._crm_wins(snap.modified_at, record.updated_at):
                why = ("the CRM change is newer" if self.config.conflict_policy == "most-recent"
                       else f"policy {self.config.conflict_policy}")
                self.log.add(Item(CRM_SIDE, "skipped", self.module.name,
                                  self._name(snap.values), snap.id, record.remote_id,
                                  f"conflict: changed on both sides; {why}, so the CRM version "
                                  f"is kept and sent to {self.connector.label}"))
                self._seen(link, record, remote_fp)
                batch.links[link.record_id] = link
                return
            self.log.add(Item(self.side, "skipped", self.module.name, self._name(snap.values),
                              snap.id, record.remote_id,
                              f"conflict: changed on both sides; the {self.connector.label} "
                              "change is newer, so it replaces the CRM version"))
        self._apply_remote(batch, record, link, snap, remote_fp)

    def _apply_remote(self, batch: Batch, record: RemoteRecord, link: LinkState,
                      snap: RecordSnapshot, remote_fp: str) -> None:
        self._seen(link, record, remote_fp)
        batch.links[link.record_id] = link
        name = self._name(snap.values, record.values)
        if record.deleted:
            if not snap.deleted:
                batch.crm_ops.append(("delete", snap.id, {}))
                self.log.add(Item(CRM_SIDE, "deleted", self.module.name, name, snap.id,
                                  record.remote_id, f"deleted in {self.connector.label}"))
                self.pulled.add(snap.id)
            link.crm_deleted = True
            return
        mapped = self.mapping.to_crm(record.values, snap.values)
        if mapped.skip_reason:
            self.log.add(Item(CRM_SIDE, "skipped", self.module.name, name, snap.id,
                              record.remote_id, mapped.skip_reason))
            return
        diff = {k: v for k, v in mapped.values.items() if snap.values.get(k) != v}
        new_values = {**snap.values, **mapped.values}
        if snap.deleted:
            batch.crm_ops.append(("restore", snap.id, diff))
            self.log.add(Item(CRM_SIDE, "updated", self.module.name, name, snap.id,
                              record.remote_id, f"restored: changed in {self.connector.label} "
                              "after it was deleted in the CRM"))
        elif diff:
            batch.crm_ops.append(("update", snap.id, diff))
            self.log.add(Item(CRM_SIDE, "updated", self.module.name, name, snap.id,
                              record.remote_id, None))
        self.pulled.add(snap.id)
        link.crm_deleted = False
        link.crm_fingerprint = self.mapping.crm_fingerprint(new_values)

    def _pull_unlinked(self, batch: Batch, record: RemoteRecord, matches: list[int],
                       snaps: dict[int, RecordSnapshot], taken: dict[int, LinkState]) -> None:
        if self.seen_before is not None and record.updated_at <= self.seen_before:
            return  # an overlap re-read of a record an earlier run could not link: logged then
        email = record.values.get(self.connector.email_field)
        name = str(email or "")  # for log lines; the mapped name is used where a record is made
        remote_fp = self.mapping.remote_fingerprint(record.values)
        already = {link.record_id for link in batch.links.values()}
        free = [m for m in matches if m not in taken and m not in already]
        if matches and not free:  # the CRM record with this email is linked elsewhere: no twin
            self.log.add(Item(CRM_SIDE, "skipped", self.module.name, name, matches[0],
                              record.remote_id,
                              f"CRM record {matches[0]} has the email {email} but is linked to "
                              f"another {self.connector.label} contact; merge the two there or "
                              "change one email"))
            return
        matches = free
        if len(matches) > 1:
            self.log.add(Item(CRM_SIDE, "skipped", self.module.name, name, None, record.remote_id,
                              f"ambiguous match: {len(matches)} CRM records have the email "
                              f"{email}; merge them or change one email"))
            return
        if len(matches) == 1:
            snap = snaps[matches[0]]
            link = LinkState(snap.id, record.remote_id)
            link.crm_fingerprint = self.mapping.crm_fingerprint(snap.values)
            self._seen(link, record, remote_fp)
            batch.links[snap.id] = link
            if self.mapping.equal(snap.values, record.values):
                return
            if self.link_only:  # one-way to the remote: the next push sends the CRM's values
                link.crm_fingerprint = None
                return
            self._merge_first_match(batch, record, link, snap)
            return
        if self.link_only:
            return
        mapped = self.mapping.to_crm(record.values)
        if mapped.skip_reason:
            self.log.add(Item(CRM_SIDE, "skipped", self.module.name, name, None, record.remote_id,
                              mapped.skip_reason))
            return
        link = LinkState(-1, record.remote_id)
        self._seen(link, record, remote_fp)
        batch.created.append((mapped.values, link))
        self.log.add(Item(CRM_SIDE, "created", self.module.name,
                          self.store.display_name(mapped.values) or name, None, record.remote_id))

    def _merge_first_match(self, batch: Batch, record: RemoteRecord, link: LinkState,
                           snap: RecordSnapshot) -> None:
        """Two records met for the first time: lose nothing. A field empty on one side takes
        the other side's value; where both differ, the more recent side wins."""
        mapped = self.mapping.to_crm(record.values, snap.values, require_mandatory=False)
        if mapped.skip_reason:
            self.log.add(Item(CRM_SIDE, "skipped", self.module.name, self._name(snap.values),
                              snap.id, record.remote_id, mapped.skip_reason))
            return
        crm_wins = self._crm_wins(snap.modified_at, record.updated_at)
        if self.config.direction == "to-crm":
            crm_wins = False
        merged = dict(snap.values)
        for name, remote_value in mapped.values.items():
            crm_value = snap.values.get(name)
            if normalise(remote_value) is None or (normalise(crm_value) is not None and crm_wins):
                continue
            merged[name] = remote_value
        diff = {k: v for k, v in merged.items() if snap.values.get(k) != v}
        if diff:
            batch.crm_ops.append(("update", snap.id, diff))
            self.log.add(Item(CRM_SIDE, "updated", self.module.name, self._name(merged),
                              snap.id, record.remote_id,
                              f"first match by email with a {self.connector.label} contact"))
            self.pulled.add(snap.id)
        if self.config.direction == "both" and not self.mapping.equal(merged, record.values):
            batch.mark_for_push.add(snap.id)  # the CRM holds values the remote lacks
            if self.config.dry_run:
                self.extra_push.add(snap.id)

    # -- push: CRM -> remote --------------------------------------------------------------------

    def push(self) -> None:
        with self.crm.session() as session:
            point = checkpoint(session, self.connection_id, self.module.name)
            start, retry = point.crm_seq, list(point.retry_ids or [])
        done = 0
        if self.extra_push or retry:  # a dry run's marks, and records skipped for now last time
            self._push_records(sorted(self.extra_push | set(retry)), start)
        while True:
            with self.crm.session() as session:
                batch_changes = next(changes_since(session, self.module.name, start,
                                                   self.batch_size), [])
            if not batch_changes:
                return
            last_seq = batch_changes[-1].seq
            ids = list(dict.fromkeys(c.record_id for c in batch_changes))
            self._push_records(ids, last_seq)
            done += len(ids)
            self.progress(f"Checked {done} changed CRM records.")
            start = last_seq

    def _push_records(self, ids: list[int], last_seq: int) -> None:
        batch = Batch()
        with self.crm.session() as session:
            snaps = self.store.get_many(session, ids)
            links = self._links_by(session, SyncLink.record_id, ids)
            shared = self._shared_emails(session, [snaps[i] for i in ids
                                                   if i in snaps and i not in links])
        writes: list[RemoteWrite] = []
        deletes: list[tuple[RecordSnapshot, LinkState]] = []
        for record_id in ids:
            snap = snaps.get(record_id)
            if snap is None or (self.config.dry_run and record_id in self.pulled):
                continue
            link = links.get(record_id)
            if (link is None and self.config.records_from and snap.modified_at
                    and snap.modified_at < self.config.records_from):
                continue
            if snap.deleted:
                if link is not None and not link.crm_deleted:
                    if link.remote_deleted:
                        link.crm_deleted = True
                        batch.links[record_id] = link
                    else:
                        deletes.append((snap, link))
                continue
            if (link is not None and not link.crm_deleted and
                    self.mapping.crm_fingerprint(snap.values) == link.crm_fingerprint):
                continue  # unchanged since the last sync, or the pull's own write
            mapped = self.mapping.to_remote(snap.values)
            reason = mapped.skip_reason
            email = normalise_email(snap.values.get(self.crm_email_field)) if link is None else None
            if reason is None and email in shared:
                reason = (f"ambiguous match: {shared[email]} CRM records have the email {email}; "
                          "merge them or change one email")
            if reason:
                self.log.add(Item(self.side, "skipped", self.module.name, self._name(snap.values),
                                  snap.id, link.remote_id if link else None, reason))
                if reason.startswith("ambiguous match"):
                    self.retry.add(snap.id)
                continue
            writes.append(RemoteWrite(key=record_id, values=mapped.values,
                                      remote_id=link.remote_id if link else None,
                                      previous=link.remote_values if link else None))
        # updates first: one may free an email that a create in the same batch takes
        outcomes = (self._write([w for w in writes if w.remote_id])
                    + self._write([w for w in writes if not w.remote_id]))
        second_round = self._resolve_conflicts(batch, outcomes, snaps, writes)
        outcomes = [o for o in outcomes if not o.conflict_remote_id] + self._write(second_round)
        by_key = {w.key: w for w in writes + second_round}
        for outcome in outcomes:
            self._after_write(batch, outcome, snaps[outcome.key], links.get(outcome.key),
                              by_key[outcome.key])
        self._delete(batch, deletes)
        self._commit(batch, seq=last_seq, retry=self.retry)

    def _shared_emails(self, session: Session, unlinked: list[RecordSnapshot]) -> dict[str, int]:
        """Emails of unlinked live records that more than one live CRM record has: no guessing."""
        emails = {normalise_email(s.values.get(self.crm_email_field))
                  for s in unlinked if not s.deleted}
        emails.discard(None)
        if not emails or self.crm_email_field is None:
            return {}
        found = self.store.find_by_email(session, emails)
        return {email: len(ids) for email, ids in found.items() if len(ids) > 1}

    def _write(self, writes: list[RemoteWrite]) -> list[WriteOutcome]:
        if not writes:
            return []
        if self.config.dry_run:
            return [WriteOutcome(key=w.key, remote_id=w.remote_id or "(new)",
                                 record=RemoteRecord(w.remote_id or "(new)", w.values, utcnow()))
                    for w in writes]
        self.remote_writes += len(writes)
        outcomes = self.remote.write(writes)
        self.last_write_at = time.monotonic()
        self.bulk_created = self.bulk_created or any(o.link_by_email for o in outcomes)
        return outcomes

    def _resolve_conflicts(self, batch: Batch, outcomes: list[WriteOutcome],
                           snaps: dict[int, RecordSnapshot], writes: list[RemoteWrite]) -> list[RemoteWrite]:
        """A create refused because the email exists remotely: link to that record on purpose."""
        conflicts = [o for o in outcomes if o.conflict_remote_id]
        if not conflicts:
            return []
        existing = self.remote.read_many([o.conflict_remote_id for o in conflicts])
        with self.crm.session() as session:
            taken = self._links_by(session, SyncLink.remote_id, [o.conflict_remote_id for o in conflicts])
        values = {w.key: w.values for w in writes}
        claimed = {o.remote_id for o in outcomes if o.ok and o.remote_id}
        again: list[RemoteWrite] = []
        for outcome in conflicts:
            snap = snaps[outcome.key]
            remote = existing.get(outcome.conflict_remote_id)
            owner = taken.get(outcome.conflict_remote_id)
            if (owner is not None and owner.record_id != snap.id and owner.crm_deleted
                    and owner.remote_deleted and owner.row_id is not None):
                # the email's old pair is deleted on both sides: the new record may take it
                batch.dropped_links.add(owner.row_id)
                owner = None
            if remote is None or outcome.conflict_remote_id in claimed or (
                    owner is not None and owner.record_id != snap.id):
                self.log.add(Item(self.side, "skipped", self.module.name, self._name(snap.values),
                                  snap.id, outcome.conflict_remote_id,
                                  f"the email already belongs to a {self.connector.label} contact "
                                  "linked to another CRM record; merge the two CRM records"))
                self.retry.add(snap.id)
                continue
            claimed.add(remote.remote_id)
            link = LinkState(snap.id, remote.remote_id)
            self._seen(link, remote)
            batch.links[snap.id] = link
            if remote.deleted and not self._crm_wins(snap.modified_at, remote.updated_at):
                # deleted remotely after the CRM's last change: the deletion travels to the CRM
                batch.crm_ops.append(("delete", snap.id, {}))
                link.crm_deleted = True
                self.log.add(Item(CRM_SIDE, "deleted", self.module.name, self._name(snap.values),
                                  snap.id, remote.remote_id,
                                  f"its email belongs to a contact deleted in {self.connector.label} "
                                  "after the CRM's last change"))
                continue
            if not remote.deleted and self.mapping.equal(snap.values, remote.values):
                link.crm_fingerprint = self.mapping.crm_fingerprint(snap.values)
                continue
            if not remote.deleted and not self._crm_wins(snap.modified_at, remote.updated_at):
                self._apply_remote(batch, remote, link, snap, link.remote_fingerprint)
                continue
            again.append(RemoteWrite(key=snap.id, values=values[snap.id], remote_id=remote.remote_id))
        return again

    def _after_write(self, batch: Batch, outcome: WriteOutcome, snap: RecordSnapshot,
                     link: LinkState | None, write: RemoteWrite) -> None:
        name = self._name(snap.values)
        if outcome.error:
            self.log.add(Item(self.side, "skipped", self.module.name, name, snap.id,
                              write.remote_id, outcome.error))
            return
        if outcome.link_by_email:  # a bulk create: linked by email when its echo is read back
            self.log.add(Item(self.side, "created", self.module.name, name, snap.id, None))
            return
        record = outcome.record
        existing = batch.links.get(snap.id) or link
        revived = existing is not None and existing.remote_deleted
        action = "updated" if write.remote_id else "created"
        reason = (f"revived in {self.connector.label}: the CRM change is newer than its deletion there"
                  if revived else None)
        self.log.add(Item(self.side, action, self.module.name, name, snap.id,
                          outcome.remote_id, reason))
        new = LinkState(snap.id, outcome.remote_id or write.remote_id,
                        row_id=existing.row_id if existing else None)
        new.crm_fingerprint = self.mapping.crm_fingerprint(snap.values)
        if record is None:  # a bulk update: the remote now holds what was sent
            new.remote_fingerprint = new.crm_fingerprint
            new.remote_values = {**(write.previous or {}), **write.values}
            new.remote_updated_at = existing.remote_updated_at if existing else None
        else:
            self._seen(new, record)
            # the remote side owns some values (consent): bring them back to the CRM at once
            if not self.config.dry_run and self.config.direction == "both" and \
                    not self.mapping.equal(snap.values, record.values):
                mapped = self.mapping.to_crm(record.values, snap.values)
                if mapped.values:
                    diff = {k: v for k, v in mapped.values.items() if snap.values.get(k) != v}
                    if diff:
                        batch.crm_ops.append(("update", snap.id, diff))
                        new.crm_fingerprint = self.mapping.crm_fingerprint({**snap.values, **diff})
                        self.log.add(Item(CRM_SIDE, "updated", self.module.name, name, snap.id,
                                          outcome.remote_id,
                                          f"{self.connector.label} keeps its own value of "
                                          f"{', '.join(sorted(diff))}"))
        batch.links[snap.id] = new

    def _delete(self, batch: Batch, deletes: list[tuple[RecordSnapshot, LinkState]]) -> None:
        if not deletes:
            return
        ids = [link.remote_id for _, link in deletes]
        results = ({i: None for i in ids} if self.config.dry_run else self.remote.delete(ids))
        for snap, link in deletes:
            error = results.get(link.remote_id)
            name = self._name(snap.values)
            if error:
                self.log.add(Item(self.side, "skipped", self.module.name, name, snap.id,
                                  link.remote_id, error))
                continue
            link.crm_deleted = link.remote_deleted = True
            batch.links[snap.id] = link
            self.log.add(Item(self.side, "deleted", self.module.name, name, snap.id,
                              link.remote_id, "deleted in the CRM"))

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> None:
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
