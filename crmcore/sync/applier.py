"""Applies a batch's decisions: CRM writes, links, log rows and the checkpoint, in one
transaction; and reads links in bulk. The only part of the engine that writes the database."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlmodel import Session

from crmcore.changes import record_changes, tracking
from crmcore.errors import CrmError
from crmcore.models import User, utcnow
from crmcore.modules import RecordSnapshot, optional_method
from crmcore.planner import refresh_statistics
from crmcore.sync.batch import LINK_COLUMNS, Batch, LinkState
from crmcore.sync.lock import checkpoint, heartbeat
from crmcore.sync.models import SyncLink
from crmcore.sync.ops import CrmDelete, CrmRestore, CrmUpdate
from crmcore.sync.rowwriter import RawValue, RowReader, RowWriter
from crmcore.sync.runlog import CRM_SIDE, Item
from crmcore.sync.state import RunContext, RunState


class Applier:
    """Writes what the puller and the pusher decided, batch by batch (see :meth:`commit`); a
    run of batches may share one transaction (see :meth:`transaction`)."""

    def __init__(self, ctx: RunContext, state: RunState) -> None:
        self.ctx = ctx
        self.state = state
        # whether this connection and module had no links when first asked (None: not asked
        # yet); False from the first link this run inserts, so links_by reads again from then on
        self._no_links: bool | None = None
        self._links_inserted = 0  # by this run
        self._analyze_at = _ANALYZE_FIRST  # links inserted by this run at the next ANALYZE
        self._shared: Session | None = None  # the open transaction of transaction(), if any
        self._shared_own: list[int] = []  # own change seqs of its batches so far

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block's batches in one database transaction: each :meth:`commit` inside it
        writes its batch (checkpoint included) without ending the transaction, reads through
        :meth:`session` see those writes, and the whole commits once when the block ends, or
        rolls back on an error, which leaves the checkpoint where the last commit put it.

        Every commit writes to the database each index page its rows touched; a first sync's
        keys (emails, remote ids) are random, so each batch of 500 touches pages all over each
        index, and several batches in one commit write many of them once instead of once each.
        A caller keeps the block free of waits (network reads): on SQLite the transaction
        holds the database's write lock. Nested, or in a dry run, it adds nothing."""
        if self._shared is not None or self.ctx.config.dry_run:
            yield
            return
        self._shared_own = []
        with self.ctx.crm.session() as session:
            self._shared = session
            try:
                yield
            finally:
                self._shared = None
            if self.ctx.on_commit:  # once, with the transaction: lost with it otherwise
                self.ctx.on_commit(session)
        own, self._shared_own = self._shared_own, []
        self._after_commit(own)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The open :meth:`transaction`'s session when there is one (the block does not end
        it), else a transaction of its own that commits when the block ends."""
        if self._shared is not None:
            yield self._shared
            return
        with self.ctx.crm.session() as session:
            yield session

    def name(self, values: dict[str, Any] | None) -> str:
        return (self.ctx.store.display_name(values) or "") if values else ""

    def links_by(self, session: Session, column, values: Iterable) -> dict:
        """Links of this connection and module by ``column`` (record or remote id), in chunks."""
        values = list(values)
        found: dict = {}
        if not values or self._none_yet(session):  # a first sync: no query per batch
            return found
        by_remote = column is SyncLink.remote_id
        reader = _LINKS_BY_REMOTE if by_remote else _LINKS_BY_RECORD
        at = 1 if by_remote else 0  # the key's place in LINK_COLUMNS
        head = [self.ctx.connection_id, self.ctx.module.name]
        for start in range(0, len(values), _CHUNK):
            chunk = values[start:start + _CHUNK]
            # always _CHUNK values (the last repeated): one statement, compiled once
            chunk += chunk[-1:] * (_CHUNK - len(chunk))
            for row in reader.run(session, head + chunk):  # plain rows: a batch reads hundreds
                # LINK_COLUMNS are in its fields' order; then the remote id the row holds
                found[row[at]] = LinkState(*row, row[1])
        return found

    def _none_yet(self, session: Session) -> bool:
        """Whether the connection and module have no links: asked once per run, then known
        until this run inserts one (see :meth:`_save_links`)."""
        if self._no_links is None:
            table = SyncLink.__table__
            self._no_links = session.execute(select(table.c.id).where(
                table.c.connection_id == self.ctx.connection_id,
                table.c.module == self.ctx.module.name).limit(1)).first() is None
        return self._no_links

    def commit(self, batch: Batch, seq: int | None = None, high_water: datetime | None = None,
                cursor: str | None = None, retry: set[int] | None = None) -> None:
        """Apply a batch's CRM writes, links, log rows and checkpoint in one transaction (the
        open :meth:`transaction`'s when there is one, committed with it)."""
        if self.ctx.config.dry_run:
            self.ctx.log.flush(None)
            return
        shared = self._shared is not None
        with self.session() as session:
            owner = session.get(User, self.ctx.owner.id)
            written: set[int] = set()
            kept: dict[int, RecordSnapshot] = {}  # new records as the store says it stored them
            with tracking(session) as changes:  # the store's writes: {seq: record id}
                for (values, link, item), new_id in zip(
                        batch.created, self._create(session, batch.created, owner, kept)):
                    if isinstance(new_id, int):
                        link.record_id = item.record_id = new_id
                        batch.links[new_id] = link
                        written.add(new_id)
                written |= self._apply_ops(session, batch, owner)
            # fingerprint what the store kept (it may normalise), so the next run sees no change;
            # new records from their snapshots (ops name records that existed before the batch)
            mapping = self.ctx.mapping
            in_step: set[int] = set()  # records whose link now matches what the store kept
            snaps = self.ctx.store.get_many(session, written.difference(kept))
            snaps.update(kept)
            for record_id, snap in snaps.items():
                link = batch.links.get(record_id)
                if link is not None and not snap.deleted:
                    keys = mapping.crm_key_values(snap.values)
                    known = batch.remote_keys.get(link.remote_id)
                    link.crm_fingerprint = (mapping.fingerprint_like(keys, *known) if known
                                            else mapping.fingerprint_of(keys))
                    if not link.crm_deleted:  # what the push would pass over as unchanged
                        in_step.add(record_id)
            for record_id in batch.mark_for_push:  # differs from the remote: the push sends it
                if record_id in batch.links:
                    batch.links[record_id].crm_fingerprint = None
            in_step -= batch.mark_for_push
            own = [seq for seq, record_id in changes.items() if record_id in in_step]
            if batch.mark_for_push:
                record_changes(session, self.ctx.module.name, list(batch.mark_for_push), "update",
                               self.ctx.owner.id)
            if batch.dropped_links:
                session.execute(delete(SyncLink.__table__).where(
                    SyncLink.__table__.c.id.in_(sorted(batch.dropped_links))))
            self._save_links(session, batch.links.values())
            if retry is not None:
                point_row = checkpoint(session, self.ctx.connection_id, self.ctx.module.name)
                point_row.retry_ids = sorted(retry) or None
                session.add(point_row)
            point = checkpoint(session, self.ctx.connection_id, self.ctx.module.name)
            if seq is not None:
                point.crm_seq = max(point.crm_seq, seq)
            if high_water is not None and (point.remote_high_water is None
                                           or high_water > point.remote_high_water):
                point.remote_high_water = high_water
            if cursor is not None:
                point.remote_cursor = cursor
            session.add(point)
            heartbeat(session, self.ctx.connection_id, self.ctx.module.name, self.ctx.log.run_id or -1)
            self.ctx.log.flush(session)
            if self.ctx.on_commit and not shared:  # a shared transaction's is at its end
                self.ctx.on_commit(session)
        if shared:
            self._shared_own.extend(own)
        else:
            self._after_commit(own)

    def _after_commit(self, own: list[int]) -> None:
        """What follows a committed transaction: the push can pass over the change seqs
        ``own``, as the links already match them; the log's rows are kept; and the planner's
        statistics are brought up to date once enough links were inserted."""
        self.state.own_changes.extend(own)
        self.ctx.log.confirm()
        if self._links_inserted >= self._analyze_at:
            self._analyze_at = self._links_inserted * 4
            refresh_statistics(self.ctx.crm, SyncLink.__tablename__)

    def _apply_ops(self, session: Session, batch: Batch, owner: User) -> set[int]:
        """Apply the batch's updates, restores and deletes in order; a run of updates goes to
        the store's ``update_many`` at once when it has one. Returns the ids written; a refused
        one is logged and its link dropped from the batch."""
        written: set[int] = set()
        update_many = optional_method(self.ctx.store, "update_many")
        ops = batch.crm_ops
        i = 0
        while i < len(ops):
            if update_many is not None and isinstance(ops[i], CrmUpdate):
                j = i
                while j < len(ops) and isinstance(ops[j], CrmUpdate):
                    j += 1
                run = ops[i:j]
                results = update_many(session, [(op.record_id, op.values) for op in run], owner)
                for op, result in zip(run, results):
                    if isinstance(result, Exception):
                        if not isinstance(result, CrmError):
                            raise result
                        self.refused(op.record_id, op.values, result)
                        batch.links.pop(op.record_id, None)
                    else:
                        written.add(op.record_id)
                i = j
                continue
            op = ops[i]
            i += 1
            record_id, values = op.record_id, op.values
            try:  # stores validate before writing, so a refusal leaves the session clean
                if isinstance(op, CrmUpdate):
                    self.ctx.store.update(session, record_id, values, owner)
                elif isinstance(op, CrmRestore):
                    self.ctx.store.restore(session, record_id, owner)
                    if values:
                        self.ctx.store.update(session, record_id, values, owner)
                elif isinstance(op, CrmDelete):
                    self.ctx.store.delete(session, record_id, owner)
            except CrmError as exc:
                self.refused(record_id, values, exc)
                batch.links.pop(record_id, None)
                continue
            written.add(record_id)
        return written

    def _create(self, session: Session, created: list, owner: User,
                kept: dict[int, RecordSnapshot]) -> list:
        """Create the batch's new CRM records at once when the store can; log the refused.
        Returns each new id or the refusal, in order; puts into ``kept`` the snapshot of each
        new record when the store returns them (``create_many_returning``)."""
        values_list = [values for values, _, _ in created]
        if not values_list:
            return []
        returning = optional_method(self.ctx.store, "create_many_returning")
        create_many = optional_method(self.ctx.store, "create_many")
        if returning is not None:
            results = []
            for result in returning(session, values_list, owner):
                if isinstance(result, RecordSnapshot):
                    kept[result.id] = result
                    result = result.id
                elif not isinstance(result, (int, Exception)):
                    raise TypeError(f"{type(self.ctx.store).__name__}.create_many_returning gave "
                                    f"a {type(result).__name__}, not a RecordSnapshot, an id or "
                                    "an exception")
                results.append(result)
        elif create_many is not None:
            results = create_many(session, values_list, owner)
        else:
            results = []
            for values in values_list:
                try:
                    results.append(self.ctx.store.create(session, values, owner))
                except CrmError as exc:
                    results.append(exc)
        for (values, link, item), result in zip(created, results):
            if not isinstance(result, int):
                self.ctx.log.discard_item(item)
                self.refused(None, values, result, link.remote_id)
        return results

    def refused(self, record_id: int | None, values: dict[str, Any], exc: Exception,
                 remote_id: str | None = None) -> None:
        reason = getattr(exc, "message", str(exc))
        self.ctx.log.add(Item(CRM_SIDE, "skipped", self.ctx.module.name, self.name(values) if values else "",
                          record_id, remote_id, f"the CRM refused it: {reason}"))

    def _save_links(self, session: Session, links: Iterable[LinkState]) -> None:
        """Insert new links and update known ones, a statement for each kind, not one per link.

        A link whose row keeps its remote id is updated without that column: the row's entry
        in the unique (connection, module, remote id) index is then left alone, where SQLite
        would otherwise take it out and put it back for each row (five times the work here)."""
        inserts, updates, kept = [], [], []
        for link in links:
            values = link._remote_values  # JSON text as read back: stored again as it is
            row = (link.crm_fingerprint, link.remote_fingerprint,
                   link.remote_updated_at, RawValue(values) if values.__class__ is str else values,
                   link.remote_version, link.crm_deleted, link.remote_deleted)
            if link.row_id is None:
                inserts.append((link.remote_id, *row, link.record_id))
            elif link.remote_id == link.stored_remote_id:
                kept.append((*row, link.row_id))
            else:
                updates.append((link.remote_id, *row, link.row_id))
        if inserts:
            self._no_links = False  # set before the write: a failed one may still have landed
            self._links_inserted += len(inserts)
        now = utcnow()
        _LINK_UPDATE_KEPT_ID.run(session, kept, (now,))
        _LINK_UPDATE.run(session, updates, (now,))
        _LINK_INSERT.run(session, inserts, (now, self.ctx.connection_id, self.ctx.module.name))


