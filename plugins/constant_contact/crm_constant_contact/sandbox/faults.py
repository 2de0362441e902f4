"""Faults on demand, so tests can prove a connector survives what the real service does.

Rules are consumed in the order they were added; each applies to the next requests whose path
starts with its prefix (any path when the prefix is None). A failed request is refused before it
reaches the handlers, so it has no effect; a dropped one closes the connection without an answer,
before the handler runs unless ``after_processing`` asks to lose the answer of a request that
did take effect. An echo answers with an error body that repeats every secret the request carried
(as careless servers do); a header rule adds headers to a normal answer (as a proxy might).
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl

from .http_types import Request

# request parameters whose values are secrets (OAuth 2.0: RFC 6749 4.1.3, 6; RFC 7636 4.5)
SECRET_PARAMS = ("client_secret", "code", "code_verifier", "refresh_token", "access_token",
                 "token", "assertion")

DEFAULT_BODIES: dict[int, Any] = {
    401: {"error_key": "unauthorized", "error_message": "Unauthorized"},
    429: {"error_key": "throttled", "error_message": "Too Many Requests"},
}


def default_body(status: int) -> Any:
    if status in DEFAULT_BODIES:
        return DEFAULT_BODIES[status]
    return [{"error_key": "server_error" if status >= 500 else "client_error",
             "error_message": f"Injected fault: HTTP {status}"}]


@dataclass
class FaultRule:
    remaining: int
    path: str | None
    action: str  # "fail", "drop", "echo", "headers" or "hang"
    status: int = 500
    body: Any = None
    after_processing: bool = False
    headers: list[tuple[str, str]] = field(default_factory=list)
    error: str = "invalid_request"  # echo: the OAuth error code on the token endpoints
    pad: int = 0  # echo: filler characters before the echoed secrets
    seconds: float = 0.0  # how long a "hang" holds the request before answering it normally

    def matches(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path)


class Faults:
    """The fault switches of one sandbox (``sb.faults``)."""

    def __init__(self, expire_access_tokens: Callable[[], None], revoke_refresh_tokens: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.latency: float = 0.0
        self._expire = expire_access_tokens
        self._revoke = revoke_refresh_tokens
        self.echoed: list[str] = []  # every secret value an echo rule sent back

    def fail_next(self, n: int, status: int = 500, path: str | None = None, body: Any = None) -> None:
        """The next ``n`` matching requests answer ``status`` with ``body`` (a fitting default)."""
        with self._lock:
            self._rules.append(FaultRule(n, path, "fail", status, default_body(status) if body is None else body))

    def drop_next(self, n: int, path: str | None = None, after_processing: bool = False) -> None:
        """The next ``n`` matching requests get their connection closed without a response."""
        with self._lock:
            self._rules.append(FaultRule(n, path, "drop", after_processing=after_processing))

    def echo_secrets_next(self, n: int, path: str | None = None, status: int = 400,
                          error: str = "invalid_request", pad: int = 0) -> None:
        """The next ``n`` matching requests are refused with ``status`` and an error body that
        repeats the secrets they carried: the bearer token, the HTTP Basic client secret and the
        secret parameters (``code``, ``code_verifier``, ``refresh_token``, ``client_secret``...),
        decoded and as sent, after ``pad`` filler characters. OAuth paths answer
        ``{"error", "error_description"}`` (``error`` as given), the API its error array.
        The values sent back are added to ``echoed``."""
        with self._lock:
            self._rules.append(FaultRule(n, path, "echo", status, error=error, pad=pad))

    def add_headers_next(self, n: int, headers: list[tuple[str, str]], path: str | None = None) -> None:
        """The next ``n`` matching requests are answered normally, with ``headers`` added (a
        name may repeat one the sandbox sends, such as a second ``Date``)."""
        with self._lock:
            self._rules.append(FaultRule(n, path, "headers", headers=list(headers)))

    def echo_body(self, rule: FaultRule, req: Request) -> Any:
        """The error body of an echo rule for ``req`` (records the secrets it repeats)."""
        found: list[str] = []
        auth = req.header("Authorization")
        scheme, _, credential = auth.partition(" ")
        if scheme.lower() == "bearer" and credential:
            found.append(credential.strip())
        elif scheme.lower() == "basic" and credential:
            try:
                _, _, secret = base64.b64decode(credential.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                secret = ""
            if secret:
                found.append(secret)
        raw = req.body.decode("utf-8", "replace") if req.body else ""
        params = [*req.query.items(), *parse_qsl(raw, keep_blank_values=True)]
        found += [value for name, value in params if name in SECRET_PARAMS and value]
        with self._lock:
            self.echoed.extend(found)
        text = ("x" * rule.pad + " Rejected request carrying " + ", ".join(found)
                + f" (Authorization: {auth}; body: {raw})")
        if "/oauth2/" in req.path:
            return {"error": rule.error, "error_description": text}
        return [{"error_key": "echo", "error_message": text}]

    def hang_next(self, n: int, seconds: float, path: str | None = None) -> None:
        """The next ``n`` matching requests wait ``seconds`` before being answered as usual
        (a remote that stops answering for a while)."""
        with self._lock:
            self._rules.append(FaultRule(n, path, "hang", seconds=seconds))

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is expired from now on (the API answers 401)."""
        self._expire()

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far stops working (``invalid_grant``)."""
        self._revoke()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.latency = 0.0

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(r.remaining for r in self._rules)

    def take(self, path: str) -> FaultRule | None:
        """The rule that applies to this request, consuming one use of it."""
        with self._lock:
            for rule in self._rules:
                if rule.remaining > 0 and rule.matches(path):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule
            return None
