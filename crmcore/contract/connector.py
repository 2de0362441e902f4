"""What a sync connector declares and implements.

A connector is registered through ``crm_register_connectors``. It declares how it authenticates
(:attr:`Connector.auth`), the settings a user gives (:attr:`Connector.settings_schema`), its
remote fields with their limits, its mandatory fields and a default field mapping, and it
translates between the remote API and flat records. Everything else (sign-in, secrets, links,
change detection, conflicts, echo suppression, checkpoints, cursors, locking, retries, logs) is
the core's. Reads and writes are batch-shaped so a connector can use bulk endpoints without the
engine changing.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crmcore.contract.auth import (ApiKey, AuthKind, HttpBasic, NoAuth, OAuth2, OAuthServer,
                                   default_settings_schema)
from crmcore.contract.records import RemotePage, RemoteRecord, RemoteValues, RemoteWrite, WriteOutcome
from crmcore.http import HttpDefaults
from crmcore.modules import FieldSpec

if TYPE_CHECKING:
    from crmcore.http import ApiClient
    from crmcore.service_clock import ServiceClock

__all__ = ["Connector", "ConnectorSession", "ConnectorInfo", "OAuthServer", "OAuth2", "HttpBasic",
           "ApiKey", "NoAuth", "HttpDefaults", "RemotePage", "RemoteRecord", "RemoteWrite", "WriteOutcome"]


class ConnectorSession(ABC):
    """A connector at work for one connection during one run, over an authenticated API client.

    Errors: a session lets :class:`crmcore.http.ApiError` subclasses that concern the whole run
    (rate limits, quota, server failures, rejected credentials) propagate: the run stops cleanly
    and resumes later. What concerns one record becomes that record's outcome (an ``error``).
    """

    #: only records changed at or after this time take part (the connection's "sync records
    #: from" setting; None: all). The core applies it to what is read; a connector may use it to
    #: read less on a read from no cursor. Set by the core before ``read_changes``.
    records_from: datetime | None = None

    #: what the service's answers tell of its clock (a
    #: :class:`crmcore.service_clock.ServiceClock`), or None when the session does not say. A
    #: session over the core's client sets ``self.service_clock = api.service_clock``; one that
    #: sets it promises that it has observed the answer to every request its ``write`` and
    #: ``delete`` sent. Then, before reading back records it created in bulk (a
    #: ``WriteOutcome.link_by_email``), the engine waits only until the service's clock is
    #: ``OVERLAP`` past them (so the read also settles a
    #: :class:`crmcore.contract.cursors.TimestampCursor`), instead of a
    #: fixed ``OVERLAP`` + 1.2 s after the last write.
    service_clock: "ServiceClock | None" = None

    @abstractmethod
    def read_changes(self, cursor: str | None, fields: Sequence[str]) -> Iterator[RemotePage]:
        """Remote records changed since ``cursor`` (the opaque string this connector returned in
        a page's ``cursor`` last time; None: read everything live), deleted ones included (as
        tombstones), in pages. ``fields`` are the remote fields the mapping uses, so the read
        asks for no more. A record may come more than once: of its copies in one page the core
        takes the one with the newest ``updated_at`` (on a tie, or when one has none, the
        later); a later page must not hold a copy older than an earlier page's. Raises
        :class:`crmcore.contract.cursors.CursorInvalid` when ``cursor`` can no longer be used
        (the core then reads again from None)."""

    @abstractmethod
    def read_many(self, remote_ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """Records by remote id, deleted ones included; unknown ids are left out."""

    @abstractmethod
    def write(self, writes: Sequence[RemoteWrite]) -> list[WriteOutcome]:
        """Create or update records; one outcome per write, in any order, keyed by ``key``.
        An update whose ``version`` no longer matches is ``WriteOutcome(stale=True)``."""

    @abstractmethod
    def delete(self, remote_ids: Sequence[str],
               versions: dict[str, str] | None = None) -> dict[str, str | None]:
        """Delete records; maps each id to None (done, or already gone) or the reason it failed:
        :data:`crmcore.contract.records.STALE` when ``versions[id]`` (the version the engine last
        saw) no longer matches (HTTP 412 on If-Match)."""

    def test_connection(self) -> None:
        """Check the credentials and the URL with one cheap request (``crm sync test``).

        Returns when the remote answers as expected; raises
        :class:`crmcore.contract.auth.CredentialsRejected` for a 401/403, or another
        :class:`crmcore.errors.CrmError` with a hint (unreachable, not the expected service).
        The default reads the first page of changes."""
        for _ in self.read_changes(None, ()):
            break

    def account_id(self) -> str | None:
        """An opaque id of the remote account this session reaches, or None when the service
        cannot tell. Links and checkpoints belong to one account: when the id differs from the
        one they were made with, the engine starts afresh (first match by email). Asked once
        per sign-in, not per run."""
        return None

    def close(self) -> None:
        """Release whatever the session holds (nothing by default)."""


class Connector(ABC):
    """A sync connector's declaration and its factory of sessions.

    Class attributes a connector sets: ``name`` (command-line name, lowercase with dashes),
    ``label`` (what a person reads), ``module`` (the CRM module it syncs), ``extension`` (the
    extension that must be installed), ``auth`` (an auth kind; ``oauth = OAuthServer(...)`` is
    the older spelling of ``auth = OAuth2(...)``), ``fields`` (remote fields with limits),
    ``email_field`` (the remote field whose email makes first matches), ``default_mapping``
    (validated by ``schemas/field-mapping.schema.json``), and optionally ``http_defaults``
    (how its API client behaves: request rate, timeout, retries; see :class:`HttpDefaults`).
    """

    name: str
    label: str
    module: str
    extension: str
    oauth: OAuthServer | None = None  # the older spelling of ``auth = OAuth2(server)``
    #: the API's default URL for non-OAuth kinds (the ``url`` setting's default), or None
    api_url: str | None = None
    fields: list[FieldSpec]
    email_field: str
    default_mapping: dict[str, Any]
    options_schema: dict[str, Any] = {}  # extra per-connection settings (JSON Schema), may be empty
    transforms: dict[str, Any] = {}  # extra named mapping transforms (crmcore.api.Transform)
    write_batch_size: int = 500  # how many writes the engine hands ``write`` at once (bulk APIs: more)
    #: the API client's settings unless the connection's ``http`` option overrides them key by
    #: key: the service's published request rate (None: no throttle, e.g. the user's own
    #: server), the timeout its slowest answers need, retries and backoff. Declaring nothing keeps
    #: ``HttpDefaults()``: 4 requests/s, 30 s, 5 retries.
    http_defaults: HttpDefaults = HttpDefaults()
    #: remote fields the remote side owns (consent, e.g. ``permission_to_send``): the CRM must
    #: never revert them (checked by the conformance suite)
    consent_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("auth")
        if isinstance(own, OAuth2) and "oauth" not in cls.__dict__:
            cls.oauth = own.server  # ``auth = OAuth2(server)`` answers ``.oauth`` too

    @property
    def auth(self) -> AuthKind:
        """How the connector authenticates: :class:`OAuth2`, :class:`HttpBasic`,
        :class:`ApiKey` or :class:`NoAuth`. A subclass sets it as a class attribute; one that
        sets only ``oauth`` gets ``OAuth2(oauth)``, one that sets neither :class:`NoAuth`."""
        own = self.__dict__.get("_auth")
        if own is not None:
            return own
        return OAuth2(self.oauth) if self.oauth is not None else NoAuth()

    @auth.setter
    def auth(self, value: AuthKind) -> None:
        self.__dict__["_auth"] = value
        if isinstance(value, OAuth2):
            self.oauth = value.server

    @property
    def settings_schema(self) -> dict[str, Any]:
        """JSON Schema of the connection's settings the user gives (``crm sync configure``):
        a property with ``"writeOnly": true`` is a secret (stored encrypted, read from standard
        input, never shown). A subclass may set its own; the default follows ``auth``
        (see :func:`crmcore.contract.auth.default_settings_schema`; ``{}`` for OAuth2, whose
        settings are the core's OAuth settings)."""
        own = self.__dict__.get("_settings_schema")
        return own if own is not None else default_settings_schema(self.auth, self.api_url)

    @settings_schema.setter
    def settings_schema(self, value: dict[str, Any]) -> None:
        self.__dict__["_settings_schema"] = value

    @property
    def mandatory_fields(self) -> tuple[str, ...]:
        """Names of the remote fields a record must have."""
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

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> str | None:
        """The service's own explanation in an error answer (``status`` >= 400, the raw
        ``body``, the response ``headers``), as one short sentence, or None to let the core
        word the error from the status alone. Never return a secret the body may echo (the core
        scrubs known secrets afterwards anyway)."""
        return None

    @abstractmethod
    def open(self, api: "ApiClient", options: dict[str, Any]) -> ConnectorSession:
        """Start a session over an authenticated client for one run. ``options``: the
        connection's options (validated by ``options_schema``) plus its non-secret settings."""


@dataclass
class ConnectorInfo:
    """A registered connector and the plugin that registered it (for messages)."""

    connector: Connector
    plugin_name: str
