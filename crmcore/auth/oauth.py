"""Talking to an authorization server through requests-oauthlib: sign-in URL, code exchange,
refresh and revocation, with the client authenticating by HTTP Basic at the token endpoint.

Every failure becomes a :class:`CrmError` (or :class:`InvalidGrant` for the token store) whose
message holds no token, code, PKCE verifier or secret, even when the server echoes them; the
libraries' own debug logging, which prints tokens, is kept quiet.

Plain http is allowed per call, for loopback URLs (or with the connection's explicit
``allow_insecure_http``): the session gets a :class:`crmcore.transport.PlainHttpAdapter` for that
URL only; the process-wide ``OAUTHLIB_INSECURE_TRANSPORT`` is never set.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets as random_secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from requests.auth import HTTPBasicAuth

if TYPE_CHECKING:  # the OAuth libraries are imported by a sign-in or a refresh, not by every command
    from requests_oauthlib import OAuth2Session

from crmcore.auth.errors import SignInFailed
from crmcore.errors import CrmError
from crmcore.http import TransientError
from crmcore.redact import Secrets
from crmcore.transport import as_http, as_https, check_plain_http, mount_plain_http

_QUIET = ("requests_oauthlib", "oauthlib")


@dataclass(frozen=True)
class ClientConfig:
    """What the OAuth client needs for one connection (the secret never shows in repr)."""

    connector: str
    client_id: str
    client_secret: str = field(repr=False)
    auth_url: str
    token_url: str
    redirect_uri: str
    scopes: tuple[str, ...]
    revoke_url: str | None = None
    timeout: float = 30.0
    allow_insecure_http: bool = False

    def configure_hint(self) -> str:
        """The next step when the authorization server refuses the client: check its id and secret,
        then sign in again."""
        return (f"Check the client id and secret with 'crm sync configure {self.connector} "
                f"--client-id ID --client-secret -' (the secret on standard input), then "
                f"'crm sync authorize {self.connector}'.")


class InvalidGrant(Exception):
    """The token endpoint answered invalid_grant: the refresh token is dead."""

    def __init__(self, description: str | None) -> None:
        super().__init__(description or "invalid_grant")
        self.description = description


@dataclass
class PendingSignIn:
    """A started sign-in: the URL to visit, its ``state``, and the session holding the PKCE
    verifier until the code comes back."""

    url: str
    state: str
    session: OAuth2Session = field(repr=False)
    verifier: str = field(default="", repr=False)


def _prepare(config: ClientConfig) -> None:
    """Quiet the libraries' token-printing debug logs; refuse plain http off loopback unless the
    connection allows it (raises :class:`crmcore.transport.InsecureTransport`)."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")  # a narrower grant is not an error
    check_plain_http({"auth URL": config.auth_url, "token URL": config.token_url,
                      "revoke URL": config.revoke_url}, config.allow_insecure_http,
                     f"crm sync configure {config.connector}")


def _session(config: ClientConfig, **kwargs: Any) -> OAuth2Session:
    from requests_oauthlib import OAuth2Session

    session = OAuth2Session(config.client_id, scope=list(config.scopes),
                            redirect_uri=config.redirect_uri, **kwargs)
    mount_plain_http(session, config.token_url)
    for hook in ("access_token_response", "refresh_token_response"):
        session.register_compliance_hook(hook, _check_status)
    return session


def _pkce_pair() -> tuple[str, str]:
    """A PKCE verifier (43-128 unreserved characters) and its S256 challenge (RFC 7636 4.1, 4.2)."""
    verifier = random_secrets.token_urlsafe(64)[:86]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def known_secrets(config: ClientConfig, *values: str | None) -> Secrets:
    """The client secret and ``values`` (code, verifier, tokens) as a :class:`Secrets` set."""
    return Secrets([config.client_secret, *values])


def _check_status(response: requests.Response) -> requests.Response:
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"The token endpoint failed with {response.status_code}.",
                             "This is usually temporary: try again in a few minutes.",
                             status=response.status_code)
    return response


def start(config: ClientConfig) -> PendingSignIn:
    """The authorization URL with ``state`` and a PKCE S256 challenge."""
    _prepare(config)
    session = _session(config)
    verifier, challenge = _pkce_pair()
    url, state = session.authorization_url(as_https(config.auth_url), code_challenge=challenge,
                                           code_challenge_method="S256")
    if url.startswith("https") and not config.auth_url.lower().startswith("https"):
        url = as_http(url)
    return PendingSignIn(url=url, state=state, session=session, verifier=verifier)


def resume(config: ClientConfig, state: str, verifier: str) -> PendingSignIn:
    """The sign-in :func:`start` began, rebuilt from its ``state`` and PKCE ``verifier`` (kept
    elsewhere between two web requests), ready for :func:`crmcore.auth.flow.finish`."""
    _prepare(config)
    return PendingSignIn(url="", state=state, session=_session(config), verifier=verifier)


