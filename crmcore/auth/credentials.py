"""Connections whose connector does not use OAuth: HTTP Basic, an API key, or no credentials.

The settings a user gives are the connector's ``settings_schema`` (JSON Schema). Non-secret
values are kept in the connection's options (``options["settings"]``); the ones the schema marks
``"writeOnly": true`` are secrets, kept encrypted with the CRM's key as tokens are (one Fernet
token holding a JSON object, in ``client_secret_enc``) and never shown. ``url`` is the API's base
URL. :func:`test_connection` asks the connector to check them and records the state: "ready"
(stored as signed in) or "needs new credentials" (stored as re-authorization required).
"""
from __future__ import annotations

import base64
import json
from typing import Any

from sqlmodel import select

from crmcore.app import CRM
from crmcore.auth.models import CONFIGURED, REAUTH_REQUIRED, SIGNED_IN, Connection
from crmcore.contract.auth import (READY, ApiKey, CredentialsRejected, HttpBasic, NoAuth, OAuth2,
                                   secret_names)
from crmcore.contract.connector import Connector
from crmcore.errors import CrmError, ValidationError
from crmcore.extensions import store
from crmcore.models import User, utcnow
from crmcore.redact import Secrets
from crmcore.schemas_loader import problems
from crmcore.transport import check_plain_http

SETTINGS_OPTION = "settings"


def uses_oauth(connector: Connector) -> bool:
    """Whether the connector signs in with OAuth 2.0 (``crm sync authorize``)."""
    return isinstance(connector.auth, OAuth2)


def saved_settings(crm: CRM, row: Connection, *, with_secrets: bool = True) -> dict[str, Any]:
    """The connection's settings: non-secret ones, plus the decrypted secrets if asked."""
    values = dict((row.options or {}).get(SETTINGS_OPTION) or {})
    if with_secrets and row.client_secret_enc:
        values.update(json.loads(crm.vault.decrypt(row.client_secret_enc)))
    return values


def configure_settings(crm: CRM, user: User, connector: Connector, given: dict[str, Any],
                       *, allow_insecure_http: bool = False) -> Connection:
    """Validate and save ``user``'s settings for a non-OAuth connector; values not given keep
    their saved value, else the schema's default. The state becomes "configured" (the
    credentials are checked by :func:`test_connection`). Raises :class:`ValidationError` naming
    the setting and the option to give."""
    schema = connector.settings_schema or {}
    props = schema.get("properties") or {}
    unknown = sorted(set(k for k, v in given.items() if v is not None) - set(props))
    if unknown:
        raise ValidationError(f"Unknown settings for {connector.name}: {', '.join(unknown)}.",
                              f"Known: {', '.join('--' + p.replace('_', '-') for p in props)}.")
    with crm.session() as session:
        if not store.is_installed(session, connector.extension):
            raise CrmError(f"The {connector.label} connector needs the {connector.extension!r} "
                           "extension, which is not installed.",
                           f"An admin installs it with 'crm extensions install {connector.extension}'.")
        row = session.exec(select(Connection).where(Connection.user_id == user.id,
                                                    Connection.connector == connector.name)
                           .with_for_update()).first()
        current = saved_settings(crm, row) if row is not None else {}
        defaults = {k: p["default"] for k, p in props.items()
                    if isinstance(p, dict) and "default" in p}
        values = {**defaults, **current, **{k: v for k, v in given.items() if v is not None}}
        found = problems(schema, values)
        if found:
            first = found[0]
            for name in secret_names(schema):  # a message may quote the value: never a secret
                if values.get(name):
                    first = first.replace(str(values[name]), "[redacted]")
            raise ValidationError(f"The {connector.label} settings are not valid: {first}.",
                                  f"Give them with 'crm sync configure {connector.name} "
                                  + " ".join(f"--{p.replace('_', '-')} ..." for p in
                                             schema.get("required", [])) + "'.")
        url = values.get("url") or connector.api_url or ""
        if url:
            check_plain_http({"URL": url}, allow_insecure_http)
        secrets = {k: values[k] for k in secret_names(schema) if k in values}
        plain = {k: v for k, v in values.items() if k not in secrets}
        if row is None:
            row = Connection(user_id=user.id, connector=connector.name, state=CONFIGURED,
                             client_id="", auth_url="", token_url="", api_url=url,
                             redirect_uri="", scopes="")
        changed = current != values
        row.api_url = url
        row.client_secret_enc = crm.vault.encrypt(json.dumps(secrets)) if secrets else None
        options = dict(row.options or {})
        options[SETTINGS_OPTION] = plain
        if allow_insecure_http:
            options["allow_insecure_http"] = True
        row.options = options
        if changed or row.state != SIGNED_IN:
            row.state = CONFIGURED
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        session.refresh(row)
        return row


