"""The pull half of a run: remote changes into the CRM, first matches by email, conflicts.

Reads from the connector's cursor (stored with each page's checkpoint); a cursor the connector
refuses (:class:`CursorInvalid`) means a full read, which links by remote id, then by email, and
deletes nothing for being absent.
"""
from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any, NamedTuple

from crmcore.contract.cursors import OVERLAP, CursorInvalid  # noqa: F401  (OVERLAP re-exported)
from crmcore.contract.records import RemoteRecord
from crmcore.modules import RecordSnapshot
from crmcore.sync.applier import Applier
from crmcore.sync.batch import Batch, LinkState, normalise_email
from crmcore.sync.lock import checkpoint
from crmcore.sync.models import SyncLink
from crmcore.sync.resolve import Resolver
from crmcore.sync.runlog import CRM_SIDE, Item
from crmcore.sync.state import RunContext, RunState


# a pull applies the pages it reads in groups of this many records, or this many pages, each
# group in one transaction (see Puller._read): measured on a first sync of 100k + 100k on SQLite,
# the time spent committing went from 5.2-6.0 s with a commit per page of 500 to 2.5-3.0 s with
# groups of 2,000 (and 1.5 s with 8,000, which holds the write lock four times as long)
GROUP_RECORDS = 2000
GROUP_PAGES = 8


class _Page(NamedTuple):
    """A page read and waiting for its group to be applied: the records that take part, the
    page's cursor and the high-water mark to commit with it, and how many records it held."""
    records: list[RemoteRecord]
    cursor: str | None
    high_water: datetime | None
    read: int


