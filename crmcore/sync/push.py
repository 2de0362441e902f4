"""The push half of a run: CRM changes to the remote side, 409s resolved on purpose, stale
writes and deletes decided by the conflict policy, deletes."""
from __future__ import annotations

import time

from sqlmodel import Session

from crmcore.changes import changes_since
from crmcore.contract.records import STALE, RemoteRecord, RemoteWrite, WriteOutcome
from crmcore.models import utcnow
from crmcore.modules import RecordSnapshot
from crmcore.sync.applier import Applier
from crmcore.sync.batch import Batch, LinkState, normalise_email
from crmcore.sync.lock import checkpoint
from crmcore.sync.models import SyncLink
from crmcore.sync.ops import CrmDelete, CrmUpdate
from crmcore.sync.resolve import Resolver
from crmcore.sync.runlog import CRM_SIDE, WARNING, Item
from crmcore.sync.state import RunContext, RunState


class Pusher:
    """Sends CRM changes from the change sequence, batch by batch."""

    def __init__(self, ctx: RunContext, state: RunState, resolver: Resolver,
                 applier: Applier) -> None:
        self.ctx = ctx
        self.state = state
        self.resolver = resolver
        self.applier = applier

    def push(self) -> None:
        with self.ctx.crm.session() as session:
            point = checkpoint(session, self.ctx.connection_id, self.ctx.module.name)
            start, retry = point.crm_seq, list(point.retry_ids or [])
        done = 0
        if self.state.extra_push or retry:  # a dry run's marks, and records skipped for now last time
            self._push_records(sorted(self.state.extra_push | set(retry)), start)
        while True:
            with self.ctx.crm.session() as session:
                batch_changes = next(changes_since(session, self.ctx.module.name, start,
                                                   self.ctx.batch_size), [])
            if not batch_changes:
                return
            last_seq = batch_changes[-1].seq
            own = self.state.own_changes  # this run's own writes, already in step with links
            ids = list(dict.fromkeys(c.record_id for c in batch_changes if c.seq not in own))
            if ids:
                self._push_records(ids, last_seq)
            else:  # nothing to send: only move the checkpoint on
                self.applier.commit(Batch(), seq=last_seq, retry=self.state.retry)
            done += len(ids)
            self.ctx.progress(f"Checked {done} changed CRM records.")
            start = last_seq

    def _push_records(self, ids: list[int], last_seq: int) -> None:
        batch = Batch()
        if self.state.bulk_sent_as:  # changed since their bulk create in this run: what is
            for record_id in ids:  # decided now counts, its echo goes by email as any other
                self._forget_sent(record_id)
        with self.ctx.crm.session() as session:
            snaps = self.ctx.store.get_many(session, ids)
            links = self.applier.links_by(session, SyncLink.record_id, ids)
            shared = self._shared_emails(session, [snaps[i] for i in ids
                                                   if i in snaps and i not in links])
        writes: list[RemoteWrite] = []
        deletes: list[tuple[RecordSnapshot, LinkState]] = []
        handled = self._hand_over(batch, ids, snaps, links)
        left_out: dict[int, set[str]] = {}  # CRM fields not sent: the remote's value is no news
        fingerprints: dict[int, str] = {}  # of the records' CRM values, where worked out here
        for record_id in ids:
            snap = snaps.get(record_id)
            if snap is None or record_id in handled or (self.ctx.config.dry_run and record_id in self.state.pulled):
                continue
            link = links.get(record_id)
            if (link is None and self.ctx.config.records_from and snap.modified_at
                    and snap.modified_at < self.ctx.config.records_from):
                continue
            if snap.deleted:
                if link is not None and not link.crm_deleted:
                    if link.remote_deleted:
                        link.crm_deleted = True
                        batch.links[record_id] = link
                    else:
                        deletes.append((snap, link))
                continue
            if link is not None and not link.crm_deleted:
                fingerprint = fingerprints[record_id] = self.ctx.mapping.crm_fingerprint(snap.values)
                if fingerprint == link.crm_fingerprint:
                    continue  # unchanged since the last sync, or the pull's own write
            mapped = self.ctx.mapping.to_remote(snap.values)
            reason = mapped.skip_reason
            email = normalise_email(snap.values.get(self.ctx.crm_email_field)) if link is None else None
            if reason is None and email in shared:
                reason = (f"ambiguous match: {shared[email]} CRM records have the email {email}; "
                          "merge them or change one email")
            if reason:
                self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, self.resolver.name(snap.values),
                                  snap.id, link.remote_id if link else None, reason))
                if reason.startswith("ambiguous match"):
                    self.state.retry.add(snap.id)
                continue
            if mapped.left_out:
                left_out[record_id] = set(mapped.left_out)
            for warning in mapped.warnings:  # an optional field left out, the rest is written
                self.ctx.log.add(Item(self.ctx.side, WARNING, self.ctx.module.name, self.resolver.name(snap.values),
                                  snap.id, link.remote_id if link else None, warning))
            writes.append(RemoteWrite(key=record_id, values=mapped.values,
                                      remote_id=link.remote_id if link else None,
                                      previous=link.remote_values if link else None,
                                      version=link.remote_version if link else None))
        # a create whose email a deleted remote contact still holds is decided like a 409 (revive
        # or not), not left to a bulk import that would revive it without asking
        held = {w.key: self.state.deleted_remote.get(normalise_email(w.values.get(self.ctx.connector.email_field)))
                for w in writes if not w.remote_id}
        held = {key: record.remote_id for key, record in held.items() if record is not None}
        # updates first: one may free an email that a create in the same batch takes
        outcomes = (self._write([w for w in writes if w.remote_id])
                    + self._write([w for w in writes if not w.remote_id and w.key not in held])
                    + [WriteOutcome(key, conflict_remote_id=rid) for key, rid in held.items()])
        outcomes, rewritten = self._resolve_stale(batch, outcomes, snaps, links, writes)
        second_round = self._resolve_conflicts(batch, outcomes, snaps, writes)
        outcomes = [o for o in outcomes if not o.conflict_remote_id] + self._write(second_round)
        by_key = {w.key: w for w in writes + rewritten + second_round}
        for outcome in outcomes:
            self._after_write(batch, outcome, snaps[outcome.key], links.get(outcome.key),
                              by_key[outcome.key], left_out.get(outcome.key, set()),
                              fingerprints.get(outcome.key))
        self._delete(batch, deletes)
        if self.state.bulk_sent_as:  # bulk-created earlier in this run, linked now (a
            for record_id, link in batch.links.items():  # deleted twin's survivor): likewise
                if link.row_id is None:
                    self._forget_sent(record_id)
        self.applier.commit(batch, seq=last_seq, retry=self.state.retry)

    def _forget_sent(self, record_id: int) -> None:
        """Take ``record_id``'s bulk create of this run out of :attr:`RunState.bulk_sent`: its
        echo, if read back, is then matched by email like any other remote record."""
        fingerprint = self.state.bulk_sent_as.pop(record_id, None)
        if fingerprint is not None and self.state.bulk_sent.get(fingerprint) == record_id:
            del self.state.bulk_sent[fingerprint]

    def _hand_over(self, batch: Batch, ids: list[int], snaps: dict[int, RecordSnapshot],
                   links: dict[int, LinkState]) -> set[int]:
        """A linked record deleted in the CRM while live twins (same email) remain: a duplicate
        removed, not a person. The remote record stays (its lists too); one twin left takes over
        the link and is merged with it as a first match is; several keep it waiting (retried).

        Returns the ids this step decided for (the deleted records and the survivors).
        """
        gone = {i: links[i] for i in ids if i in snaps and snaps[i].deleted and i in links
                and not links[i].crm_deleted and not links[i].remote_deleted}
        if not gone or self.ctx.crm_email_field is None:
            return set()
        emails = {i: normalise_email(snaps[i].values.get(self.ctx.crm_email_field)) for i in gone}
        with self.ctx.crm.session() as session:
            found = self.ctx.store.find_by_email(session, {e for e in emails.values() if e})
            twins = {i for found_ids in found.values() for i in found_ids}
            linked = self.applier.links_by(session, SyncLink.record_id, twins)
            twin_snaps = self.ctx.store.get_many(session, twins - linked.keys())
        survivors = {i: [t for t in found.get(e, []) if t in twin_snaps] if e else []
                     for i, e in emails.items()}
        single = {i: s[0] for i, s in survivors.items() if len(s) == 1}
        remote = self.ctx.remote.read_many([gone[i].remote_id for i in single]) if single else {}
        handled: set[int] = set()
        for record_id, twins_left in survivors.items():
            if not twins_left:
                continue
            link, snap = gone[record_id], snaps[record_id]
            name = self.resolver.name(snap.values)
            if len(twins_left) > 1:
                handled.add(record_id)
                self.state.retry.add(record_id)
                self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, name, record_id,
                                  link.remote_id,
                                  f"not deleted in {self.ctx.connector.label}: {len(twins_left)} CRM "
                                  f"records have its email (ids {', '.join(map(str, twins_left))});"
                                  " merge them and the one left takes over this contact"))
                continue
            record = remote.get(link.remote_id)
            survivor = twins_left[0]
            if record is None or record.deleted or survivor in handled:
                continue  # nothing to keep: the deletion travels as usual
            handled |= {record_id, survivor}
            twin = twin_snaps[survivor]
            snaps[survivor] = twin
            links.pop(record_id, None)
            if link.row_id is not None:
                batch.dropped_links.add(link.row_id)
            new = LinkState(survivor, link.remote_id)
            new.crm_fingerprint = self.ctx.mapping.crm_fingerprint(twin.values)
            self.resolver.seen(new, record)
            batch.links[survivor] = new
            links[survivor] = new
            self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, name, record_id,
                              link.remote_id,
                              f"not deleted in {self.ctx.connector.label}: CRM record {survivor} has "
                              "the same email and takes over the link (the contact and its lists "
                              "are kept)"))
            if self.ctx.config.direction == "to-remote":  # one-way: never write the CRM
                if not (self.ctx.mapping.equal(twin.values, record.values)
                        or self.resolver.would_clear(twin.values, record.values)):
                    batch.mark_for_push.add(survivor)
            elif not self.ctx.mapping.equal(twin.values, record.values):
                self.resolver.merge_first_match(batch, record, new, twin,
                                        f"took over the {self.ctx.connector.label} contact of "
                                        f"deleted duplicate {record_id}")
        return handled

    def _shared_emails(self, session: Session, unlinked: list[RecordSnapshot]) -> dict[str, int]:
        """Emails of unlinked live records that more than one live CRM record has: no guessing."""
        emails = {normalise_email(s.values.get(self.ctx.crm_email_field))
                  for s in unlinked if not s.deleted}
        emails.discard(None)
        if not emails or self.ctx.crm_email_field is None:
            return {}
        found = self.ctx.store.find_by_email(session, emails)
        return {email: len(ids) for email, ids in found.items() if len(ids) > 1}

    def _write(self, writes: list[RemoteWrite]) -> list[WriteOutcome]:
        if not writes:
            return []
        if self.ctx.config.dry_run:
            return [WriteOutcome(key=w.key, remote_id=w.remote_id or "(new)",
                                 record=RemoteRecord(w.remote_id or "(new)", w.values, utcnow()))
                    for w in writes]
        self.state.remote_writes += len(writes)
        outcomes = self.ctx.remote.write(writes)
        self.state.last_write_at = time.monotonic()
        self.state.bulk_created = self.state.bulk_created or any(o.link_by_email for o in outcomes)
        return outcomes

    def _resolve_conflicts(self, batch: Batch, outcomes: list[WriteOutcome],
                           snaps: dict[int, RecordSnapshot], writes: list[RemoteWrite]) -> list[RemoteWrite]:
        """A create refused because the email exists remotely: link to that record on purpose."""
        conflicts = [o for o in outcomes if o.conflict_remote_id]
        if not conflicts:
            return []
        known = {r.remote_id: r for r in self.state.deleted_remote.values()}  # read by this run's pull
        unknown = [o.conflict_remote_id for o in conflicts if o.conflict_remote_id not in known]
        existing = {**known, **(self.ctx.remote.read_many(unknown) if unknown else {})}
        with self.ctx.crm.session() as session:
            taken = self.applier.links_by(session, SyncLink.remote_id, [o.conflict_remote_id for o in conflicts])
        values = {w.key: w.values for w in writes}
        claimed = {o.remote_id for o in outcomes if o.ok and o.remote_id}
        again: list[RemoteWrite] = []
        for outcome in conflicts:
            snap = snaps[outcome.key]
            remote = existing.get(outcome.conflict_remote_id)
            owner = taken.get(outcome.conflict_remote_id)
            our_delete = False
            if (owner is not None and owner.record_id != snap.id and owner.crm_deleted
                    and owner.remote_deleted and owner.row_id is not None):
                # the email's old pair is deleted on both sides: the new record may take it
                batch.dropped_links.add(owner.row_id)
                # a deletion this sync sent (see _delete) is no remote change to go by
                our_delete = owner.remote_updated_at is None
                owner = None
            if remote is None or outcome.conflict_remote_id in claimed or (
                    owner is not None and owner.record_id != snap.id):
                self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, self.resolver.name(snap.values),
                                  snap.id, outcome.conflict_remote_id,
                                  f"the email already belongs to a {self.ctx.connector.label} contact "
                                  "linked to another CRM record; merge the two CRM records"))
                self.state.retry.add(snap.id)
                continue
            claimed.add(remote.remote_id)
            link = LinkState(snap.id, remote.remote_id)
            self.resolver.seen(link, remote)
            batch.links[snap.id] = link
            crm_wins = (self.ctx.config.direction == "to-remote"  # one-way: never write the CRM
                        or (remote.deleted and our_delete)
                        or self.resolver.crm_wins(snap.modified_at, remote.updated_at))
            if remote.deleted and not crm_wins:
                # deleted remotely after the CRM's last change: the deletion travels to the CRM
                batch.crm_ops.append(CrmDelete(snap.id))
                link.crm_deleted = True
                self.ctx.log.add(Item(CRM_SIDE, "deleted", self.ctx.module.name, self.resolver.name(snap.values),
                                  snap.id, remote.remote_id,
                                  f"its email belongs to a contact deleted in {self.ctx.connector.label} "
                                  "after the CRM's last change"))
                continue
            if not remote.deleted and self.ctx.mapping.equal(snap.values, remote.values):
                link.crm_fingerprint = self.ctx.mapping.crm_fingerprint(snap.values)
                continue
            if not remote.deleted and not crm_wins:
                self.resolver.apply_remote(batch, remote, link, snap, link.remote_fingerprint)
                continue
            again.append(RemoteWrite(key=snap.id, values=values[snap.id], remote_id=remote.remote_id))
        return again

    def _resolve_stale(self, batch: Batch, outcomes: list[WriteOutcome],
                       snaps: dict[int, RecordSnapshot], links: dict[int, LinkState],
                       writes: list[RemoteWrite]) -> tuple[list[WriteOutcome], list[RemoteWrite]]:
        """Updates the remote refused because the record changed since it was read (a version
        mismatch): read it again and let the conflict policy decide, logged. The CRM winning
        means writing again over the new version (once; stale again: retried next run); the
        remote winning means its values come to the CRM. Never a silent overwrite."""
        stale = [o for o in outcomes if o.stale]
        if not stale:
            return outcomes, []
        kept = [o for o in outcomes if not o.stale]
        by_key = {w.key: w for w in writes}
        fresh = self.ctx.remote.read_many([by_key[o.key].remote_id for o in stale])
        again: list[RemoteWrite] = []
        for outcome in stale:
            write, snap, link = by_key[outcome.key], snaps[outcome.key], links.get(outcome.key)
            record = fresh.get(write.remote_id)
            name = self.resolver.name(snap.values)
            if record is None or link is None:
                kept.append(WriteOutcome(write.key, remote_id=write.remote_id,
                                         error="changed and then removed in "
                                               f"{self.ctx.connector.label} while this sync wrote it"))
                continue
            crm_wins = (self.ctx.config.direction == "to-remote"
                        or self.resolver.crm_wins(snap.modified_at, record.updated_at))
            if crm_wins:
                self.ctx.log.add(Item(CRM_SIDE, "skipped", self.ctx.module.name, name, snap.id,
                                  record.remote_id,
                                  f"conflict: changed on both sides (the write met a newer version "
                                  f"in {self.ctx.connector.label}); the CRM version is kept and sent"))
                again.append(RemoteWrite(key=write.key, values=write.values,
                                         remote_id=write.remote_id,
                                         previous=link.remote_values, version=record.version))
                continue
            self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, name, snap.id,
                              record.remote_id,
                              f"conflict: changed on both sides (the write met a newer version in "
                              f"{self.ctx.connector.label}); that change is newer, so it replaces "
                              "the CRM version"))
            self.resolver.apply_remote(batch, record, link, snap,
                               self.ctx.mapping.remote_fingerprint(record.values))
        for outcome in self._write(again):
            if outcome.stale:  # changed again meanwhile: next run
                self.state.retry.add(outcome.key)
                kept.append(WriteOutcome(outcome.key, remote_id=outcome.remote_id,
                                         error=f"changed again in {self.ctx.connector.label} while "
                                               "this sync wrote it; retried next run"))
            else:
                kept.append(outcome)
        return kept, again

    def _after_write(self, batch: Batch, outcome: WriteOutcome, snap: RecordSnapshot,
                     link: LinkState | None, write: RemoteWrite,
                     left_out: set[str] = frozenset(), fingerprint: str | None = None) -> None:
        """Log a write's outcome and make the link it leaves; ``fingerprint``: that of
        ``snap.values`` when already worked out (None: worked out here)."""
        name = self.resolver.name(snap.values)
        if outcome.error:
            self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, name, snap.id,
                              write.remote_id, outcome.error))
            return
        if outcome.link_by_email:  # a bulk create: linked by email when its echo is read back
            self.ctx.log.add(Item(self.ctx.side, "created", self.ctx.module.name, name, snap.id, None))
            self._forget_sent(snap.id)  # sent before in this run (another email): this send counts
            if self.ctx.crm_email_field is not None:  # the email is in what the fingerprint hashes
                fingerprint = fingerprint or self.ctx.mapping.crm_fingerprint(snap.values)
                self.state.bulk_sent[fingerprint] = snap.id
                self.state.bulk_sent_as[snap.id] = fingerprint
            return
        record = outcome.record
        existing = batch.links.get(snap.id) or link
        revived = existing is not None and existing.remote_deleted
        action = "updated" if write.remote_id else "created"
        reason = (f"revived in {self.ctx.connector.label}: the CRM change is newer than its deletion there"
                  if revived else None)
        self.ctx.log.add(Item(self.ctx.side, action, self.ctx.module.name, name, snap.id,
                          outcome.remote_id, reason))
        new = LinkState(snap.id, outcome.remote_id or write.remote_id,
                        row_id=existing.row_id if existing else None,
                        stored_remote_id=existing.stored_remote_id if existing else None)
        new.crm_fingerprint = fingerprint or self.ctx.mapping.crm_fingerprint(snap.values)
        if record is None:  # a bulk update: the remote now holds what was sent
            new.remote_fingerprint = new.crm_fingerprint
            new.remote_values = {**(write.previous or {}), **write.values}
            new.remote_updated_at = existing.remote_updated_at if existing else None
        else:
            self.resolver.seen(new, record)
            # the remote side owns some values (consent): bring them back to the CRM at once
            if not self.ctx.config.dry_run and self.ctx.config.direction == "both" and \
                    not self.ctx.mapping.equal(snap.values, record.values):
                mapped = self.ctx.mapping.to_crm(record.values, snap.values)
                if mapped.values:
                    diff = {k: v for k, v in mapped.values.items()
                            if snap.values.get(k) != v and k not in left_out}
                    if diff:
                        batch.crm_ops.append(CrmUpdate(snap.id, diff))
                        new.crm_fingerprint = self.ctx.mapping.crm_fingerprint({**snap.values, **diff})
                        self.ctx.log.add(Item(CRM_SIDE, "updated", self.ctx.module.name, name, snap.id,
                                          outcome.remote_id,
                                          f"{self.ctx.connector.label} keeps its own value of "
                                          f"{', '.join(sorted(diff))}"))
        batch.links[snap.id] = new

    def _delete(self, batch: Batch, deletes: list[tuple[RecordSnapshot, LinkState]]) -> None:
        if not deletes:
            return
        ids = [link.remote_id for _, link in deletes]
        results = ({i: None for i in ids} if self.ctx.config.dry_run else self._send_deletes(deletes))
        stale = [(snap, link) for snap, link in deletes if results.get(link.remote_id) == STALE]
        if stale:
            results.update(self._resolve_stale_deletes(batch, stale))
        for snap, link in deletes:
            if link.remote_id in self.state.restored:
                continue
            error = results.get(link.remote_id)
            name = self.resolver.name(snap.values)
            if error:
                self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, name, snap.id,
                                  link.remote_id, error))
                continue
            link.crm_deleted = link.remote_deleted = True
            # the remote's latest change is this deletion, ours: no remote time to decide by
            # (a later 409 on its email must not take it for a deletion made there)
            link.remote_updated_at = None
            batch.links[snap.id] = link
            self.ctx.log.add(Item(self.ctx.side, "deleted", self.ctx.module.name, name, snap.id,
                              link.remote_id, "deleted in the CRM"))

    def _send_deletes(self, deletes: list[tuple[RecordSnapshot, LinkState]]) -> dict[str, str | None]:
        ids = [link.remote_id for _, link in deletes]
        versions = {link.remote_id: link.remote_version for _, link in deletes if link.remote_version}
        return self.ctx.remote.delete(ids, versions) if versions else self.ctx.remote.delete(ids)

    def _resolve_stale_deletes(self, batch: Batch,
                               stale: list[tuple[RecordSnapshot, LinkState]]) -> dict[str, str | None]:
        """Deletes refused because the remote record changed since it was read: the policy
        decides between the CRM's deletion (sent again over the new version) and the remote
        change (the CRM record is restored with it), logged."""
        fresh = self.ctx.remote.read_many([link.remote_id for _, link in stale])
        again: list[tuple[RecordSnapshot, LinkState]] = []
        results: dict[str, str | None] = {}
        for snap, link in stale:
            record = fresh.get(link.remote_id)
            if record is None or record.deleted:
                results[link.remote_id] = None  # gone meanwhile: what was asked for
                continue
            name = self.resolver.name(snap.values)
            if self.ctx.config.direction == "to-remote" or self.resolver.crm_wins(snap.modified_at,
                                                                      record.updated_at):
                self.ctx.log.add(Item(CRM_SIDE, "skipped", self.ctx.module.name, name, snap.id,
                                  link.remote_id, "conflict: deleted in the CRM and changed in "
                                  f"{self.ctx.connector.label}; the deletion is newer and is sent"))
                link.remote_version = record.version
                again.append((snap, link))
                continue
            self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, name, snap.id,
                              link.remote_id, "conflict: deleted in the CRM and changed in "
                              f"{self.ctx.connector.label} since; that change is newer, so the CRM "
                              "record is restored with it"))
            self.state.restored.add(link.remote_id)
            self.resolver.apply_remote(batch, record, link, snap,
                               self.ctx.mapping.remote_fingerprint(record.values))
        if again:
            for remote_id, reason in self._send_deletes(again).items():
                results[remote_id] = (f"changed again in {self.ctx.connector.label} while this "
                                      "sync deleted it; retried next run" if reason == STALE
                                      else reason)
        return results
