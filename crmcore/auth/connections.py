"""Services over a user's connections: configure, sign in, the Sync window, revoke, and the API
client the sync engine and connectors use.

Connector-independent: everything a connector contributes comes from its registration
(``crm.plugins.connectors``). A user sees and changes only their own connections; the CLI lets an
admin act for another user with ``--user NAME`` (:func:`target_user`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from crmcore.app import CRM
from crmcore.auth import flow, oauth
from crmcore.auth.errors import NotSignedIn
from crmcore.auth.models import (CONFIGURED, NOT_CONFIGURED, REAUTH_REQUIRED, SIGNED_IN,
                                 Connection)
from crmcore.auth.settings import resolve, tokens_survive
from crmcore.sync.status import sync_status
from crmcore.auth.tokens import (INSECURE_OPTION, ConnectionTokenSource, allows_insecure_http,
                                 client_config, forget_tokens, load_token, locked_connection,
                                 require_usable, save_token)
from crmcore.errors import CrmError, NotFound, ValidationError
from crmcore.extensions import store
from crmcore.http import ApiClient
from crmcore.models import User, utcnow
from crmcore.redact import Secrets
from crmcore.secrets import ensure_key_file
from crmcore.contract.auth import CredentialsRejected, connection_state, secret_names
from crmcore.contract.connector import Connector
from crmcore.auth.credentials import StaticCredentials, saved_settings, uses_oauth
from crmcore.users import get_user, require_admin

AVAILABLE = "available"  # the connector's extension is not installed yet


def get_connector(crm: CRM, name: str) -> Connector:
    info = crm.plugins.connectors.get(name)
    if info is None:
        known = ", ".join(sorted(crm.plugins.connectors)) or "none"
        raise NotFound(f"No connector named {name!r} (known: {known}).",
                       "See 'crm sync connectors'; a connector comes with its plugin package.")
    return info.connector


def target_user(session: Session, actor: User, name: str | None) -> User:
    """The user a command acts on: the actor, or (admins only) the user named ``name``."""
    if not name or name == actor.name:
        return actor
    require_admin(actor, "act on another user's connections")
    return get_user(session, name)


def get_connection(session: Session, user: User, connector_name: str) -> Connection:
    """``user``'s connection to ``connector_name``; nobody else's is ever returned."""
    row = session.exec(select(Connection).where(Connection.user_id == user.id,
                                                Connection.connector == connector_name)).first()
    if row is None:
        raise NotFound(f"{user.name} has no {connector_name} connection yet.",
                       f"Configure it with 'crm sync configure {connector_name} --client-id ID' "
                       "(it asks for the client secret).")
    return row


def _current_settings(row: Connection, crm: CRM, *, with_secret: bool = True) -> dict[str, Any]:
    secret = (crm.vault.decrypt(row.client_secret_enc)
              if with_secret and row.client_secret_enc else None)
    return {"client_id": row.client_id, "client_secret": secret,
            "auth_url": row.auth_url, "token_url": row.token_url, "api_url": row.api_url,
            "revoke_url": row.revoke_url, "redirect_uri": row.redirect_uri,
            "scopes": row.scopes.split()}


def _options_of(connector: Connector) -> str:
    """``--url URL --username USERNAME`` for the required settings of a connector's schema."""
    schema = connector.settings_schema or {}
    return " ".join(f"--{n.replace('_', '-')} {n.upper()}" for n in schema.get("required", [])
                    if not (schema.get("properties", {}).get(n) or {}).get("writeOnly")) + \
        " (asks for the secrets)" * bool(secret_names(schema))


class AccountChangeUnconfirmed(CrmError):
    """New settings may reach another remote account while the connection has synced: the
    caller asks the user, then calls :func:`configure` again with ``confirm_account_change``."""


def _synced_links(session: Session, connection_id: int) -> int | None:
    """How many links the connection has, or None when it never synced."""
    from sqlalchemy import func

    from crmcore.sync.models import SyncCheckpoint, SyncLink

    count = session.exec(select(func.count()).select_from(SyncLink).where(
        SyncLink.connection_id == connection_id)).one()
    if count:
        return count
    synced = session.exec(select(SyncCheckpoint).where(
        SyncCheckpoint.connection_id == connection_id,
        SyncCheckpoint.account.is_not(None))).first()
    return 0 if synced is not None else None


