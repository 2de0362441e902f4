"""The OAuth 2.0 server: authorize (consent page or auto-approve), token, revoke.

It behaves like Constant Contact's Okta-based server where a connector can notice: exact
redirect-URI match, ``state`` echoed, PKCE S256, single-use codes that expire, HTTP Basic client
authentication, refresh tokens only with ``offline_access``, both refresh-token modes, idle
expiry of refresh tokens and the documented ``invalid_grant`` body.

Rotation is per grant: refreshing invalidates every earlier refresh token that descends from the
same authorization, so two processes sharing one connection burn each other's token, as in the
field; a separate authorization (another user consent) keeps its own tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .http_types import Request, Response, json_response

AUTHORIZE_PATH = "/oauth2/default/v1/authorize"
TOKEN_PATH = "/oauth2/default/v1/token"
REVOKE_PATH = "/oauth2/default/v1/revoke"
KNOWN_SCOPES = ("contact_data", "campaign_data", "account_read", "account_update", "offline_access", "openid",
                "profile")
REFRESH_MODES = ("rotating", "long_lived")
_LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d{1,5})?(/[^#]*)?$")
BAD_REFRESH = "The refresh token is invalid or expired."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> Response:
    """The token endpoint's error body: ``{"error", "error_description"}``."""
    return json_response(status, {"error": error, "error_description": description}, headers)


def redirect(location: str) -> Response:
    return Response(302, b"", "", {"Location": location})


