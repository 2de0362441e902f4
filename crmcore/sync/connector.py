"""What a sync connector declares and implements.

A connector is registered through ``crm_register_connectors``. It declares its authorization
server, its remote fields with their limits, its mandatory fields and a default field mapping, and
it translates between the remote API and flat records. Everything else (OAuth, tokens, links,
change detection, conflicts, echo suppression, checkpoints, locking, retries, logs) is the core's.
Reads and writes are batch-shaped so a connector can use bulk endpoints without the engine changing.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crmcore.modules import FieldSpec

if TYPE_CHECKING:
    from crmcore.http import ApiClient

RemoteValues = dict[str, Any]


@dataclass(frozen=True)
class OAuthServer:
    """The connector's OAuth 2.0 authorization server and API, with defaults a user may override."""

    authorize_url: str
    token_url: str
    api_url: str
    revoke_url: str | None = None
    required_scopes: tuple[str, ...] = ()
    default_scopes: tuple[str, ...] = ()
    offline_scope: str | None = None  # without it there is no refresh token, so no background sync


@dataclass
class RemoteRecord:
    """One remote record, flattened to the connector's field names."""

    remote_id: str
    values: RemoteValues
    updated_at: datetime
    deleted: bool = False


@dataclass
class RemotePage:
    """A page of remote changes; ``high_water`` is the newest ``updated_at`` the page has seen.

    ``read_at`` is the remote side's own time when the page was read (e.g. the HTTP ``Date``),
    when known: it lets the engine skip re-reading an overlap window that has long settled.
    """

    records: list[RemoteRecord]
    high_water: datetime | None = None
    read_at: datetime | None = None


@dataclass
class RemoteWrite:
    """A create (``remote_id`` None) or an update to send; ``key`` is the CRM record id.

    ``previous`` holds, for an update, the remote values as last synced (mapped fields only), so
    a connector can tell a field being cleared from one that was always empty.
    """

    key: int
    values: RemoteValues
    remote_id: str | None = None
    previous: RemoteValues | None = None


@dataclass
class WriteOutcome:
    """What became of one :class:`RemoteWrite` or delete.

    ``record`` is the remote record as stored after the write (used for the link's fingerprint);
    a bulk write may leave it None, and then the values sent are taken as stored.
    ``conflict_remote_id`` is set when a create was refused because the identifying value (the
    email) already belongs to that remote record, deleted ones included.
    ``link_by_email`` is set when a bulk create succeeded without telling the new record's id:
    the engine links it by email when it reads the remote changes that follow the push.
    """

    key: int
    remote_id: str | None = None
    record: RemoteRecord | None = None
    error: str | None = None
    conflict_remote_id: str | None = None
    link_by_email: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.conflict_remote_id is None


class ConnectorSession(ABC):
    """A connector at work for one connection during one run, over an authorised API client."""

    @abstractmethod
    def read_changes(self, updated_after: datetime | None, fields: Sequence[str]) -> Iterator[RemotePage]:
        """Remote records changed after ``updated_after`` (all when None), deleted ones included,
        in pages. ``fields`` are the remote fields the mapping uses, so the read asks for no more."""

    @abstractmethod
    def read_many(self, remote_ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """Records by remote id, deleted ones included; unknown ids are left out."""

    @abstractmethod
    def write(self, writes: Sequence[RemoteWrite]) -> list[WriteOutcome]:
        """Create or update records; one outcome per write, in any order, keyed by ``key``."""

    @abstractmethod
    def delete(self, remote_ids: Sequence[str]) -> dict[str, str | None]:
        """Delete records; maps each id to None (done) or the reason it failed."""

    def account_id(self) -> str | None:
        """An opaque id of the remote account this session reaches, or None when the service
        cannot tell. Links and checkpoints belong to one account: when the id differs from the
        one they were made with, the engine starts afresh (first match by email). Asked once
        per sign-in, not per run."""
        return None

    def close(self) -> None:
        """Release whatever the session holds (nothing by default)."""


class Connector(ABC):
    """A sync connector's declaration and its factory of sessions."""

    name: str  # command-line name, e.g. "acme-mail"
    label: str  # what a person reads, e.g. "Acme Mail"
    module: str  # the CRM module it syncs, e.g. "contacts"
    extension: str  # the extension that must be installed for it to be offered
    oauth: OAuthServer
    fields: list[FieldSpec]  # remote fields, with their limits
    email_field: str  # remote field holding the email that makes first matches
    default_mapping: dict[str, Any]  # validated by schemas/field-mapping.schema.json
    options_schema: dict[str, Any] = {}  # extra per-connection settings (JSON Schema), may be empty
    transforms: dict[str, Any] = {}  # extra named mapping transforms (crmcore.sync.mapping.Transform)
    write_batch_size: int = 500  # how many writes the engine hands ``write`` at once (bulk APIs: more)

    @property
    def mandatory_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.mandatory)

    def check_limits(self, values: RemoteValues) -> str | None:
        """A reason the remote side would refuse ``values`` beyond single-field limits, or None.

        The core has already checked mandatory fields and each field's ``max_length``.
        """
        return None

    def is_quota_exhausted(self, status: int, body: Any) -> bool:
        """Whether an error answer means "no more requests today": the run stops cleanly and
        resumes later instead of retrying. ``body`` is the decoded JSON (or None)."""
        return False

    @abstractmethod
    def open(self, api: "ApiClient", options: dict[str, Any]) -> ConnectorSession:
        """Start a session over an authorised client for one run."""


@dataclass
class ConnectorInfo:
    """A registered connector and the plugin that registered it (for messages)."""

    connector: Connector
    plugin_name: str
