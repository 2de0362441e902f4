"""The encrypted token store and the token source the API client draws on.

Tokens live in ``crm_connection.token_enc`` as one Fernet-encrypted JSON document. A refresh runs
under a threading lock (this process) and a database row lock (every process: ``SELECT ... FOR
UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), re-reads the row after taking the lock so a
refresh another process just made is used instead of burning it, and commits a rotated refresh
token before the new access token is handed out.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, select

from crmcore.app import CRM
from crmcore.auth import oauth
from crmcore.auth.errors import NotSignedIn, ReauthorizationRequired, authorize_hint
from crmcore.auth.models import CONFIGURED, REAUTH_REQUIRED, SIGNED_IN, Connection
from crmcore.auth.oauth import ClientConfig
from crmcore.db import is_sqlite
from crmcore.models import utcnow
from crmcore.redact import Secrets
from crmcore.secrets import Vault

REFRESH_SLACK = 300.0  # seconds before expiry at which a token is refreshed

_locks: dict[tuple[str, int], threading.Lock] = {}
_locks_guard = threading.Lock()


def process_lock(crm: CRM, connection_id: int) -> threading.Lock:
    """The in-process lock for one connection of one database."""
    key = (crm.engine.url.render_as_string(hide_password=True), connection_id)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


@contextmanager
def locked_connection(crm: CRM, connection_id: int) -> Iterator[tuple[Session, Connection | None]]:
    """A transaction holding the connection's row lock (SQLite: the database write lock)."""
    with crm.session() as session:
        if is_sqlite(crm.engine):
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        row = session.exec(select(Connection).where(Connection.id == connection_id)
                           .with_for_update()).one_or_none()
        yield session, row


def save_token(connection: Connection, vault: Vault, token: dict[str, Any]) -> None:
    """Store ``token`` (an OAuth 2.0 token response with ``expires_at`` in epoch seconds) encrypted
    on ``connection`` and mark it signed in; the caller commits."""
    connection.token_enc = vault.encrypt(json.dumps(token))
    expires = token.get("expires_at")
    connection.token_expires_at = (datetime.fromtimestamp(expires, timezone.utc)
                                   if expires is not None else None)
    connection.granted_scopes = (token.get("scope") or "")[:500] or None
    connection.state = SIGNED_IN
    connection.updated_at = utcnow()


def load_token(connection: Connection, vault: Vault) -> dict[str, Any] | None:
    """The decrypted token of ``connection``, or None when it has none. Raises
    ``cryptography.fernet.InvalidToken`` when the key is not the one it was stored with."""
    if not connection.token_enc:
        return None
    return json.loads(vault.decrypt(connection.token_enc))


def forget_tokens(connection: Connection, state: str = CONFIGURED) -> None:
    """Drop the stored token and set ``state`` (configured: sign in again; re-authorization
    required); the OAuth settings stay. The caller commits."""
    connection.token_enc = None
    connection.token_expires_at = None
    connection.granted_scopes = None
    connection.state = state
    connection.updated_at = utcnow()


def client_config(connection: Connection, vault: Vault, timeout: float = 30.0) -> ClientConfig:
    """The OAuth client settings of ``connection`` with its secret decrypted; ``timeout`` in
    seconds for each call to the authorization server."""
    return ClientConfig(
        connector=connection.connector, client_id=connection.client_id,
        client_secret=vault.decrypt(connection.client_secret_enc or "") if connection.client_secret_enc else "",
        auth_url=connection.auth_url, token_url=connection.token_url,
        redirect_uri=connection.redirect_uri, scopes=tuple(connection.scopes.split()),
        revoke_url=connection.revoke_url, timeout=timeout,
        allow_insecure_http=allows_insecure_http(connection))


INSECURE_OPTION = "allow_insecure_http"  # a connection option, set by configure's flag


def allows_insecure_http(connection: Connection) -> bool:
    """Whether the user allowed plain http to non-loopback URLs for this connection."""
    return bool((connection.options or {}).get(INSECURE_OPTION))


def connection_secrets(connection: Connection, vault: Vault) -> list[str]:
    """Every secret value stored for the connection: client secret and tokens (decrypted)."""
    found: list[str] = []
    if connection.client_secret_enc:
        secret = vault.decrypt(connection.client_secret_enc)
        found.append(secret)
        if secret.startswith("{"):  # a non-OAuth connection's secrets (crmcore.auth.credentials)
            try:
                found += [str(v) for v in json.loads(secret).values() if v]
            except (ValueError, AttributeError):
                pass
    token = load_token(connection, vault)
    if token:
        found += [token.get("access_token"), token.get("refresh_token")]
    return [v for v in found if v]


