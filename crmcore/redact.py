"""Redaction of secrets before anything is shown, logged or stored in the Debug Log.

Secrets are recognised by key name (``authorization``, ``access_token``, ``client_secret``,
``code``, ``password`` ...), by a schema mark (``"x-secret": true`` or ``"writeOnly": true``) and,
inside free text, by the ``Bearer <token>`` form. Known secret values (every secret of a
connection: client secret, access and refresh tokens, authorization code, PKCE verifier) are
scrubbed from any text with :func:`scrub` or a :class:`Secrets` set, in their plain, URL-encoded
and JSON-escaped forms, always before a text is truncated (a cut secret could not be recognised).
Bodies are truncated so a log stays readable.
"""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
BODY_LIMIT = 4096

SECRET_KEYS = frozenset({
    "authorization", "proxy_authorization", "cookie", "set_cookie", "access_token",
    "refresh_token", "id_token", "client_secret", "code", "code_verifier", "password", "token",
    "secret", "api_key", "x_api_key", "assertion", "client_assertion",
})
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


def _norm(key: str) -> str:
    return key.strip().lower().replace("-", "_")


def is_secret_key(key: Any, extra: Iterable[str] = ()) -> bool:
    """Whether a field, header or parameter named ``key`` holds a secret."""
    if not isinstance(key, str):
        return False
    name = _norm(key)
    return (name in SECRET_KEYS or name in {_norm(k) for k in extra}
            or name.endswith(("_token", "_secret", "_password")))


def secret_keys_from_schema(schema: Mapping[str, Any]) -> set[str]:
    """Property names a JSON Schema marks secret (``x-secret`` or ``writeOnly``), at any depth."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, Mapping) and (sub.get("x-secret") or sub.get("writeOnly")):
                    found.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def redact(value: Any, extra_keys: Iterable[str] = ()) -> Any:
    """A copy of ``value`` (dicts, lists, strings) with every secret replaced by ``[redacted]``."""
    extra = tuple(extra_keys)
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_secret_key(k, extra) and v not in (None, "")
                    else redact(v, extra)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, extra) for v in value]
    if isinstance(value, str):
        return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)
    return value


def redact_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``headers`` (``None``: empty) with Authorization, cookies and other secret-bearing
    values redacted."""
    return redact(dict(headers or {}))


def redact_url(url: str, extra_keys: Iterable[str] = ()) -> str:
    """The URL with secret query parameters and any password in it replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, REDACTED if is_secret_key(k, extra_keys) else v) for k, v in pairs],
                          safe="[]")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def truncate(text: str, limit: int = BODY_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how many more there were. Scrub secrets before
    calling it."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


def redact_body(body: Any, limit: int = BODY_LIMIT, extra_keys: Iterable[str] = (),
                secrets: "Secrets | Iterable[str | None]" = ()) -> str | None:
    """A request or response body as redacted, truncated text (JSON, form data or plain text).

    ``secrets``: known secret values, scrubbed from the text before it is truncated."""
    if body is None or body == b"" or body == "":
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    known = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
    if isinstance(body, str):
        body = known.scrub(body)
        try:
            decoded: Any = json.loads(body)
        except ValueError:
            decoded = None
        if decoded is None and "=" in body and " " not in body.strip():
            pairs = parse_qsl(body, keep_blank_values=True)
            if pairs:
                text = urlencode([(k, REDACTED if is_secret_key(k, extra_keys) else v)
                                  for k, v in pairs], safe="[]")
                return truncate(known.scrub(text), limit)
        if decoded is None:
            return truncate(redact(body), limit)
        body = decoded
    text = json.dumps(redact(body, extra_keys), ensure_ascii=False, default=str)
    return truncate(known.scrub(text), limit)


MIN_SECRET = 4  # shorter values are not scrubbed: they would match ordinary text


def _forms(secret: str) -> set[str]:
    """The ways a secret can appear in an echoed body: as is, URL-encoded (form or query) and
    JSON-escaped."""
    escaped = json.dumps(secret)[1:-1]
    forms = {secret, quote(secret, safe=""), quote_plus(secret), escaped,
             escaped.replace("/", "\\/"),  # JSON encoders that escape the slash
             json.dumps(secret, ensure_ascii=False)[1:-1]}
    return {f for f in forms if len(f) >= MIN_SECRET}


class Secrets:
    """The known secret values of one connection, growing as tokens are issued; thread-safe.

    ``scrub(text)`` replaces each of them (and ``Bearer``/``Basic`` values) with ``[redacted]``;
    ``scrub_value(value)`` does it at any depth of decoded JSON (keys and values).
    """

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._forms: list[str] = []
        self.add(*values)

    def add(self, *values: str | None) -> None:
        """Remember more secret values (None, empty and very short values are ignored)."""
        with self._lock:
            fresh = [v for v in values
                     if isinstance(v, str) and len(v) >= MIN_SECRET and v not in self._values]
            if not fresh:
                return
            self._values.update(fresh)
            forms = set(self._forms)
            for value in fresh:
                forms |= _forms(value)
            # longest first, so a secret that contains another is replaced whole
            self._forms = sorted(forms, key=len, reverse=True)

    def __contains__(self, value: object) -> bool:
        with self._lock:
            return value in self._values

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def __repr__(self) -> str:  # never the values
        return f"Secrets({len(self)} values)"

    def scrub(self, text: str) -> str:
        """``text`` with every known secret (in any of its forms) and Bearer value replaced."""
        with self._lock:
            forms = self._forms
        for form in forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return redact(text)

    def scrub_value(self, value: Any) -> Any:
        """A copy of decoded JSON (dicts, lists, strings) with the known secrets scrubbed."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, Mapping):
            return {(self.scrub(k) if isinstance(k, str) else k): self.scrub_value(v)
                    for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub_value(v) for v in value]
        return value


def scrub(text: str, secrets: "Secrets | Iterable[str | None]") -> str:
    """``text`` with every occurrence of the given secret values (plain, URL-encoded or
    JSON-escaped) and of Bearer values replaced. Scrub first, truncate after."""
    known = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
    return known.scrub(text)