def has_client_secret(crm: CRM, user: User, connector_name: str) -> bool:
    """Whether ``user``'s connection has a client secret saved (without decrypting it)."""
    with crm.session() as session:
        row = session.exec(select(Connection).where(Connection.user_id == user.id,
                                                    Connection.connector == connector_name)).first()
        return bool(row is not None and row.client_secret_enc)


def configure(crm: CRM, user: User, connector_name: str, *, offline: bool = True,
              notes: list[str] | None = None, confirm_account_change: bool = False,
              allow_insecure_http: bool | None = None, reset_secrets: bool = False,
              **settings: Any) -> Connection:
    """Validate and save ``user``'s OAuth settings for a connector (client secret encrypted).

    ``settings``: client_id, client_secret, auth_url, token_url, api_url, revoke_url,
    redirect_uri, scopes (a list or a space-separated string); what is not given keeps its saved
    value, else the connector's default. ``offline=False`` opts out of adding the offline scope.
    ``allow_insecure_http``: allow plain http to non-loopback URLs (None keeps the saved choice).
    Tokens survive only when the client id and URLs are unchanged. ``notes`` receives what the
    user should be told beyond success.

    A new client id or API URL may reach another remote account, to which the links and sync
    checkpoints do not belong: for a connection that has synced, that raises
    :class:`AccountChangeUnconfirmed` (nothing saved) unless ``confirm_account_change``.

    ``reset_secrets``: the way out of a lost or replaced key. The saved client secret and tokens
    are dropped without being decrypted (the old key is not needed), a key file is created if
    there is none, and the new client secret (required) is saved under the current key.
    """
    connector = get_connector(crm, connector_name)
    notes = notes if notes is not None else []
    if reset_secrets:
        if not settings.get("client_secret"):
            raise ValidationError("--reset-secrets needs the new client secret; nothing was saved.",
                                  f"Give it on standard input: 'crm sync configure {connector_name} "
                                  "--reset-secrets --client-secret - < secret.txt'.")
        ensure_key_file(crm.settings.key_file)
    with crm.session() as session:
        if not store.is_installed(session, connector.extension):
            raise CrmError(f"The {connector.label} connector needs the {connector.extension!r} "
                           "extension, which is not installed.",
                           f"An admin installs it with 'crm extensions install {connector.extension}'.")
        row = session.exec(select(Connection).where(Connection.user_id == user.id,
                                                    Connection.connector == connector_name)
                           .with_for_update()).first()
        current = (_current_settings(row, crm, with_secret=not reset_secrets)
                   if row is not None else None)
        insecure = (allow_insecure_http if allow_insecure_http is not None
                    else bool(row is not None and allows_insecure_http(row)))
        resolved, extra = resolve(connector, current, settings, offline=offline,
                                  allow_insecure_http=insecure)
        notes.extend(extra)
        moved = row is not None and any(current[k] != resolved[k] for k in ("client_id", "api_url"))
        links = _synced_links(session, row.id) if moved else None
        if links is not None:
            told = (f"The new client id or API URL may reach another {connector.label} account. "
                    f"The {links} links and the sync checkpoints of this connection belong to the "
                    "account it synced with: if the next sign-in reaches another account, the "
                    "next sync starts fresh there (contacts matched by email, nothing deleted on "
                    "either side); switching back later matches by email again, without "
                    "duplicates.")
            if not confirm_account_change:
                raise AccountChangeUnconfirmed(
                    told, f"Confirm with the same 'crm sync configure {connector_name} ...' "
                          "command and -y; nothing was saved.")
            notes.append(told)
        if row is None:
            row = Connection(user_id=user.id, connector=connector_name, state=CONFIGURED,
                             client_id="", auth_url="", token_url="", api_url="", redirect_uri="",
                             scopes="")
        elif reset_secrets:
            forget_tokens(row, CONFIGURED)
            row.remote_account = None  # the next sign-in may reach another account
            notes.append(f"Dropped the saved client secret and sign-in (--reset-secrets): run "
                         f"'crm sync authorize {connector_name}' to sign in again.")
        elif row.token_enc and not tokens_survive(current, resolved):
            forget_tokens(row, CONFIGURED)
            row.remote_account = None  # the next sign-in may reach another account
            notes.append(f"The client id or URLs changed, so the old sign-in was dropped: run "
                         f"'crm sync authorize {connector_name}'.")
        elif row.state == SIGNED_IN and set(resolved["scopes"]) != set(current["scopes"]):
            notes.append(f"The scopes changed: run 'crm sync authorize {connector_name}' to grant "
                         "them (the current sign-in keeps its old scopes).")
        row.client_id = resolved["client_id"]
        row.client_secret_enc = crm.vault.encrypt(resolved["client_secret"])
        for key in ("auth_url", "token_url", "api_url", "revoke_url", "redirect_uri"):
            setattr(row, key, resolved[key])
        row.scopes = " ".join(resolved["scopes"])
        options = dict(row.options or {})
        if insecure:
            options[INSECURE_OPTION] = True
        else:
            options.pop(INSECURE_OPTION, None)
        row.options = options
        row.updated_at = utcnow()
        if reset_secrets and renew_key_check(session, crm.vault):
            notes.append("The CRM's key changed: connections saved under the old key need the "
                         "same step by their owners ('crm sync configure NAME --reset-secrets').")
        session.add(row)
        session.flush()
        session.refresh(row)
        return row