def _with_query(uri: str, params: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def html_page(status: int, title: str, body_html: str) -> Response:
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1>{body_html}</body></html>")
    return Response(status, page.encode(), "text/html; charset=utf-8")


class OAuthServer:
    """Clients, codes and tokens of one sandbox; the caller holds the sandbox lock."""

    def __init__(self, *, client_id: str, client_secret: str, redirect_uris: list[str] | None,
                 auto_approve: bool, refresh_mode: str, access_token_lifetime: float,
                 refresh_token_idle_expiry: float, auth_code_lifetime: float = 300.0) -> None:
        if refresh_mode not in REFRESH_MODES:
            raise ValueError(f"refresh_mode must be one of {REFRESH_MODES}")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.auto_approve = auto_approve
        self.refresh_mode = refresh_mode
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_idle_expiry = refresh_token_idle_expiry
        self.auth_code_lifetime = auth_code_lifetime
        self.issuer = ""
        self._signing_key = secrets.token_bytes(32)
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}

    # ----- authorize --------------------------------------------------------------------------
    def redirect_uri_allowed(self, uri: str) -> bool:
        """Exact match against the registered list, or any loopback URI when none is registered."""
        if self.redirect_uris is not None:
            return uri in self.redirect_uris
        return bool(_LOOPBACK.match(uri))

    def authorize(self, req: Request) -> Response:
        """GET shows the consent page (or approves at once); POST carries the user's decision."""
        params = dict(req.query)
        if req.method == "POST":
            params.update(dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)))
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if client_id != self.client_id:
            return html_page(400, "Invalid client", "<p>The client_id is not known to this sandbox.</p>")
        if not redirect_uri or not self.redirect_uri_allowed(redirect_uri):
            return html_page(400, "Invalid redirect URI",
                             "<p>The redirect_uri does not match one registered for this application.</p>")
        state = params.get("state")

        def fail(error: str, description: str) -> Response:
            out = {"error": error, "error_description": description}
            if state is not None:
                out["state"] = state
            return redirect(_with_query(redirect_uri, out))

        if params.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be code")
        scopes = params.get("scope", "").split()
        if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
            return fail("invalid_scope", "One or more scopes are not known")
        challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
        if challenge and method != "S256":
            return fail("invalid_request", "code_challenge_method must be S256")
        if method and not challenge:
            return fail("invalid_request", "code_challenge is required with code_challenge_method")
        if req.method == "GET" and not self.auto_approve:
            return self._consent_page(params, scopes)
        if req.method == "POST" and params.get("decision") != "allow":
            return fail("access_denied", "The resource owner denied the request")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"redirect_uri": redirect_uri, "scopes": scopes, "challenge": challenge,
                            "expires": time.time() + self.auth_code_lifetime}
        out = {"code": code}
        if state is not None:
            out["state"] = state
        return redirect(_with_query(redirect_uri, out))

    def _consent_page(self, params: dict[str, str], scopes: list[str]) -> Response:
        hidden = "".join(f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
                         for k, v in params.items() if k != "decision")
        items = "".join(f"<li>{html.escape(s)}</li>" for s in scopes)
        body = (f"<p>An application wants to access this sandbox account with these permissions:</p><ul>{items}</ul>"
                f"<form method='post' action='{AUTHORIZE_PATH}'>{hidden}"
                "<button type='submit' name='decision' value='allow'>Allow Access</button> "
                "<button type='submit' name='decision' value='deny'>Deny</button></form>")
        return html_page(200, "Constant Contact sandbox: authorize access", body)

    # ----- tokens -----------------------------------------------------------------------------
    def _client(self, req: Request, params: dict[str, str]) -> tuple[str | None, bool]:
        """(client_id, authenticated): HTTP Basic, or client_secret in the parameters, or a public client."""
        auth = req.header("Authorization")
        if auth.lower().startswith("basic "):
            try:
                cid, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except ValueError:
                return None, False
            ok = hmac.compare_digest(cid, self.client_id) and hmac.compare_digest(secret, self.client_secret)
            return (cid, True) if ok else (None, False)
        if "client_secret" in params:
            ok = (params.get("client_id") == self.client_id
                  and hmac.compare_digest(params["client_secret"], self.client_secret))
            return (self.client_id, True) if ok else (None, False)
        if params.get("client_id") == self.client_id:
            return self.client_id, False  # public client: only allowed with PKCE
        return None, False

    def token(self, req: Request) -> Response:
        params = _form_params(req)
        client, authenticated = self._client(req, params)
        if client is None:
            return oauth_error(401, "invalid_client", "Client authentication failed.",
                               {"WWW-Authenticate": 'Basic realm="sandbox"'})
        grant = params.get("grant_type")
        if grant == "authorization_code":
            return self._code_grant(params, authenticated)
        if grant == "refresh_token":
            return self._refresh_grant(params, authenticated)
        if not grant:
            return oauth_error(400, "invalid_request", "grant_type is required.")
        return oauth_error(400, "unsupported_grant_type", f"The grant type {grant} is not supported.")

    def _code_grant(self, params: dict[str, str], authenticated: bool) -> Response:
        code = params.get("code")
        if not code:
            return oauth_error(400, "invalid_request", "code is required.")
        grant = self.codes.pop(code, None)  # single use, even when the exchange fails
        if grant is None or grant["expires"] < time.time():
            return oauth_error(400, "invalid_grant", "The authorization code is invalid or has expired.")
        if params.get("redirect_uri") != grant["redirect_uri"]:
            return oauth_error(400, "invalid_grant", "The redirect_uri does not match the authorization request.")
        verifier = params.get("code_verifier")
        if grant["challenge"]:
            if not verifier or _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
                return oauth_error(400, "invalid_grant", "PKCE verification failed.")
        elif not authenticated:
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        family = secrets.token_hex(8)
        return json_response(200, self._issue(grant["scopes"], family, public=not authenticated),
                             {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _refresh_grant(self, params: dict[str, str], authenticated: bool) -> Response:
        token = params.get("refresh_token", "")
        record = self.refresh_tokens.get(token)
        now = time.time()
        if record is None or now - record["last_used"] > self.refresh_token_idle_expiry:
            self.refresh_tokens.pop(token, None)
            return oauth_error(400, "invalid_grant", BAD_REFRESH)
        if not authenticated and not record.get("public"):
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        if self.refresh_mode == "rotating":
            for other in [t for t, r in self.refresh_tokens.items() if r["family"] == record["family"]]:
                del self.refresh_tokens[other]
            return json_response(200, self._issue(record["scopes"], record["family"], public=record.get("public")),
                                 {"Cache-Control": "no-store"})
        record["last_used"] = now
        body = self._issue(record["scopes"], record["family"], refresh=False)
        body["refresh_token"] = token
        return json_response(200, body, {"Cache-Control": "no-store"})

    def _issue(self, scopes: list[str], family: str, *, refresh: bool = True, public: bool | None = False) -> dict:
        now = time.time()
        access = self._jwt({"iss": self.issuer, "aud": "sandbox-v3", "cid": self.client_id, "sub": "sandbox-user",
                            "scp": scopes, "iat": int(now), "exp": int(now + self.access_token_lifetime),
                            "jti": secrets.token_hex(8)})
        self.access_tokens[access] = {"scopes": scopes, "expires": now + self.access_token_lifetime}
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer",
                                "expires_in": int(self.access_token_lifetime), "scope": " ".join(scopes)}
        if refresh and "offline_access" in scopes:
            token = secrets.token_urlsafe(32)
            self.refresh_tokens[token] = {"scopes": scopes, "family": family, "last_used": now,
                                          "public": bool(public)}
            body["refresh_token"] = token
        if "openid" in scopes:
            body["id_token"] = self._jwt({"iss": self.issuer, "aud": self.client_id, "sub": "sandbox-user",
                                          "iat": int(now), "exp": int(now + 3600)})
        return body

    def _jwt(self, claims: dict[str, Any]) -> str:
        """A real-looking HS256 JWT; clients must treat it as opaque, as with the real service."""
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "sandbox"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def revoke(self, req: Request) -> Response:
        """RFC 7009: 200 whether or not the token was known, after client authentication."""
        params = _form_params(req)
        client, _ = self._client(req, params)
        if client is None:
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        token = params.get("token")
        if not token:
            return oauth_error(400, "invalid_request", "token is required.")
        self.refresh_tokens.pop(token, None)
        self.access_tokens.pop(token, None)
        return Response(200, b"", "")

    # ----- the resource server side ---------------------------------------------------------------
    def check_bearer(self, header: str) -> dict[str, Any] | None:
        """The token record for a valid, unexpired ``Bearer`` header, else None."""
        if not header[:7].lower() == "bearer ":
            return None
        record = self.access_tokens.get(header[7:].strip())
        if record is None or record["expires"] <= time.time():
            return None
        return record

    def expire_access_tokens(self) -> None:
        now = time.time()
        for record in self.access_tokens.values():
            record["expires"] = min(record["expires"], now - 1)

    def revoke_refresh_tokens(self) -> None:
        self.refresh_tokens.clear()

    def issue_direct(self, scopes: str) -> dict[str, Any]:
        """A token response without the browser dance (tests and scripted runs)."""
        wanted = scopes.split()
        unknown = [s for s in wanted if s not in KNOWN_SCOPES]
        if unknown:
            raise ValueError(f"unknown scopes: {unknown}")
        return self._issue(wanted, secrets.token_hex(8))

    def purge_expired(self) -> None:
        """Drop dead codes and access tokens so a long-running sandbox does not grow."""
        now = time.time()
        self.codes = {c: g for c, g in self.codes.items() if g["expires"] >= now}
        self.access_tokens = {t: r for t, r in self.access_tokens.items() if r["expires"] > now - 86400}

    def dump(self) -> dict[str, Any]:
        return {"access_tokens": self.access_tokens, "refresh_tokens": self.refresh_tokens,
                "signing_key": _b64(self._signing_key)}

    def load(self, data: dict[str, Any]) -> None:
        self.access_tokens = dict(data.get("access_tokens", {}))
        self.refresh_tokens = dict(data.get("refresh_tokens", {}))
        if data.get("signing_key"):
            key = data["signing_key"]
            self._signing_key = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


def _form_params(req: Request) -> dict[str, str]:
    """Token and revoke parameters, from the query string or the form body (both are allowed)."""
    params = dict(req.query)
    if req.body:
        params.update(dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)))
    return params