# PostgreSQL's statistics of the links table are brought up to date (ANALYZE, ~50 ms at 100,000
# links) once a run has inserted this many links, then each time it has inserted four times as
# many: a first sync fills the table faster than autovacuum looks at it, and a planner that
# still takes it for empty reads every link of the connection for each lookup of 500
_ANALYZE_FIRST = 2000

# links_by: a batch's links in chunks of _CHUNK ids, each value its own bound parameter
_CHUNK = 500
_KEYS = [f"k{i}" for i in range(_CHUNK)]


def _links_by(key) -> RowReader:
    table = SyncLink.__table__
    return RowReader(select(*LINK_COLUMNS).where(
        table.c.connection_id == bindparam("connection_id"),
        table.c.module == bindparam("module"), key.in_([bindparam(k) for k in _KEYS])),
        ["connection_id", "module", *_KEYS])


_LINKS_BY_REMOTE = _links_by(SyncLink.__table__.c.remote_id)
_LINKS_BY_RECORD = _links_by(SyncLink.__table__.c.record_id)

# the columns a batch writes of its links (then the shared ones), see Applier._save_links
_LINK_FIELDS = ("remote_id", "crm_fingerprint", "remote_fingerprint", "remote_updated_at",
                "remote_values", "remote_version", "crm_deleted", "remote_deleted")
_LINK_UPDATE = RowWriter(SyncLink.__table__, _LINK_FIELDS, shared=("synced_at",), key="id")
_LINK_UPDATE_KEPT_ID = RowWriter(SyncLink.__table__, _LINK_FIELDS[1:], shared=("synced_at",),
                                 key="id")
_LINK_INSERT = RowWriter(SyncLink.__table__, (*_LINK_FIELDS, "record_id"),
                         shared=("synced_at", "connection_id", "module"))