class StaticCredentials:
    """Credentials of a non-OAuth connection for :class:`crmcore.http.ApiClient`: placed by
    :meth:`apply` as the kind says; a 401 raises :class:`CredentialsRejected` and marks the
    connection "needs new credentials"."""

    def __init__(self, crm: CRM, connection_id: int, connector: Connector,
                 settings: dict[str, Any], secrets: Secrets | None = None) -> None:
        self.crm = crm
        self.connection_id = connection_id
        self.connector = connector
        self.auth = connector.auth
        self.settings = settings
        self.secrets = secrets if secrets is not None else Secrets()
        for name in secret_names(connector.settings_schema or {}):
            if settings.get(name):
                self.secrets.add(str(settings[name]))
        self.reauthorize_hint = (f"Give new credentials with 'crm sync configure "
                                 f"{connector.name} ...', then 'crm sync test {connector.name}'.")

    def __repr__(self) -> str:
        return f"StaticCredentials({self.connector.name!r})"

    def access_token(self) -> str:
        """The secret this kind sends ("" for none); the client scrubs it from everything."""
        if isinstance(self.auth, HttpBasic):
            raw = f"{self.settings.get('username', '')}:{self.settings.get('password', '')}"
            return base64.b64encode(raw.encode("utf-8")).decode("ascii")
        if isinstance(self.auth, ApiKey):
            return str(self.settings.get("api_key") or "")
        return ""

    def apply(self, secret: str, headers: dict[str, str], params: dict[str, Any]) -> None:
        """Put ``secret`` where the kind says (RFC 7617 Basic; the API key's header or query)."""
        if isinstance(self.auth, HttpBasic):
            headers["Authorization"] = f"Basic {secret}"
        elif isinstance(self.auth, ApiKey):
            if self.auth.header:
                headers[self.auth.header] = secret
            else:
                params[self.auth.query] = secret

    def refresh_after_unauthorized(self, used: str) -> str:
        """No refresh for fixed credentials: mark the connection and raise."""
        mark_rejected(self.crm, self.connection_id)
        raise CredentialsRejected(
            f"{self.connector.label} refused the saved credentials (401).",
            self.reauthorize_hint)


def mark_rejected(crm: CRM, connection_id: int) -> None:
    """The connection needs new credentials (stored as re-authorization required)."""
    with crm.session() as session:
        row = session.get(Connection, connection_id)
        if row is not None:
            row.state = REAUTH_REQUIRED
            row.updated_at = utcnow()
            session.add(row)


def test_connection(crm: CRM, user: User, connector_name: str) -> str:
    """``crm sync test NAME``: open a session over the saved credentials and let the connector
    check them (:meth:`ConnectorSession.test_connection`). Returns READY and stores it; a
    401/403 raises :class:`CredentialsRejected` and stores "needs new credentials" (or
    "needs re-authorization" for OAuth)."""
    from crmcore.auth.connections import get_connection, get_connector, open_api_client
    from crmcore.http import ApiError

    connector = get_connector(crm, connector_name)
    with crm.session() as session:
        row = get_connection(session, user, connector_name)
        connection_id = row.id
        options = dict(row.options or {})
        if not uses_oauth(connector):
            options.update(saved_settings(crm, row, with_secrets=False))
    options.pop("http", None)
    options.pop(SETTINGS_OPTION, None)
    if not uses_oauth(connector):
        with crm.session() as session:  # a test may clear "needs new credentials"
            row = session.get(Connection, connection_id)
            if row.state == REAUTH_REQUIRED:
                row.state = CONFIGURED
                session.add(row)
    api = open_api_client(crm, connection_id, max_retries=1, timeout=15.0)
    try:
        remote = connector.open(api, options)
        try:
            remote.test_connection()
        finally:
            remote.close()
    except ApiError as exc:
        if exc.status in (401, 403):
            mark_rejected(crm, connection_id)
            hint = (f"Run 'crm sync authorize {connector_name}'." if uses_oauth(connector) else
                    f"Give new credentials with 'crm sync configure {connector_name} ...', then "
                    f"'crm sync test {connector_name}'.")
            raise CredentialsRejected(
                f"{connector.label} refused the saved credentials ({exc.status}).", hint) from None
        raise
    finally:
        api.close()
    with crm.session() as session:
        row = session.get(Connection, connection_id)
        row.state = SIGNED_IN
        row.updated_at = utcnow()
        session.add(row)
    return READY


__all__ = ["configure_settings", "saved_settings", "StaticCredentials", "test_connection",
           "uses_oauth", "NoAuth"]