def require_usable(connection: Connection) -> None:
    """Refuse a connection that cannot call the API, naming the command that fixes it."""
    if connection.state == REAUTH_REQUIRED:
        raise ReauthorizationRequired(connection.connector)
    if connection.state != SIGNED_IN or not connection.token_enc:
        raise NotSignedIn(f"The {connection.connector} connection is not signed in.",
                          f"Run 'crm sync authorize {connection.connector}'.")


def _near_expiry(token: dict[str, Any], slack: float) -> bool:
    expires = token.get("expires_at")
    return expires is not None and expires - slack <= time.time()


class ConnectionTokenSource:
    """Tokens of one stored connection, for :class:`crmcore.http.ApiClient`.

    ``secrets`` gathers every secret value of the connection this source has seen (the client
    secret, each access and refresh token, old and new), so nothing a server echoes shows."""

    def __init__(self, crm: CRM, connection_id: int, connector: str, *,
                 slack: float = REFRESH_SLACK, timeout: float = 30.0,
                 secrets: Secrets | None = None) -> None:
        self._crm = crm
        self._id = connection_id
        self.connector = connector
        self.reauthorize_hint = authorize_hint(connector)
        self._slack = slack
        self._timeout = timeout
        self._token: dict[str, Any] | None = None
        self._lock = process_lock(crm, connection_id)
        self.secrets = secrets if secrets is not None else Secrets()
        self.refreshes = 0  # how many refreshes this source made itself

    def __repr__(self) -> str:
        return f"ConnectionTokenSource(connection_id={self._id}, connector={self.connector!r})"

    def access_token(self) -> str:
        """The access token to send, refreshed first when it expires within the slack (one
        refresh at a time; the rotated token is committed before use). Raises
        :class:`ReauthorizationRequired` or :class:`NotSignedIn`."""
        token = self._token
        if token is None:
            token = self._token = self._read()
        if _near_expiry(token, self._slack):
            with self._lock:
                token = self._refresh_if(lambda t: _near_expiry(t, self._slack))
        return token["access_token"]

    def refresh_after_unauthorized(self, used: str) -> str:
        """A new access token after the service answered 401 to ``used`` (refreshed only if no
        other thread already replaced it). Raises :class:`ReauthorizationRequired`."""
        with self._lock:
            token = self._refresh_if(lambda t: t["access_token"] == used)
        return token["access_token"]

    def _read(self) -> dict[str, Any]:
        """The stored token, read without a lock (a refresh re-reads under the lock)."""
        with self._crm.session() as session:
            row = session.get(Connection, self._id)
            if row is None:
                raise NotSignedIn("The connection no longer exists.",
                                  f"Configure it with 'crm sync configure {self.connector}'.")
            self.secrets.add(*connection_secrets(row, self._crm.vault))
            require_usable(row)
            return load_token(row, self._crm.vault)

    def _refresh_if(self, stale) -> dict[str, Any]:
        """Under the row lock: re-read; refresh only if the stored token is still ``stale``."""
        vault = self._crm.vault
        failure: Exception | None = None
        with locked_connection(self._crm, self._id) as (session, row):
            if row is None:
                raise NotSignedIn("The connection no longer exists.",
                                  f"Configure it with 'crm sync configure {self.connector}'.")
            self.secrets.add(*connection_secrets(row, vault))
            require_usable(row)
            token = load_token(row, vault)
            if token is not None and not stale(token):
                self._token = token
                return token
            if not token or not token.get("refresh_token"):
                forget_tokens(row, REAUTH_REQUIRED)
                failure = ReauthorizationRequired(self.connector, "no refresh token was granted; "
                                                  "sign in with the offline scope")
            else:
                try:
                    new = oauth.refresh(client_config(row, vault, self._timeout),
                                        token["refresh_token"])
                except oauth.InvalidGrant as exc:
                    forget_tokens(row, REAUTH_REQUIRED)
                    failure = ReauthorizationRequired(self.connector,
                                                      exc.description or "invalid_grant")
                else:
                    self.secrets.add(new.get("access_token"), new.get("refresh_token"))
                    save_token(row, vault, new)
                    self.refreshes += 1
            session.add(row)
        # the transaction is committed here: the rotated token (or the state) is stored
        if failure is not None:
            self._token = None
            raise failure
        self._token = new
        return new
