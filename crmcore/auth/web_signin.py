"""Sign-in from the web application: the same authorization code flow with ``state`` and PKCE
as the command line (:mod:`crmcore.auth.oauth`, :func:`crmcore.auth.flow.finish`), split in two
requests.

:func:`start` returns the consent URL and a *pending* blob: the state, the PKCE verifier and whose
sign-in it is, encrypted with the CRM's key (Fernet), for the caller to keep in the user's session
cookie until the service redirects back. :func:`finish` checks the blob and the redirected URL
(state, error, age) and stores the tokens exactly as ``crm sync authorize`` does.
"""
from __future__ import annotations

import json
import time

from crmcore.app import CRM
from crmcore.auth import flow, oauth
from crmcore.auth.connections import get_connection, get_connector
from crmcore.auth.errors import SignInFailed
from crmcore.auth.models import Connection
from crmcore.auth.tokens import client_config, locked_connection, save_token
from crmcore.errors import CrmError
from crmcore.models import User
from crmcore.secrets import SecretKeyError

MAX_AGE = 15 * 60  # seconds a started sign-in may take


def start(crm: CRM, user: User, connector_name: str, callback_url: str) -> tuple[str, str]:
    """Begin ``user``'s sign-in to a configured connector whose redirect URI is
    ``callback_url`` (this web application's callback). Returns (consent URL, pending blob).
    Raises :class:`NotFound` (no connection) or :class:`CrmError` (another redirect URI)."""
    get_connector(crm, connector_name)
    with crm.session() as session:
        row = get_connection(session, user, connector_name)
        config = client_config(row, crm.vault)
    if config.redirect_uri != callback_url:
        raise CrmError(f"The connection's redirect URI is {config.redirect_uri}, but this web "
                       f"application receives the sign-in at {callback_url}.",
                       "Open OAuth settings, set the redirect URI to that address (and register "
                       "it on the app at the service), save, then Sign In.")
    pending = oauth.start(config)
    blob = crm.vault.encrypt(json.dumps({
        "state": pending.state, "verifier": pending.verifier,
        "user": user.id, "connector": connector_name, "at": time.time()}))
    pending.session.close()
    return pending.url, blob


def finish(crm: CRM, user: User, connector_name: str, blob: str | None,
           returned_url: str) -> Connection:
    """Complete the sign-in started by :func:`start` with the URL the service redirected to.
    Raises :class:`SignInFailed` (denied, forged or stale answer, refused code): nothing saved."""
    again = "Press Sign In again in the Sync window."
    try:
        data = json.loads(crm.vault.decrypt(blob)) if blob else None
    except (SecretKeyError, ValueError):
        data = None
    if not data or data.get("user") != user.id or data.get("connector") != connector_name:
        raise SignInFailed("This answer does not belong to a sign-in started here (an old or "
                           "forged redirect); nothing was saved.", again)
    if time.time() - float(data.get("at", 0)) > MAX_AGE:
        raise SignInFailed("The sign-in took too long (over 15 minutes); nothing was saved.", again)
    with crm.session() as session:
        row = get_connection(session, user, connector_name)
        config = client_config(row, crm.vault)
        connection_id = row.id
    pending = oauth.resume(config, data["state"], data["verifier"])
    try:
        token = flow.finish(config, pending, returned_url)
    except SignInFailed as exc:  # the same reasons as the CLI, with the web's next step
        hint = (exc.hint or "").replace(f"Run 'crm sync authorize {connector_name}' again",
                                        "Press Sign In again in the Sync window")
        raise SignInFailed(exc.message, hint or again) from None
    with locked_connection(crm, connection_id) as (session, row):
        save_token(row, crm.vault, token)
        session.add(row)
    return row


def check(crm: CRM, user: User, connector_name: str) -> str:
    """Test connection: the stored sign-in decrypts and yields a usable access token (refreshed
    through the token endpoint when near expiry, which checks the client credentials too).
    Returns a sentence for the user; raises :class:`CrmError` (not signed in, refused)."""
    from crmcore.auth.connections import open_api_client
    from crmcore.auth.credentials import test_connection, uses_oauth

    if not uses_oauth(get_connector(crm, connector_name)):  # Basic, API key, none: ask the service
        return f"Connected: the connection is {test_connection(crm, user, connector_name)}."
    with crm.session() as session:
        row = get_connection(session, user, connector_name)
        connection_id = row.id
    api = open_api_client(crm, connection_id)
    try:
        api.tokens.access_token()
    finally:
        api.close()
    with crm.session() as session:
        row = session.get(Connection, connection_id)
        expires = (f"valid until {row.token_expires_at:%Y-%m-%d %H:%M} UTC"
                   if row.token_expires_at else "with no expiry reported")
        scopes = row.granted_scopes or row.scopes
    return f"Connected: the sign-in works ({expires}; scopes: {scopes})."