class Puller:
    """Reads remote changes and decides what each means for the CRM."""

    def __init__(self, ctx: RunContext, state: RunState, resolver: Resolver,
                 applier: Applier) -> None:
        self.ctx = ctx
        self.state = state
        self.resolver = resolver
        self.applier = applier
        self._read_so_far = 0  # records of the pass in progress applied so far

    def pull(self) -> None:
        """Read remote changes from the stored cursor and apply them, page by page; each page's
        cursor is committed with its batch, a few pages to a transaction (see :meth:`_read`).
        A cursor the connector no longer accepts (:class:`CursorInvalid`) means a full read
        from None: links by remote id, then by email, so nothing is created twice, and absence
        from the read deletes nothing."""
        with self.ctx.crm.session() as session:
            point = checkpoint(session, self.ctx.connection_id, self.ctx.module.name)
            self.state.seen_before = point.remote_high_water  # records up to here: handled
            cursor = point.remote_cursor
        self.ctx.remote.records_from = self.ctx.config.records_from
        try:
            self._read(cursor)
        except CursorInvalid as exc:
            if cursor is None:
                raise
            self.ctx.progress(f"{exc.message} Reading everything from {self.ctx.connector.label} again.")
            self.state.cursor_reset = exc.reason
            self._read(None)

    def _read(self, cursor: str | None) -> None:
        """One pass over the remote changes after ``cursor``. The newest remote time seen is
        committed with the page that carries a cursor (or at the end), not before: it tells an
        overlap re-read apart, so it must not run ahead of the read position.

        Pages are read ahead into groups of up to :data:`GROUP_RECORDS` records (or
        :data:`GROUP_PAGES` pages), and each group is applied in one transaction, each page
        with its own batch and checkpoint (see :meth:`Applier.transaction`): no transaction
        stays open while the service is asked for a page. A read that fails with an error (not
        an interrupt) applies the pages already read before its error goes on, so the next run
        resumes after them."""
        self._read_so_far = 0
        floor = self.ctx.config.records_from
        newest: datetime | None = None
        pending = False  # records committed since the last cursor
        group: list[_Page] = []
        size = 0
        try:
            for page in self.ctx.remote.read_changes(cursor, self.ctx.mapping.remote_fields):
                records = page.records
                if floor is not None:  # only records changed since take part
                    records = [r for r in records if r.updated_at is None or r.updated_at >= floor]
                seen = max((r.updated_at for r in records if r.updated_at is not None), default=None)
                if seen is not None and page.high_water is not None:
                    seen = min(seen, page.high_water)  # the connector's trusted mark caps it
                if seen is not None and (newest is None or seen > newest):
                    newest = seen
                mark = newest if page.cursor is not None else None
                if records:
                    pending = page.cursor is None
                elif page.cursor is not None:
                    pending = False
                group.append(_Page(records, page.cursor, mark, len(page.records)))
                size += len(records)
                if size >= GROUP_RECORDS or len(group) >= GROUP_PAGES:
                    ready, group, size = group, [], 0  # taken first: a failed apply is not redone
                    self._apply_group(ready)
        except Exception:
            if group:  # pages read before the error are kept, as when each page committed alone
                with suppress(Exception):  # the read's error is the one to tell and act on;
                    self._apply_group(group)  # what could not be applied is read again next run
            raise
        if group:
            self._apply_group(group)
        if pending and newest is not None and not self.ctx.config.dry_run:
            self.applier.commit(Batch(), high_water=newest)

    def _apply_group(self, group: list[_Page]) -> None:
        """Apply pages read in one transaction; then tell how far the pass has come."""
        with self.applier.transaction():
            for page in group:
                if page.records:
                    self._pull_page(page.records, page.cursor, page.high_water)
                elif page.cursor is not None and not self.ctx.config.dry_run:
                    self.applier.commit(Batch(), cursor=page.cursor, high_water=page.high_water)
        for page in group:  # committed: nothing waits on a listener while the write lock is held
            self.ctx.on_records_handled(page.read)
            if page.records:
                self._read_so_far += len(page.records)
                self.ctx.progress(f"Read {self._read_so_far} changed records from "
                                  f"{self.ctx.connector.label}.")

    def _pull_page(self, records: list[RemoteRecord], cursor: str | None = None,
                   high_water: datetime | None = None) -> None:
        batch = Batch()
        with self.applier.session() as session:  # the group's transaction: sees its earlier pages
            links = self.applier.links_by(session, SyncLink.remote_id, [r.remote_id for r in records])
            echoes = self._echoes(records, links)
            emails = {normalise_email(r.values.get(self.ctx.connector.email_field))
                      for r in records if r.remote_id not in links and not r.deleted
                      and r.remote_id not in echoes}
            emails.discard(None)
            by_email = self.ctx.store.find_by_email(session, emails) if emails else {}
            candidates = {i for ids in by_email.values() for i in ids}
            remote_keys, changed = self._linked_keys(records, links)
            snaps = self.ctx.store.get_many(session, changed | candidates)
            taken = self.applier.links_by(session, SyncLink.record_id, candidates)
        for record, keys in zip(records, remote_keys):
            link = links.get(record.remote_id)
            if link is not None:
                self._pull_linked(batch, record, link, snaps.get(link.record_id), *keys)
            elif record.remote_id in echoes:
                self._link_echo(batch, record, *echoes[record.remote_id])
            elif record.deleted:  # unlinked and deleted: its email still blocks a create there
                email = normalise_email(record.values.get(self.ctx.connector.email_field))
                if email:
                    self.state.deleted_remote[email] = record
            else:
                email = normalise_email(record.values.get(self.ctx.connector.email_field))
                matches = [i for i in by_email.get(email, [])] if email else []
                self._pull_unlinked(batch, record, matches, snaps, taken)
        self.applier.commit(batch, cursor=cursor, high_water=high_water)

    def _echoes(self, records: list[RemoteRecord], links: dict[str, LinkState]
                ) -> dict[str, tuple[int, str]]:
        """The page's unlinked live records that are the echo of this run's bulk creates
        (:attr:`RunState.bulk_sent`) holding just what was sent (the same fingerprint, so the
        same email too): remote id -> (CRM record id, fingerprint). Taken out of ``bulk_sent``;
        any other record (the service changed a value, say) goes the usual way, by email."""
        sent = self.state.bulk_sent
        if not sent:
            return {}
        found: dict[str, tuple[int, str]] = {}
        fingerprint = self.ctx.mapping.remote_fingerprint
        for record in records:
            if record.deleted or record.remote_id in links:
                continue
            remote_fp = fingerprint(record.values)
            record_id = sent.pop(remote_fp, None)
            if record_id is not None:
                found[record.remote_id] = (record_id, remote_fp)
        return found

    def _link_echo(self, batch: Batch, record: RemoteRecord, record_id: int,
                   fingerprint: str) -> None:
        """Link the echo of a bulk create to the CRM record sent (see :meth:`_echoes`), as a
        first match of equal values is linked: both sides have ``fingerprint``."""
        link = LinkState(record_id, record.remote_id, crm_fingerprint=fingerprint)
        self.resolver.seen(link, record, fingerprint)
        batch.links[record_id] = link

    def _linked_keys(self, records: list[RemoteRecord], links: dict[str, LinkState]
                     ) -> tuple[list[tuple[list[Any], str] | None], set[int]]:
        """Each record's remote key values and fingerprint (None for an unlinked one), in
        order, and the CRM record ids of the linked records that differ from their link: only
        those need the CRM side read. Most of a page after a write is that write read back, or
        an overlap re-read."""
        mapping = self.ctx.mapping
        key_values, fingerprint_of = mapping.remote_key_values, mapping.fingerprint_of
        out: list[tuple[list[Any], str] | None] = []
        changed: set[int] = set()
        for record in records:
            link = links.get(record.remote_id)
            if link is None:
                out.append(None)
                continue
            keys = key_values(record.values)
            remote_fp = fingerprint_of(keys)
            out.append((keys, remote_fp))
            if remote_fp != link.remote_fingerprint or record.deleted != link.remote_deleted:
                changed.add(link.record_id)
        return out, changed

    def _pull_linked(self, batch: Batch, record: RemoteRecord, link: LinkState,
                     snap: RecordSnapshot | None, remote_keys: list[Any], remote_fp: str) -> None:
        """``snap``: the CRM record, None when it is gone for good (or was not read, as the
        record matches its link: see :meth:`_linked_keys`); ``remote_keys`` and ``remote_fp``:
        the record's key values and fingerprint."""
        if remote_fp == link.remote_fingerprint and record.deleted == link.remote_deleted:
            return  # our own write read back, or an overlap re-read
        if snap is None or self.state.link_only:  # CRM record gone for good, or a one-way settle read
            return
        if record.deleted and snap.deleted:  # deleted on both sides: nothing to do
            self.resolver.seen(link, record, remote_fp)
            link.crm_deleted = True
            batch.links[link.record_id] = link
            return
        crm_changed = (snap.deleted != link.crm_deleted or (
            not snap.deleted and self.ctx.mapping.crm_fingerprint(snap.values) != link.crm_fingerprint))
        if crm_changed and self.ctx.config.direction == "both":
            if self.resolver.crm_wins(snap.modified_at, record.updated_at):
                why = ("the CRM change is newer" if self.ctx.config.conflict_policy == "most-recent"
                       else f"policy {self.ctx.config.conflict_policy}")
                self.ctx.log.add(Item(CRM_SIDE, "skipped", self.ctx.module.name,
                                  self.resolver.name(snap.values), snap.id, record.remote_id,
                                  f"conflict: changed on both sides; {why}, so the CRM version "
                                  f"is kept and sent to {self.ctx.connector.label}"))
                self.resolver.seen(link, record, remote_fp)
                batch.links[link.record_id] = link
                return
            self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, self.resolver.name(snap.values),
                              snap.id, record.remote_id,
                              f"conflict: changed on both sides; the {self.ctx.connector.label} "
                              "change is newer, so it replaces the CRM version"))
        self.resolver.apply_remote(batch, record, link, snap, remote_fp, remote_keys)

    def _pull_unlinked(self, batch: Batch, record: RemoteRecord, matches: list[int],
                       snaps: dict[int, RecordSnapshot], taken: dict[int, LinkState]) -> None:
        # an overlap re-read of a record that an earlier run already tried: act on it again (it may
        # be one that committed late), but do not log the same skip a second time; a record
        # without a time cannot be told apart, so its skips are logged each run
        ctx, mapping = self.ctx, self.ctx.mapping
        seen_before, updated_at = self.state.seen_before, record.updated_at
        again = seen_before is not None and updated_at is not None and updated_at <= seen_before
        skip = self._skip_once if again else ctx.log.add
        email = record.values.get(ctx.connector.email_field)
        name = str(email or "")  # for log lines; the mapped name is used where a record is made
        remote_keys = mapping.remote_key_values(record.values)
        remote_fp = mapping.fingerprint_of(remote_keys)
        # batch.links is keyed by the links' record ids: no set of them built per record
        free = [m for m in matches if m not in taken and m not in batch.links]
        if matches and not free:  # the CRM record with this email is linked elsewhere: no twin
            skip(Item(CRM_SIDE, "skipped", self.ctx.module.name, name, matches[0],
                              record.remote_id,
                              f"CRM record {matches[0]} has the email {email} but is linked to "
                              f"another {self.ctx.connector.label} contact; merge the two there or "
                              "change one email"))
            return
        matches = free
        if len(matches) > 1:
            skip(Item(CRM_SIDE, "skipped", self.ctx.module.name, name, None, record.remote_id,
                              f"ambiguous match: {len(matches)} CRM records have the email "
                              f"{email}; merge them or change one email"))
            return
        if len(matches) == 1:
            snap = snaps[matches[0]]
            link = LinkState(snap.id, record.remote_id)
            crm_keys = self.ctx.mapping.crm_key_values(snap.values)
            link.crm_fingerprint = self.ctx.mapping.fingerprint_like(crm_keys, remote_keys, remote_fp)
            self.resolver.seen(link, record, remote_fp)
            batch.links[snap.id] = link
            if crm_keys == remote_keys:  # mapping.equal(snap.values, record.values)
                return
            if self.state.link_only:  # one-way to the remote: the next push sends the CRM's values
                link.crm_fingerprint = None
                return
            self.resolver.merge_first_match(batch, record, link, snap)
            return
        if self.state.link_only:
            return
        mapped = mapping.to_crm(record.values)
        if mapped.skip_reason:
            skip(Item(CRM_SIDE, "skipped", ctx.module.name, name, None, record.remote_id,
                      mapped.skip_reason))
            return
        link = LinkState(-1, record.remote_id)
        self.resolver.seen(link, record, remote_fp)
        item = Item(CRM_SIDE, "created", ctx.module.name,
                    ctx.store.display_name(mapped.values) or name, None, record.remote_id)
        batch.created.append((mapped.values, link, item))  # the item gets its id at the commit
        batch.remote_keys[record.remote_id] = (remote_keys, remote_fp)
        ctx.log.add(item)

    def _skip_once(self, item: Item) -> None:
        """A skip of a re-read record: logged by the run that first met it."""
