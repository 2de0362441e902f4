"""The pull half of a run: remote changes into the CRM, first matches by email, conflicts."""
from __future__ import annotations

from datetime import datetime

from crmcore.contract.cursors import OVERLAP, CursorInvalid  # noqa: F401  (OVERLAP re-exported)
from crmcore.modules import RecordSnapshot
from crmcore.sync.batch import Batch, LinkState, normalise_email
from crmcore.sync.connector import RemoteRecord
from crmcore.sync.lock import checkpoint
from crmcore.sync.mapping import normalise
from crmcore.sync.models import SyncLink
from crmcore.sync.runlog import CRM_SIDE, Item



class PullSteps:
    """Methods of :class:`crmcore.sync.engine.SyncEngine` that read and apply remote changes."""

    def pull(self) -> None:
        """Read remote changes from the stored cursor and apply them, page by page; each page's
        cursor is committed with its batch. A cursor the connector no longer accepts
        (:class:`CursorInvalid`) means a full read from None: links by remote id, then by
        email, so nothing is created twice, and absence from the read deletes nothing."""
        with self.crm.session() as session:
            point = checkpoint(session, self.connection_id, self.module.name)
            self.seen_before = point.remote_high_water  # records up to here: handled
            cursor = point.remote_cursor
        self.remote.records_from = self.config.records_from
        try:
            self._read(cursor)
        except CursorInvalid as exc:
            if cursor is None:
                raise
            self.progress(f"{exc.message} Reading everything from {self.connector.label} again.")
            self.cursor_reset = exc.reason
            self._read(None)

    def _read(self, cursor: str | None) -> None:
        """One pass over the remote changes after ``cursor``. The newest remote time seen is
        committed with the page that carries a cursor (or at the end), not before: it tells an
        overlap re-read apart, so it must not run ahead of the read position."""
        total = 0
        floor = self.config.records_from
        newest: datetime | None = None
        pending = False  # records committed since the last cursor
        for page in self.remote.read_changes(cursor, self.mapping.remote_fields):
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
                total += len(records)
                self._pull_page(records, page.cursor, mark)
                self.progress(f"Read {total} changed records from {self.connector.label}.")
                pending = page.cursor is None
            elif page.cursor is not None and not self.config.dry_run:
                self._commit(Batch(), cursor=page.cursor, high_water=mark)
                pending = False
        if pending and newest is not None and not self.config.dry_run:
            self._commit(Batch(), high_water=newest)

    def _pull_page(self, records: list[RemoteRecord], cursor: str | None = None,
                   high_water: datetime | None = None) -> None:
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
            elif record.deleted:  # unlinked and deleted: its email still blocks a create there
                email = normalise_email(record.values.get(self.connector.email_field))
                if email:
                    self.deleted_remote[email] = record
            else:
                email = normalise_email(record.values.get(self.connector.email_field))
                matches = [i for i in by_email.get(email, [])] if email else []
                self._pull_unlinked(batch, record, matches, snaps, taken)
        self._commit(batch, cursor=cursor, high_water=high_water)

    def _seen(self, link: LinkState, record: RemoteRecord, fingerprint: str | None = None) -> None:
        """Record in the link what the remote side holds now."""
        link.remote_fingerprint = fingerprint or self.mapping.remote_fingerprint(record.values)
        link.remote_updated_at = record.updated_at
        link.remote_deleted = record.deleted
        link.remote_values = {k: record.values.get(k) for k in self.mapping.remote_fields}
        link.remote_version = record.version

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
        # an overlap re-read of a record that an earlier run already tried: act on it again (it may
        # be one that committed late), but do not log the same skip a second time
        again = self.seen_before is not None and record.updated_at <= self.seen_before
        skip = self._skip_once if again else self.log.add
        email = record.values.get(self.connector.email_field)
        name = str(email or "")  # for log lines; the mapped name is used where a record is made
        remote_fp = self.mapping.remote_fingerprint(record.values)
        already = {link.record_id for link in batch.links.values()}
        free = [m for m in matches if m not in taken and m not in already]
        if matches and not free:  # the CRM record with this email is linked elsewhere: no twin
            skip(Item(CRM_SIDE, "skipped", self.module.name, name, matches[0],
                              record.remote_id,
                              f"CRM record {matches[0]} has the email {email} but is linked to "
                              f"another {self.connector.label} contact; merge the two there or "
                              "change one email"))
            return
        matches = free
        if len(matches) > 1:
            skip(Item(CRM_SIDE, "skipped", self.module.name, name, None, record.remote_id,
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
            skip(Item(CRM_SIDE, "skipped", self.module.name, name, None, record.remote_id,
                      mapped.skip_reason))
            return
        link = LinkState(-1, record.remote_id)
        self._seen(link, record, remote_fp)
        item = Item(CRM_SIDE, "created", self.module.name,
                    self.store.display_name(mapped.values) or name, None, record.remote_id)
        batch.created.append((mapped.values, link, item))  # the item gets its id at the commit
        self.log.add(item)

    def _skip_once(self, item: Item) -> None:
        """A skip of a re-read record: logged by the run that first met it."""

    def _merge_first_match(self, batch: Batch, record: RemoteRecord, link: LinkState,
                           snap: RecordSnapshot, why: str | None = None) -> None:
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
                              why or f"first match by email with a {self.connector.label} contact"))
            self.pulled.add(snap.id)
        if self.config.direction == "both" and not self.mapping.equal(merged, record.values):
            batch.mark_for_push.add(snap.id)  # the CRM holds values the remote lacks
            if self.config.dry_run:
                self.extra_push.add(snap.id)
