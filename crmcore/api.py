"""The public API of crmcore: everything a plugin may import, and nothing else.

Plugins (the bundled ones included) import from here and from ``crmcore`` (``hookimpl``);
everything else in crmcore is internal and may change. ``tests/test_public_api.py`` keeps the
bundled plugins to this rule.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from crmcore.errors import CrmError, NotFound, PermissionDenied, ValidationError
from crmcore.hookspecs import hookimpl

if TYPE_CHECKING:
    from crmcore.app import CRM
    from crmcore.auth.connections import authorize, configure
    from crmcore.bulkinsert import column_binder, insert_tuples
    from crmcore.changes import record_change, record_changes
    from crmcore.gcfreeze import gc_frozen
    from crmcore.jsonbody import decode_json_body, encode_json_body
    from crmcore.planner import index_scans_only
    from crmcore.cli import CrmGroup
    from crmcore.cli.context import acting_user, pass_crm
    from crmcore.cli.output import json_option, print_json, print_table
    from crmcore.cli.output import echo, visible
    from crmcore.extensions.store import install as install_extensions
    from crmcore.extensions.store import require_installed
    from crmcore.http import (ApiClient, ApiError, ApiResponse, HttpDefaults, QuotaExhausted,
                              RateLimited, TransientError)
    from crmcore.initialise import initialise
    from crmcore.migrations.batches import update_in_batches
    from crmcore.migrations.lineage import Migrations
    from crmcore.models import User, UTCField, utcnow
    from crmcore.modules import FieldSpec, ModuleSpec, RecordSnapshot, RecordStore
    from crmcore.contract.auth import (CONFIGURED, NEEDS_NEW_CREDENTIALS, NEEDS_REAUTHORIZATION,
                                       NOT_CONFIGURED, READY, ApiKey, AuthKind, CredentialsRejected,
                                       HttpBasic, NoAuth, OAuth2, OAuthServer, connection_state)
    from crmcore.contract.connector import Connector, ConnectorSession
    from crmcore.contract.cursors import OVERLAP, CursorInvalid, TimestampCursor
    from crmcore.contract.records import (STALE, RemotePage, RemoteRecord, RemoteValues, RemoteWrite,
                                          WriteOutcome)
    from crmcore.contract.transforms import OMIT, Mapped, MappingSkip, Transform, normalise
    from crmcore.progress import PLAIN_FROM, ProgressDisplay, StepReport, progress_reporter
    from crmcore.service_clock import ServiceClock
    from crmcore.sync.runner import RunSummary, sync_connection
    from crmcore.users import get_user

# Every other name is imported from its home module on first use (PEP 562), so that a plugin's
# ``from crmcore.api import X`` costs only X's module: ``crm --help`` never pays for alembic,
# requests or the sync engine. "name": "module" or "module:name there".
_LAZY: dict[str, str] = {
    "CRM": "crmcore.app",
    "authorize": "crmcore.auth.connections",
    "configure": "crmcore.auth.connections",
    "column_binder": "crmcore.bulkinsert",
    "insert_tuples": "crmcore.bulkinsert",
    "gc_frozen": "crmcore.gcfreeze",
    "encode_json_body": "crmcore.jsonbody",
    "decode_json_body": "crmcore.jsonbody",
    "index_scans_only": "crmcore.planner",
    "record_change": "crmcore.changes",
    "record_changes": "crmcore.changes",
    "CrmGroup": "crmcore.cli",
    "acting_user": "crmcore.cli.context",
    "pass_crm": "crmcore.cli.context",
    "json_option": "crmcore.cli.output",
    "print_json": "crmcore.cli.output",
    "print_table": "crmcore.cli.output",
    "echo": "crmcore.cli.output",
    "visible": "crmcore.cli.output",
    "install_extensions": "crmcore.extensions.store:install",
    "require_installed": "crmcore.extensions.store",
    "ApiClient": "crmcore.http",
    "ApiError": "crmcore.http",
    "ApiResponse": "crmcore.http",
    "HttpDefaults": "crmcore.http",
    "QuotaExhausted": "crmcore.http",
    "RateLimited": "crmcore.http",
    "TransientError": "crmcore.http",
    "initialise": "crmcore.initialise",
    "update_in_batches": "crmcore.migrations.batches",
    "Migrations": "crmcore.migrations.lineage",
    "User": "crmcore.models",
    "UTCField": "crmcore.models",
    "utcnow": "crmcore.models",
    "FieldSpec": "crmcore.modules",
    "ModuleSpec": "crmcore.modules",
    "RecordSnapshot": "crmcore.modules",
    "RecordStore": "crmcore.modules",
    "CONFIGURED": "crmcore.contract.auth",
    "NEEDS_NEW_CREDENTIALS": "crmcore.contract.auth",
    "NEEDS_REAUTHORIZATION": "crmcore.contract.auth",
    "NOT_CONFIGURED": "crmcore.contract.auth",
    "READY": "crmcore.contract.auth",
    "ApiKey": "crmcore.contract.auth",
    "AuthKind": "crmcore.contract.auth",
    "CredentialsRejected": "crmcore.contract.auth",
    "HttpBasic": "crmcore.contract.auth",
    "NoAuth": "crmcore.contract.auth",
    "OAuth2": "crmcore.contract.auth",
    "OAuthServer": "crmcore.contract.auth",
    "connection_state": "crmcore.contract.auth",
    "Connector": "crmcore.contract.connector",
    "ConnectorSession": "crmcore.contract.connector",
    "OVERLAP": "crmcore.contract.cursors",
    "CursorInvalid": "crmcore.contract.cursors",
    "TimestampCursor": "crmcore.contract.cursors",
    "STALE": "crmcore.contract.records",
    "RemotePage": "crmcore.contract.records",
    "RemoteRecord": "crmcore.contract.records",
    "RemoteValues": "crmcore.contract.records",
    "RemoteWrite": "crmcore.contract.records",
    "WriteOutcome": "crmcore.contract.records",
    "OMIT": "crmcore.contract.transforms",
    "Mapped": "crmcore.contract.transforms",
    "MappingSkip": "crmcore.contract.transforms",
    "Transform": "crmcore.contract.transforms",
    "normalise": "crmcore.contract.transforms",
    "PLAIN_FROM": "crmcore.progress",
    "ProgressDisplay": "crmcore.progress",
    "StepReport": "crmcore.progress",
    "progress_reporter": "crmcore.progress",
    "ServiceClock": "crmcore.service_clock",
    "RunSummary": "crmcore.sync.runner",
    "sync_connection": "crmcore.sync.runner",
    "get_user": "crmcore.users",
}


def __getattr__(name: str) -> Any:
    """The public name ``name``, imported from its home module on first use (then cached).
    Raises AttributeError for a name the API does not have."""
    try:
        target = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module, _, attribute = target.partition(":")
    value = getattr(import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the not-yet-imported public ones included."""
    return sorted(set(globals()) | set(_LAZY))

