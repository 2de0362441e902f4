"""How a connector authenticates, declared by the connector and run by the core.

A connector sets ``auth`` to one of the kinds below. The core then asks for the settings the kind
needs (``crm sync configure``), stores the secret ones encrypted, checks them
(``crm sync test``) and hands every session an :class:`crmcore.http.ApiClient` that already
authenticates its requests:

- :class:`OAuth2`: the OAuth 2.0 authorization code grant with PKCE (RFC 6749 section 4.1,
  RFC 7636), a bearer token (RFC 6750) refreshed before expiry and once after a 401;
- :class:`HttpBasic`: a username and a password or app password, sent as
  ``Authorization: Basic`` (RFC 7617) on every request;
- :class:`ApiKey`: one secret sent in a header (``X-Api-Key: ...``) or a query parameter;
- :class:`NoAuth`: nothing is sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from crmcore.errors import CrmError

# connection states as a person reads them (what ``connection_state`` returns)
NOT_CONFIGURED = "not configured"
CONFIGURED = "configured"
READY = "ready"
NEEDS_REAUTHORIZATION = "needs re-authorization"
NEEDS_NEW_CREDENTIALS = "needs new credentials"


@dataclass(frozen=True)
class OAuthServer:
    """The connector's OAuth 2.0 authorization server and API, with defaults a user may override.

    URLs are absolute (https, or http on a loopback address). ``offline_scope``: the scope that
    grants a refresh token (without it there is no background sync)."""

    authorize_url: str
    token_url: str
    api_url: str
    revoke_url: str | None = None
    required_scopes: tuple[str, ...] = ()
    default_scopes: tuple[str, ...] = ()
    offline_scope: str | None = None


@dataclass(frozen=True)
class OAuth2:
    """OAuth 2.0 authorization code with PKCE against ``server`` (``crm sync authorize``)."""

    server: OAuthServer


@dataclass(frozen=True)
class HttpBasic:
    """HTTP Basic authentication (RFC 7617) with the connection's ``username`` and ``password``
    settings (the password is a secret: stored encrypted, read from standard input)."""


@dataclass(frozen=True)
class ApiKey:
    """One secret (the ``api_key`` setting) sent in the header named ``header`` or in the query
    parameter named ``query`` on every request; exactly one of the two is given."""

    header: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        if (self.header is None) == (self.query is None):
            raise ValueError("ApiKey needs exactly one of header= or query=")


@dataclass(frozen=True)
class NoAuth:
    """The remote needs no credentials (a local service, a public directory)."""


AuthKind = Union[OAuth2, HttpBasic, ApiKey, NoAuth]


class CredentialsRejected(CrmError):
    """The remote refused the saved credentials (HTTP 401 or 403 to a credentials check): the
    connection now "needs new credentials" (or re-authorization, for OAuth). The hint names the
    command to run."""


URL_PROPERTY = {"type": "string", "format": "uri", "minLength": 1, "maxLength": 500,
                "title": "URL", "description": "The service's base URL (https; http on loopback)."}


def default_settings_schema(auth: AuthKind, api_url: str | None = None) -> dict[str, Any]:
    """The JSON Schema of the settings a kind needs, for a connector that declares none.

    OAuth2: ``{}`` (its settings are the core's OAuth settings: client id, secret, URLs, scopes).
    HttpBasic: ``url``, ``username``, ``password`` (writeOnly). ApiKey: ``url``, ``api_key``
    (writeOnly). NoAuth: ``url``. ``api_url`` becomes the URL's default when given."""
    if isinstance(auth, OAuth2):
        return {}
    url = dict(URL_PROPERTY)
    if api_url:
        url["default"] = api_url
    props: dict[str, Any] = {"url": url}
    required = [] if api_url else ["url"]
    if isinstance(auth, HttpBasic):
        props["username"] = {"type": "string", "minLength": 1, "maxLength": 255, "title": "Username"}
        props["password"] = {"type": "string", "minLength": 1, "maxLength": 1000,
                             "writeOnly": True, "title": "Password or app password"}
        required += ["username", "password"]
    elif isinstance(auth, ApiKey):
        props["api_key"] = {"type": "string", "minLength": 1, "maxLength": 1000,
                            "writeOnly": True, "title": "API key"}
        required += ["api_key"]
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": required}


def secret_names(schema: dict[str, Any]) -> list[str]:
    """The properties of a settings schema marked ``"writeOnly": true`` (secrets)."""
    return [name for name, prop in (schema.get("properties") or {}).items()
            if isinstance(prop, dict) and prop.get("writeOnly")]


def connection_state(stored: str | None, auth: AuthKind) -> str:
    """The state a person reads for a connection whose stored state is ``stored`` (None: no
    connection): one of NOT_CONFIGURED, CONFIGURED, READY, NEEDS_REAUTHORIZATION (OAuth2) or
    NEEDS_NEW_CREDENTIALS (other kinds)."""
    from crmcore.auth.models import CONFIGURED as STORED_CONFIGURED
    from crmcore.auth.models import REAUTH_REQUIRED, SIGNED_IN

    if stored is None:
        return NOT_CONFIGURED
    if stored == SIGNED_IN:
        return READY
    if stored == REAUTH_REQUIRED:
        return NEEDS_REAUTHORIZATION if isinstance(auth, OAuth2) else NEEDS_NEW_CREDENTIALS
    if stored == STORED_CONFIGURED:
        return CONFIGURED
    return stored