def renew_key_check(session: Session, vault) -> bool:
    """Re-encrypt the CRM's key check under ``vault``'s key if it does not open with it (the key
    was replaced); True when it was renewed."""
    from crmcore.initialise import KEY_CHECK_PLAINTEXT
    from crmcore.models import KeyCheck
    from crmcore.secrets import SecretKeyError

    check = session.exec(select(KeyCheck)).first()
    if check is None:
        return False
    try:
        vault.decrypt(check.token)
        return False
    except SecretKeyError:
        check.token = vault.encrypt(KEY_CHECK_PLAINTEXT)
        session.add(check)
        return True


def connectors_overview(crm: CRM, user: User) -> list[dict[str, Any]]:
    """The Sync window: every registered connector with ``user``'s state and the next step.

    ``state`` is one of "not configured", "configured", "signed in", "re-authorization
    required", or "available" (its extension is not installed yet: an admin can add it).
    """
    rows = []
    with crm.session() as session:
        mine = {c.connector: c for c in session.exec(
            select(Connection).where(Connection.user_id == user.id))}
        for name, info in sorted(crm.plugins.connectors.items()):
            connector = info.connector
            row = mine.get(name)
            installed = store.is_installed(session, connector.extension)
            entry: dict[str, Any] = {
                "name": name, "label": connector.label, "module": connector.module,
                "extension": connector.extension, "installed": installed,
                "connection_id": row.id if row else None,
                "client_id": row.client_id if row else None,
                "scopes": row.scopes if row else None,
                "granted_scopes": row.granted_scopes if row else None,
                "token_expires_at": row.token_expires_at if row else None,
            }
            if not installed:
                entry["state"] = AVAILABLE
                entry["next"] = f"crm extensions install {connector.extension} (admin)"
            elif row is None:
                entry["state"] = NOT_CONFIGURED
                entry["next"] = (f"crm sync configure {name} --client-id ID (asks for the secret)"
                                 if uses_oauth(connector) else
                                 f"crm sync configure {name} {_options_of(connector)}")
            elif uses_oauth(connector):
                entry["state"] = row.state
                entry["next"] = (f"crm sync authorize {name}"
                                 if row.state in (CONFIGURED, REAUTH_REQUIRED) else "")
            else:
                entry["state"] = connection_state(row.state, connector.auth)
                entry["next"] = {CONFIGURED: f"crm sync test {name}",
                                 REAUTH_REQUIRED: f"crm sync configure {name} ... then crm sync "
                                                  f"test {name}"}.get(row.state, "")
            entry["status"] = connection_state(row.state if row else None, connector.auth)
            if row is not None:
                entry["sync"] = sync_status(session, row.id, connector.module,
                                            ready=row.state == SIGNED_IN)
                if entry["sync"]["failures"] and not entry["next"]:
                    entry["next"] = f"crm sync log {name}"
            rows.append(entry)
    return rows


