"""Decisions both halves of a run make the same way: which side wins a conflict, what a link
records of the remote side, applying a remote record to a CRM record, merging a first match.
The puller and the pusher call these public methods; neither calls the other."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from crmcore.contract.records import RemoteRecord
from crmcore.contract.transforms import normalise
from crmcore.modules import RecordSnapshot
from crmcore.sync.batch import Batch, LinkState
from crmcore.sync.ops import CrmDelete, CrmRestore, CrmUpdate
from crmcore.sync.runlog import CRM_SIDE, Item
from crmcore.sync.state import RunContext, RunState


class Resolver:
    """The shared decisions of one run (see the module docstring)."""

    def __init__(self, ctx: RunContext, state: RunState) -> None:
        self.ctx = ctx
        self.state = state

    def name(self, crm_values: dict[str, Any] | None, remote_values: dict[str, Any] | None = None) -> str:
        if crm_values:
            name = self.ctx.store.display_name(crm_values)
            if name:
                return name
        if remote_values:
            mapped = self.ctx.mapping.to_crm(remote_values)
            if mapped.values:
                name = self.ctx.store.display_name(mapped.values)
                if name:
                    return name
            return str(remote_values.get(self.ctx.connector.email_field) or "")
        return ""

    def crm_wins(self, crm_time: datetime | None, remote_time: datetime | None) -> bool:
        policy = self.ctx.config.conflict_policy
        if policy == "crm-wins":
            return True
        if policy == "remote-wins":
            return False
        if crm_time is None or remote_time is None:
            return crm_time is not None
        return crm_time >= remote_time

    def seen(self, link: LinkState, record: RemoteRecord, fingerprint: str | None = None) -> None:
        """Record in the link what the remote side holds now."""
        link.remote_fingerprint = fingerprint or self.ctx.mapping.remote_fingerprint(record.values)
        link.remote_updated_at = record.updated_at
        link.remote_deleted = record.deleted
        link.remote_values = self.ctx.mapping.remote_field_values(record.values)
        link.remote_version = record.version

    def apply_remote(self, batch: Batch, record: RemoteRecord, link: LinkState,
                      snap: RecordSnapshot, remote_fp: str,
                      remote_keys: list[Any] | None = None) -> None:
        """The remote record's state comes to the CRM record ``snap`` (updated, restored or
        deleted), logged; ``remote_fp`` is its fingerprint and ``remote_keys``, when known, its
        key values (:meth:`FieldMapping.remote_key_values`): the CRM values it leads to usually
        have the same, and then the same fingerprint, which is not computed again."""
        self.seen(link, record, remote_fp)
        batch.links[link.record_id] = link
        name = self.name(snap.values, record.values)
        if record.deleted:
            if not snap.deleted:
                batch.crm_ops.append(CrmDelete(snap.id))
                self.ctx.log.add(Item(CRM_SIDE, "deleted", self.ctx.module.name, name, snap.id,
                                  record.remote_id, f"deleted in {self.ctx.connector.label}"))
                self.state.pulled.add(snap.id)
            link.crm_deleted = True
            return
        mapped = self.ctx.mapping.to_crm(record.values, snap.values)
        if mapped.skip_reason:
            self.ctx.log.add(Item(CRM_SIDE, "skipped", self.ctx.module.name, name, snap.id,
                              record.remote_id, mapped.skip_reason))
            return
        diff = {k: v for k, v in mapped.values.items() if snap.values.get(k) != v}
        new_values = {**snap.values, **mapped.values}
        if snap.deleted:
            batch.crm_ops.append(CrmRestore(snap.id, diff))
            self.ctx.log.add(Item(CRM_SIDE, "updated", self.ctx.module.name, name, snap.id,
                              record.remote_id, f"restored: changed in {self.ctx.connector.label} "
                              "after it was deleted in the CRM"))
        elif diff:
            batch.crm_ops.append(CrmUpdate(snap.id, diff))
            self.ctx.log.add(Item(CRM_SIDE, "updated", self.ctx.module.name, name, snap.id,
                              record.remote_id, None))
        self.state.pulled.add(snap.id)
        link.crm_deleted = False
        mapping = self.ctx.mapping
        keys = mapping.crm_key_values(new_values)
        link.crm_fingerprint = (mapping.fingerprint_like(keys, remote_keys, remote_fp)
                                if remote_keys is not None else mapping.fingerprint_of(keys))
        if diff or snap.deleted:  # written at the commit: what it reads back is likely these keys
            batch.remote_keys[record.remote_id] = (keys, link.crm_fingerprint)

    def merge_first_match(self, batch: Batch, record: RemoteRecord, link: LinkState,
                           snap: RecordSnapshot, why: str | None = None) -> None:
        """Two records met for the first time: lose nothing. A field empty on one side takes
        the other side's value; where both differ, the more recent side wins."""
        mapped = self.ctx.mapping.to_crm(record.values, snap.values, require_mandatory=False)
        if mapped.skip_reason:
            self.ctx.log.add(Item(CRM_SIDE, "skipped", self.ctx.module.name, self.name(snap.values),
                              snap.id, record.remote_id, mapped.skip_reason))
            return
        crm_wins = self.crm_wins(snap.modified_at, record.updated_at)
        if self.ctx.config.direction == "to-crm":
            crm_wins = False
        merged = dict(snap.values)
        for name, remote_value in mapped.values.items():
            crm_value = snap.values.get(name)
            if normalise(remote_value) is None or (normalise(crm_value) is not None and crm_wins):
                continue
            merged[name] = remote_value
        diff = {k: v for k, v in merged.items() if snap.values.get(k) != v}
        if diff:
            batch.crm_ops.append(CrmUpdate(snap.id, diff))
            self.ctx.log.add(Item(CRM_SIDE, "updated", self.ctx.module.name, self.name(merged),
                              snap.id, record.remote_id,
                              why or f"first match by email with a {self.ctx.connector.label} contact"))
            self.state.pulled.add(snap.id)
        if self.ctx.config.direction == "both" and not self.ctx.mapping.equal(merged, record.values):
            batch.mark_for_push.add(snap.id)  # the CRM holds values the remote lacks
            if self.ctx.config.dry_run:
                self.state.extra_push.add(snap.id)

    def both_filled_and_different(self, crm_values: dict[str, Any],
                                   remote_values: dict[str, Any]) -> list[str]:
        """Labels of the CRM fields whose value differs, neither side being empty."""
        out = []
        for entry in self.ctx.mapping.entries:
            crm_key = entry.transform.key_from_crm(crm_values.get(entry.crm))
            remote_key = entry.transform.key_from_remote(
                tuple(remote_values.get(r) for r in entry.remote))
            if crm_key is not None and remote_key is not None and crm_key != remote_key:
                out.append(self.ctx.mapping.crm_label(entry.crm).lower())
        return out

    def would_clear(self, crm_values: dict[str, Any], remote_values: dict[str, Any]) -> bool:
        for entry in self.ctx.mapping.entries:
            if not entry.to_remote_side:
                continue
            remote_key = entry.transform.key_from_remote(
                tuple(remote_values.get(r) for r in entry.remote))
            if remote_key is not None and entry.transform.key_from_crm(
                    crm_values.get(entry.crm)) is None:
                return True
        return False