def current_crm() -> CRM:
    """The CRM of the running ``crm`` command (for plugin commands that need no acting user)."""
    from crmcore.cli.context import state

    return state().crm


def run_items(crm: CRM, run_id: int, side: str | None = None,
              action: str | None = None) -> list[dict[str, Any]]:
    """The Sync Log rows of one run (side: "crm" or a connector's name)."""
    from crmcore.sync import logview

    with crm.session() as session:
        return logview.items(session, run_id, side, action)


def set_http_options(crm: CRM, connection_id: int, **options: Any) -> None:
    """Settings of a connection's API client: rate_per_second (None: no throttle), max_retries,
    timeout, backoff_base, backoff_max, each overriding the connector's ``http_defaults``. For a
    local sandbox or a service with other limits."""
    from crmcore.auth.models import Connection
    from crmcore.sync.runner import HTTP_KEYS, HTTP_OPTION

    unknown = set(options) - set(HTTP_KEYS)
    if unknown:
        raise ValidationError(f"Unknown API client settings: {', '.join(sorted(unknown))}.",
                              f"Known: {', '.join(HTTP_KEYS)}.")
    with crm.session() as session:
        row = session.get(Connection, connection_id)
        if row is None:
            raise NotFound(f"No connection with id {connection_id}.", "See 'crm sync connectors'.")
        row.options = {**(row.options or {}), HTTP_OPTION: {**(row.options or {}).get(HTTP_OPTION, {}),
                                                            **options}}
        session.add(row)


def test_connection(crm: CRM, user: User, connector_name: str) -> str:
    """Check ``user``'s saved credentials for a connector with the connector's
    ``ConnectorSession.test_connection`` (``crm sync test``) and record the outcome: returns the
    new state (READY). Raises :class:`CredentialsRejected` (the state becomes "needs new
    credentials" or "needs re-authorization") or another :class:`CrmError` with a hint."""
    from crmcore.auth.credentials import test_connection as run

    return run(crm, user, connector_name)


def web_crm() -> CRM:
    """In a web view: the CRM the running web application serves."""
    from crmcore.web.context import web_crm as current

    return current()


def web_user() -> User:
    """In a web view: the signed-in user of this request."""
    from crmcore.web.context import web_user as current

    return current()


def set_password(crm: CRM, name: str, password: str) -> None:
    """Set ``name``'s web password as the local administrator (``crm users set-password``)."""
    from crmcore import passwords

    with crm.session() as session:
        passwords.set_password(session, None, name, password)


def serve_web(crm: CRM, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web application on ``crm`` with waitress until interrupted (``crm web``)."""
    from crmcore.cli.web import serve

    serve(crm, host, port, echo=lambda message: None)


__all__ = [
    "CRM", "User", "UTCField", "utcnow", "hookimpl",
    "CrmError", "NotFound", "PermissionDenied", "ValidationError",
    "FieldSpec", "ModuleSpec", "RecordSnapshot", "RecordStore", "record_change", "record_changes",
    "insert_tuples", "column_binder", "gc_frozen", "index_scans_only",
    "encode_json_body", "decode_json_body",
    "Connector", "ConnectorSession", "OAuthServer", "RemotePage", "RemoteRecord", "RemoteWrite",
    "WriteOutcome", "OMIT", "Transform",
    "ApiClient", "ApiError", "HttpDefaults", "QuotaExhausted", "RateLimited", "TransientError",
    "CrmGroup", "acting_user", "pass_crm", "json_option", "print_json", "print_table", "current_crm",
    "initialise", "install_extensions", "require_installed", "get_user",
    "configure", "authorize", "set_http_options", "sync_connection", "RunSummary", "run_items",
    "update_in_batches", "Migrations",
    # the connector contract (crmcore.contract)
    "OAuth2", "HttpBasic", "ApiKey", "NoAuth", "AuthKind", "CredentialsRejected",
    "NOT_CONFIGURED", "CONFIGURED", "READY", "NEEDS_REAUTHORIZATION", "NEEDS_NEW_CREDENTIALS",
    "connection_state", "CursorInvalid", "TimestampCursor", "OVERLAP", "STALE", "RemoteValues",
    "MappingSkip", "Mapped", "normalise", "ApiResponse", "test_connection", "ServiceClock",
    "echo", "visible",
    # progress of a long command (crmcore.progress)
    "ProgressDisplay", "StepReport", "progress_reporter", "PLAIN_FROM",
    "web_crm", "web_user", "set_password", "serve_web",
]