def authorize(crm: CRM, user: User, connector_name: str, *, browser: bool = True,
              timeout: float = 300.0, echo: Callable[[str], None] = print,
              read: Callable[[], str] = input,
              opener: Callable[[str], bool] = flow.open_browser) -> Connection:
    """Sign ``user`` in to a configured connector and store the tokens (encrypted).

    ``browser``: open the consent page and catch the redirect on the loopback redirect URI,
    waiting up to ``timeout`` seconds; otherwise print the URL and ``read`` the pasted redirect.
    Any failure raises :class:`SignInFailed` and stores nothing.
    """
    get_connector(crm, connector_name)
    with crm.session() as session:
        row = get_connection(session, user, connector_name)
        config = client_config(row, crm.vault)
        connection_id = row.id
    if browser:
        token = flow.sign_in_with_browser(config, timeout=timeout, echo=echo, opener=opener)
    else:
        token = flow.sign_in_by_paste(config, echo=echo, read=read)
    with locked_connection(crm, connection_id) as (session, row):
        save_token(row, crm.vault, token)
        row.remote_account = None  # asked again by the next run: a sign-in may be someone else
        session.add(row)
    return row


def revoke(crm: CRM, user: User, connector_name: str) -> bool:
    """Revoke Access: ask the service to revoke the tokens (best effort), always forget them
    here, state back to "configured" (syncs stop). True when the service confirmed."""
    with crm.session() as session:
        row = get_connection(session, user, connector_name)
        connection_id = row.id
        token = load_token(row, crm.vault)
        config = client_config(row, crm.vault, timeout=10.0)
    confirmed = False
    if token:
        for hint in ("refresh_token", "access_token"):
            if token.get(hint):
                confirmed = oauth.revoke(config, token[hint], hint) or confirmed
    with locked_connection(crm, connection_id) as (session, row):
        forget_tokens(row, CONFIGURED)
        session.add(row)
    return confirmed


def require_ready(crm: CRM, connection_id: int) -> None:
    """Refuse, before any run is recorded, a connection that cannot call its service now: an
    OAuth connection that is not signed in (or needs re-authorization), or one whose
    credentials the service refused. Raises :class:`NotSignedIn`,
    :class:`ReauthorizationRequired` or :class:`CredentialsRejected`, each naming the step that
    fixes it. The same checks :func:`open_api_client` makes, without opening a client."""
    with crm.session() as session:
        row = session.get(Connection, connection_id)
        if row is None:
            raise NotSignedIn(f"No connection with id {connection_id}.",
                              "See 'crm sync connectors'.")
        _refuse_unready(row, get_connector(crm, row.connector))


def _refuse_unready(row: Connection, connector: Connector) -> None:
    """Raise when ``row`` cannot call its service now (see :func:`require_ready`)."""
    if uses_oauth(connector):
        require_usable(row)
    elif row.state == REAUTH_REQUIRED:
        raise CredentialsRejected(
            f"The {connector.label} connection needs new credentials.",
            f"Give them with 'crm sync configure {connector.name} ...', then "
            f"'crm sync test {connector.name}'.")


def open_api_client(crm: CRM, connection_id: int, *, on_exchange=None,
                    secrets: Secrets | None = None, **client_options: Any) -> ApiClient:
    """An :class:`ApiClient` on the connection's API URL, with its tokens (refreshed as needed)
    and its connector's quota rule. Raises :class:`ReauthorizationRequired` or
    :class:`NotSignedIn` (naming ``crm sync authorize NAME``) when it cannot call the API.
    ``client_options`` are passed to :class:`ApiClient` (rate, retries, timeouts, sleep); the
    settings they leave out are the connector's ``http_defaults``.
    ``secrets`` collects every secret value of the connection the client meets (for scrubbing
    whatever else the caller shows or stores)."""
    with crm.session() as session:
        row = session.get(Connection, connection_id)
        if row is None:
            raise NotSignedIn(f"No connection with id {connection_id}.",
                              "See 'crm sync connectors'.")
        connector = get_connector(crm, row.connector)
        api_url = row.api_url
        insecure = allows_insecure_http(row)
        _refuse_unready(row, connector)
        if uses_oauth(connector):
            tokens: Any = ConnectionTokenSource(crm, connection_id, connector.name, secrets=secrets)
        else:
            tokens = StaticCredentials(crm, connection_id, connector,
                                       saved_settings(crm, row), secrets=secrets)
    return ApiClient(api_url, tokens, is_quota_exhausted=connector.is_quota_exhausted,
                     on_exchange=on_exchange, allow_insecure_http=insecure,
                     parse_error=connector.parse_error,
                     **{**connector.http_defaults.client_options(), **client_options})