def exchange_code(config: ClientConfig, pending: PendingSignIn, code: str) -> dict[str, Any]:
    """Trade the authorization code (and the PKCE verifier) for tokens."""
    from oauthlib.oauth2.rfc6749 import errors as oauth_errors

    _prepare(config)
    try:
        token = pending.session.fetch_token(
            as_https(config.token_url), code=code, code_verifier=pending.verifier,
            auth=HTTPBasicAuth(config.client_id, config.client_secret), timeout=config.timeout)
    except oauth_errors.InvalidGrantError:
        raise SignInFailed("The token endpoint refused the sign-in code (invalid_grant: it expired, "
                           "was already used or does not match this sign-in). Nothing was saved.",
                           f"Run 'crm sync authorize {config.connector}' again.") from None
    except Exception as exc:  # noqa: BLE001 - every library error is translated, none leaks
        raise _translate(exc, config, [code, pending.verifier]) from None
    finally:
        pending.session.close()
    return normalise(token)


def refresh(config: ClientConfig, refresh_token: str) -> dict[str, Any]:
    """A new token from the refresh token; keeps the old refresh token when none comes back."""
    from oauthlib.oauth2.rfc6749 import errors as oauth_errors

    _prepare(config)
    session = _session(config)
    try:
        token = session.refresh_token(
            as_https(config.token_url), refresh_token=refresh_token,
            auth=HTTPBasicAuth(config.client_id, config.client_secret), timeout=config.timeout)
    except oauth_errors.InvalidGrantError as exc:
        said = known_secrets(config, refresh_token).scrub(exc.description or "")
        raise InvalidGrant(said[:300] or None) from None
    except Exception as exc:  # noqa: BLE001
        raise _translate(exc, config, [refresh_token]) from None
    finally:
        session.close()
    return normalise(token, previous_refresh=refresh_token)


def revoke(config: ClientConfig, token: str, hint: str) -> bool:
    """Ask the revocation endpoint to forget ``token``; True when it said yes. Never raises."""
    if not config.revoke_url:
        return False
    try:
        check_plain_http({"revoke URL": config.revoke_url}, config.allow_insecure_http)
        response = requests.post(config.revoke_url, data={"token": token, "token_type_hint": hint},
                                 auth=HTTPBasicAuth(config.client_id, config.client_secret),
                                 timeout=config.timeout)
    except (requests.RequestException, CrmError):
        return False
    return response.status_code in (200, 204)


def normalise(token: dict[str, Any], previous_refresh: str | None = None) -> dict[str, Any]:
    """The fields the store keeps: no id_token, an absolute ``expires_at`` (epoch seconds)."""
    expires_in = token.get("expires_in")
    try:
        expires_at = time.time() + float(expires_in) if expires_in is not None else None
    except (TypeError, ValueError):
        expires_at = None
    scope = token.get("scope")
    if isinstance(scope, (list, tuple)):
        scope = " ".join(scope)
    return {
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token") or previous_refresh,
        "token_type": token.get("token_type", "Bearer"),
        "expires_at": expires_at,
        "scope": scope,
    }


def _translate(exc: Exception, config: ClientConfig, secrets: list[str]) -> CrmError:
    from oauthlib.oauth2.rfc6749 import errors as oauth_errors

    hidden = known_secrets(config, *secrets)
    if isinstance(exc, CrmError):
        exc.message = hidden.scrub(exc.message)
        exc.args = (exc.message,)
        return exc
    if isinstance(exc, (oauth_errors.InvalidClientError, oauth_errors.UnauthorizedClientError)):
        return CrmError(f"The token endpoint refused the client credentials "
                        f"({hidden.scrub(str(exc.error))[:100]}).", config.configure_hint())
    if isinstance(exc, oauth_errors.InsecureTransportError):
        return CrmError("The token endpoint must use https.", config.configure_hint())
    if isinstance(exc, oauth_errors.OAuth2Error):
        said = hidden.scrub(exc.description or "")[:300]  # scrubbed whole, then cut
        error = hidden.scrub(str(exc.error))[:100]
        return CrmError(f"The token endpoint answered {error}"
                        f"{': ' + said if said else ''}.", config.configure_hint())
    if isinstance(exc, requests.ReadTimeout):
        return TransientError(f"The token endpoint accepted the connection but sent no answer "
                              f"within {config.timeout:g} s (read timeout).",
                              "The service is slow or hanging: try again in a few minutes.")
    if isinstance(exc, requests.RequestException):
        return TransientError(f"Could not reach the token endpoint ({type(exc).__name__}).",
                              "Check the network and the token URL, then try again.")
    return CrmError(f"The token endpoint's answer could not be used ({type(exc).__name__}).",
                    config.configure_hint())
