"""A connection's OAuth settings: defaults from the connector's declaration, checks, and whether a
change invalidates the tokens.

The settings are validated by ``schemas/oauth-settings.schema.json`` plus the connector's own
rules (required scopes; its offline scope, added when missing unless the user opts out) before
anything is saved.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crmcore.errors import ValidationError
from crmcore.redact import scrub
from crmcore.schemas_loader import load_schema, problems
from crmcore.sync.connector import Connector
from crmcore.transport import check_plain_http, is_loopback, is_plain_http

SCHEMA = "oauth-settings.schema.json"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
URL_FIELDS = ("auth_url", "token_url", "api_url", "revoke_url", "redirect_uri")
# a change to any of these makes the stored tokens meaningless: sign in again
TOKEN_BOUND = ("client_id", "auth_url", "token_url", "api_url")


def parse_scopes(scopes: str | Iterable[str] | None) -> list[str] | None:
    """Scopes given as "a b", "a,b" or a list, in order, without duplicates."""
    if scopes is None:
        return None
    items = scopes.replace(",", " ").split() if isinstance(scopes, str) else list(scopes)
    return list(dict.fromkeys(s.strip() for s in items if s and s.strip()))


def defaults(connector: Connector) -> dict[str, Any]:
    """The OAuth settings a new connection of ``connector`` starts from: its authorization
    server's URLs, the loopback redirect URI and its default scopes."""
    server = connector.oauth
    return {
        "auth_url": server.authorize_url, "token_url": server.token_url,
        "api_url": server.api_url, "revoke_url": server.revoke_url,
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "scopes": list(server.default_scopes or server.required_scopes),
    }


def resolve(connector: Connector, current: dict[str, Any] | None, given: dict[str, Any], *,
            offline: bool = True, allow_insecure_http: bool = False
            ) -> tuple[dict[str, Any], list[str]]:
    """The complete settings to save (given > current > connector defaults), and notes for the
    user. Raises :class:`ValidationError` and saves nothing when they break a rule; a plain
    ``http://`` auth, token, revoke or API URL off loopback is such a break unless
    ``allow_insecure_http`` (:class:`crmcore.transport.InsecureTransport`)."""
    unknown = set(given) - {"client_id", "client_secret", *URL_FIELDS, "scopes"}
    if unknown:
        raise ValidationError(f"Unknown OAuth settings: {', '.join(sorted(unknown))}.",
                              "See 'crm sync configure --help'.")
    settings = {**defaults(connector), **(current or {})}
    for key, value in given.items():
        if value is not None:
            settings[key] = value
    settings["scopes"] = parse_scopes(settings.get("scopes")) or []
    notes: list[str] = []
    name = connector.name
    for key in ("client_id", "client_secret"):
        if not settings.get(key):
            flag = "--" + key.replace("_", "-")
            raise ValidationError(f"The {key.replace('_', ' ')} is missing.",
                                  f"Give it with 'crm sync configure {name} {flag} ...' (the "
                                  f"values come from the app registered with {connector.label}).")
    missing = [s for s in connector.oauth.required_scopes if s not in settings["scopes"]]
    if missing:
        raise ValidationError(
            f"{connector.label} needs the scope{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; the settings were not saved.",
            f"Add it: --scopes \"{' '.join([*settings['scopes'], *missing])}\".")
    offline_scope = connector.oauth.offline_scope
    if offline_scope and offline_scope not in settings["scopes"]:
        if offline:
            settings["scopes"].append(offline_scope)
            notes.append(f"Added the scope {offline_scope}: without it there is no refresh token, "
                         "so no background sync.")
        else:
            notes.append(f"Warning: without the scope {offline_scope} there is no refresh token: "
                         "background sync stops when the access token expires, and you must sign "
                         "in again each time.")
    settings.setdefault("revoke_url", None)
    found = problems(load_schema(SCHEMA), settings)
    if found:
        raise ValidationError(_friendly(found[0], settings) + " The settings were not saved.",
                              "Correct it and run 'crm sync configure' again.")
    check_plain_http({"auth URL": settings["auth_url"], "token URL": settings["token_url"],
                      "API URL": settings["api_url"], "revoke URL": settings.get("revoke_url")},
                     allow_insecure_http, f"crm sync configure {name}")
    for key in ("auth_url", "token_url", "api_url", "revoke_url"):
        url = settings.get(key)
        if is_plain_http(url) and not is_loopback(url):
            notes.append(f"Warning: {key} uses plain http on another machine (allowed by "
                         "--allow-insecure-http): tokens and the client secret travel "
                         "unencrypted. Use https.")
    return settings, notes


def _friendly(problem: str, settings: dict[str, Any]) -> str:
    path, _, message = problem.partition(": ")
    key = path.removeprefix("$.").split(".")[0].split("[")[0]
    if key in URL_FIELDS and isinstance(settings.get(key), str):
        return f"{key} must be an http:// or https:// URL, not {settings[key]!r}."
    if key == "scopes":
        return f"The scopes are invalid ({message})."
    if key == "client_secret":
        return "The client secret is invalid (empty or too long)."
    return scrub(f"{key or 'The settings'}: {message}.", [settings.get("client_secret")])


def tokens_survive(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether tokens issued under ``old`` settings remain good under ``new``."""
    return all(old.get(k) == new.get(k) for k in TOKEN_BOUND)
