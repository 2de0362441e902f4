"""What the sync engine works on: links as it edits them, a batch's decisions, its settings."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, cast

from crmcore.jsonbody import decode_json_body
from crmcore.sync.models import SyncLink

if TYPE_CHECKING:
    from crmcore.sync.ops import CrmOp


def normalise_email(value: Any) -> str | None:
    """The email as the sync compares it (trimmed, case-folded), or ``None`` for no email."""
    if not isinstance(value, str):
        return None
    value = value.strip().casefold()
    return value or None


@dataclass
class EngineConfig:
    """How one run behaves: direction, conflict policy, the Sync Records From cut-off (UTC) and
    whether it is a dry run."""
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
    # the remote values as last synced (see remote_values): a dict, or the JSON text read
    # from the link row until something asks for it (a batch reads hundreds, uses a few)
    _remote_values: dict[str, Any] | str | None = field(default=None, repr=False)
    remote_version: str | None = None
    # the remote id the link row holds (None: not read from a row): a row keeping it is
    # updated without writing that indexed column again (see Applier._save_links)
    stored_remote_id: str | None = field(default=None, repr=False)

    @property
    def remote_values(self) -> dict[str, Any] | None:
        """The remote side's mapped values as last synced (None: not known)."""
        value = self._remote_values
        if value.__class__ is str:
            value = self._remote_values = decode_json_body(value)
        return value

    @remote_values.setter
    def remote_values(self, value: dict[str, Any] | None) -> None:
        self._remote_values = value

    @classmethod
    def from_row(cls, row: Any) -> "LinkState":
        """The link state of a ``crm_sync_link`` row read with :data:`LINK_COLUMNS`."""
        return cls(row.record_id, row.remote_id, row.crm_fingerprint, row.remote_fingerprint,
                   row.remote_updated_at, row.crm_deleted, row.remote_deleted, row.id,
                   row.remote_values, row.remote_version, row.remote_id)


_LINKS = SyncLink.__table__
LINK_COLUMNS = [*(_LINKS.c[name] for name in (
    "record_id", "remote_id", "crm_fingerprint", "remote_fingerprint", "remote_updated_at",
    "crm_deleted", "remote_deleted", "id")),
    cast(_LINKS.c.remote_values, Text).label("remote_values"),  # as text: decoded when used
    _LINKS.c.remote_version]


@dataclass
class Batch:
    """What one batch decided: CRM writes to make and links to save, applied at commit."""

    links: dict[int, LinkState] = field(default_factory=dict)  # by record id
    crm_ops: list["CrmOp"] = field(default_factory=list)  # updates, restores, deletes
    created: list[tuple[dict[str, Any], LinkState, Any]] = field(default_factory=list)  # new CRM
    # records: their values, their link and their log item (both get the id at the commit)
    mark_for_push: set[int] = field(default_factory=set)
    dropped_links: set[int] = field(default_factory=set)  # link rows to forget (by row id)
    # remote id -> (key values, fingerprint) of what a CRM write copies (a remote record, or
    # the CRM values a pulled change leads to): the record read back after the write usually
    # has the same keys, and then the same fingerprint, not computed again
    remote_keys: dict[str, tuple[list[Any], str]] = field(default_factory=dict)

