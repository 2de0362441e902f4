"""A changed field mapping re-baselines every linked pair before the run syncs anything.

Links keep fingerprints of the mapped values, so a mapping that maps more (or fewer) fields makes
every pair look changed on both sides, and the conflict rule would then let an empty side erase
the other. A mapping change is not a change of either record: the run first reads every remote
record once, and each live linked pair is merged as a first match is (an empty side takes the
other side's value; values that differ are decided by the conflict policy, logged), with its
fingerprints recomputed under the new mapping. Fields no longer mapped simply stop syncing: the
remote write path sends only mapped fields, so nothing is cleared. The mapping the links were made
with is kept in the checkpoint (``SyncCheckpoint.mapping``) and replaced once every page is done,
so a run killed half way re-baselines again (each step is idempotent).
"""
from __future__ import annotations

from sqlmodel import select

from crmcore.modules import RecordSnapshot
from crmcore.sync.batch import Batch, LinkState
from crmcore.contract.records import RemoteRecord
from crmcore.sync.lock import checkpoint
from crmcore.sync.models import SyncLink
from crmcore.sync.applier import Applier
from crmcore.sync.resolve import Resolver
from crmcore.sync.runlog import CRM_SIDE, Item
from crmcore.sync.state import RunContext, RunState

WHY = "field mapping changed"


def describe_change(known: list | None, now: list) -> str:
    """What changed between two mapping signatures, naming CRM fields, for the Sync Log."""
    if known is None:
        return "the mapping the links were made with is not recorded"
    before = {entry[0]: entry for entry in known}
    after = {entry[0]: entry for entry in now}
    parts = []
    added = [name for name in after if name not in before]
    removed = [name for name in before if name not in after]
    changed = [name for name in after if name in before and after[name] != before[name]]
    if added:
        parts.append("now mapped: " + ", ".join(added))
    if removed:
        parts.append("no longer mapped: " + ", ".join(removed))
    if changed:
        parts.append("mapped differently: " + ", ".join(changed))
    return "; ".join(parts) or "its fields were reordered"


class Rebaseliner:
    """Re-baselines every linked pair when the field mapping changed (see the module docstring)."""

    def __init__(self, ctx: RunContext, state: RunState, resolver: Resolver,
                 applier: Applier) -> None:
        self.ctx = ctx
        self.state = state
        self.resolver = resolver
        self.applier = applier

    def rebaseline_if_mapping_changed(self) -> None:
        """After a field-mapping change (its signature differs from the checkpoint's), merge every
        linked pair once as a first match is (empty sides filled, differing values decided by
        the conflict policy and logged, nothing cleared), note it in the run, then remember the
        new signature. Does nothing when the mapping is unchanged; writes nothing in a dry run."""
        signature = self.ctx.mapping.signature()
        with self.ctx.crm.session() as session:
            point = checkpoint(session, self.ctx.connection_id, self.ctx.module.name)
            known = point.mapping
            if known == signature:
                return
            linked = session.exec(select(SyncLink.id).where(
                SyncLink.connection_id == self.ctx.connection_id,
                SyncLink.module == self.ctx.module.name).limit(1)).first() is not None
            if not linked:  # nothing was fingerprinted yet: just remember the mapping
                if not self.ctx.config.dry_run:
                    point.mapping = signature
                    session.add(point)
                return
        why = describe_change(known, signature)
        self.ctx.progress(f"The {WHY} ({why}): re-baselining the linked records with "
                      f"{self.ctx.connector.label}.")
        pairs = 0
        for page in self.ctx.remote.read_changes(None, self.ctx.mapping.remote_fields):
            if page.records:
                pairs += self._rebaseline_page(page.records)
        self.ctx.log.notes.append(f"re-baselined {pairs} linked records: the {WHY} since the last "
                              f"run ({why}); empty fields were filled from the other side, "
                              "nothing was cleared")
        if not self.ctx.config.dry_run:
            with self.ctx.crm.session() as session:
                point = checkpoint(session, self.ctx.connection_id, self.ctx.module.name)
                point.mapping = signature
                session.add(point)

    def _rebaseline_page(self, records: list[RemoteRecord]) -> int:
        batch = Batch()
        with self.ctx.crm.session() as session:
            links = self.applier.links_by(session, SyncLink.remote_id, [r.remote_id for r in records])
            snaps = self.ctx.store.get_many(session, {link.record_id for link in links.values()})
        pairs = 0
        for record in records:
            link = links.get(record.remote_id)
            snap = snaps.get(link.record_id) if link is not None else None
            if (snap is None or snap.deleted or record.deleted or link.crm_deleted
                    or link.remote_deleted):
                continue  # deletes are decided by the usual rules; their fields do not matter
            if (link.crm_fingerprint == self.ctx.mapping.crm_fingerprint(snap.values)
                    and link.remote_fingerprint == self.ctx.mapping.remote_fingerprint(record.values)):
                continue  # already a baseline under the mapping in force: nothing to redo
            pairs += 1
            self._rebaseline_pair(batch, record, link, snap)
        self.applier.commit(batch)
        return pairs

    def _rebaseline_pair(self, batch: Batch, record: RemoteRecord, link: LinkState,
                         snap: RecordSnapshot) -> None:
        link.crm_fingerprint = self.ctx.mapping.crm_fingerprint(snap.values)
        self.resolver.seen(link, record)
        batch.links[snap.id] = link
        if self.ctx.mapping.equal(snap.values, record.values):
            return
        direction = self.ctx.config.direction
        crm_wins = direction == "to-remote" or (
            direction == "both" and self.resolver.crm_wins(snap.modified_at, record.updated_at))
        differ = self.resolver.both_filled_and_different(snap.values, record.values)
        if differ:
            fields = ", ".join(differ) + (" differs" if len(differ) == 1 else " differ")
            if crm_wins:
                why = ("the CRM change is newer" if self.ctx.config.conflict_policy == "most-recent"
                       or direction != "both" else f"policy {self.ctx.config.conflict_policy}")
                self.ctx.log.add(Item(CRM_SIDE, "skipped", self.ctx.module.name, self.resolver.name(snap.values),
                                  snap.id, record.remote_id,
                                  f"{WHY}: {fields} on the two sides; {why}, so the CRM "
                                  f"value is kept and sent to {self.ctx.connector.label}"))
            else:
                why = ("sync direction" if direction != "both" else
                       "the " + self.ctx.connector.label + " change is newer"
                       if self.ctx.config.conflict_policy == "most-recent"
                       else f"policy {self.ctx.config.conflict_policy}")
                self.ctx.log.add(Item(self.ctx.side, "skipped", self.ctx.module.name, self.resolver.name(snap.values),
                                  snap.id, record.remote_id,
                                  f"{WHY}: {fields} on the two sides; {why}, so the "
                                  f"{self.ctx.connector.label} value replaces the CRM's"))
        if direction == "to-remote":
            # the CRM is never written; send its values only when that clears nothing there
            if not self.resolver.would_clear(snap.values, record.values):
                batch.mark_for_push.add(snap.id)
                if self.ctx.config.dry_run:
                    self.state.extra_push.add(snap.id)
            return
        self.resolver.merge_first_match(batch, record, link, snap,
                                f"{WHY}: re-baselined as a first match (empty fields filled)")
