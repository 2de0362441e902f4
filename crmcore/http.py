"""The generic API client connectors call: bearer tokens, throttling, retries, error mapping.

One keep-alive ``requests.Session`` per client. Every call has a timeout, is throttled under
``rate_per_second``, retried with exponential backoff and jitter on 429 (unless the connector says
the daily quota is used up), 5xx and dropped connections, and refreshed once on a 401. Errors
become :class:`ApiError` subclasses whose message says what to do; no message, body, repr or
Debug Log entry contains a secret the client knows (its token source's ``secrets``: every token
and the client secret), even when the service echoes one back. A link the service returns is
followed only on the API's own origin: the bearer token never goes anywhere else.
"""
from __future__ import annotations

import collections
import dataclasses
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from crmcore.errors import CrmError
from crmcore.jsonbody import decode_json_body, encode_json_body
from crmcore.redact import Secrets, redact_body, redact_url
from crmcore.service_clock import ServiceClock
from crmcore.transport import check_plain_http, is_loopback

_ID_SEGMENT = re.compile(
    r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{16,}|[A-Za-z0-9_-]{24,})$")
_IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}


class ApiError(CrmError):
    """The remote API refused or failed a call; ``body`` is its decoded answer (or None)."""

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = None,
                 error_key: str | None = None, body: Any = None) -> None:
        super().__init__(message, hint)
        self.status = status
        self.error_key = error_key
        self.body = body

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, error_key={self.error_key!r})"


class RateLimited(ApiError):
    """429 (too many requests) after the retries were used up."""


class QuotaExhausted(ApiError):
    """The remote quota is used up: stop the run cleanly and resume later."""


class TransientError(ApiError):
    """5xx or a dropped connection after the retries were used up: try again later."""


class TokenSource(Protocol):
    """Where an :class:`ApiClient` gets its bearer tokens. A source may also carry ``secrets``
    (a :class:`crmcore.redact.Secrets`): every value the client must never show."""

    def access_token(self) -> str:
        """A valid access token, refreshed first if it is near expiry."""
        ...

    def refresh_after_unauthorized(self, used: str) -> str:
        """Called once on a 401 with the token that was refused; returns a fresh one or raises
        ``ReauthorizationRequired``."""
        ...


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(error code, message) from a decoded error body in a standard shape, else (None, None):
    OAuth 2.0 ``{"error", "error_description"}`` (RFC 6749 section 5.2) or problem details
    ``{"type", "title", "detail"}`` (RFC 9457). A service's own shape is its connector's
    ``parse_error``."""
    if not isinstance(body, dict):
        return None, None
    key = body.get("error") if isinstance(body.get("error"), str) else None
    message = next((body[k] for k in ("error_description", "detail", "title")
                    if isinstance(body.get(k), str)), None)
    return key, message


class ApiResponse:
    """A response as received (``ApiClient.request(..., raw=True)``): ``status`` (int),
    ``headers`` (case-insensitive mapping; a repeated header's values joined by ", ") and
    ``body`` (bytes, possibly empty)."""

    def __init__(self, status: int, headers: Any, body: bytes, header_lists: Any = None) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self._lists = header_lists

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; raises ``ValueError`` when it is not."""
        return decode_json_body(self.body)

    def header_list(self, name: str) -> list[str]:
        """Every value of header ``name`` as received (repeated headers kept apart)."""
        if self._lists is not None and hasattr(self._lists, "getlist"):
            return [str(v).strip() for v in self._lists.getlist(name)]
        value = self.headers.get(name)
        return [value.strip()] if isinstance(value, str) else []

    def __repr__(self) -> str:
        return f"ApiResponse(status={self.status}, {len(self.body)} bytes)"


@dataclasses.dataclass(frozen=True)
class HttpDefaults:
    """How a connector's :class:`ApiClient` behaves unless the connection's ``http`` option says
    otherwise (``Connector.http_defaults``; ``crmcore.api.set_http_options`` overrides per key).

    ``rate_per_second``: the most requests per second the client sends (None: no throttle, for a
    server without a published limit). ``timeout``: seconds for connecting and for each read.
    ``max_retries``: retries of a 429, a 5xx or a dropped connection, each after an exponential
    backoff with jitter from ``backoff_base`` seconds up to ``backoff_max`` seconds.

    The defaults (4 requests/s, 30 s, 5 retries, 0.5 s to 30 s) are what a connector that declares
    nothing gets. Raises ``ValueError`` for a rate, timeout or backoff that is not positive, or a
    negative retry count."""

    rate_per_second: float | None = 4.0
    timeout: float = 30.0
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        positive = {"timeout": self.timeout, "backoff_base": self.backoff_base,
                    "backoff_max": self.backoff_max}
        if self.rate_per_second is not None:
            positive["rate_per_second"] = self.rate_per_second
        bad = [name for name, value in positive.items() if not value > 0]
        bad += ["max_retries"] if self.max_retries < 0 else []
        if bad:
            raise ValueError(f"HttpDefaults: {', '.join(bad)} out of range (rates, timeouts and "
                             "backoffs are positive; retries 0 or more).")

    def client_options(self) -> dict[str, Any]:
        """The settings as :class:`ApiClient` keyword arguments."""
        return dataclasses.asdict(self)


_DEFAULTS = HttpDefaults()


class _Throttle:
    """A minimum interval between requests, shared by the client's threads.

    The interval has a 10% margin: services count requests in a sliding second, and network
    jitter can bring five requests spaced exactly 0.25 s apart into one such second.
    """

    MARGIN = 1.1

    def __init__(self, rate_per_second: float | None, sleep: Callable[[float], None]) -> None:
        self.interval = self.MARGIN / rate_per_second if rate_per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            self._sleep(delay)


class ApiClient:
    """An authenticated client of one remote API (``base_url``), safe to share between threads.

    ``tokens`` supplies the credentials: an object with ``access_token()`` and
    ``refresh_after_unauthorized(used)`` (OAuth bearer tokens), and optionally
    ``apply(secret, headers, params)`` to place them otherwise (Basic, an API key); None sends
    none. ``parse_error(status, body, headers)``: the connector's reading of an error body.

    ``rate_per_second``, ``timeout``, ``max_retries``, ``backoff_base``, ``backoff_max``: see
    :class:`HttpDefaults` (whose defaults these are). A plain ``http://`` base URL is
    refused (:class:`crmcore.errors.CrmError`) unless it is on a loopback address or
    ``allow_insecure_http`` is set.

    :attr:`service_clock` (a :class:`crmcore.service_clock.ServiceClock`) learns the service's
    clock from the ``Date`` header of every answer the client returns (RFC 9110 section 6.6.1),
    timed by the local monotonic clock around the exchange."""

    def __init__(self, base_url: str, tokens: TokenSource, *,
                 rate_per_second: float | None = _DEFAULTS.rate_per_second,
                 max_retries: int = _DEFAULTS.max_retries, timeout: float = _DEFAULTS.timeout,
                 backoff_base: float = _DEFAULTS.backoff_base,
                 backoff_max: float = _DEFAULTS.backoff_max,
                 is_quota_exhausted: Callable[[int, Any], bool] = lambda s, b: False,
                 on_exchange: Callable[[dict], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 allow_insecure_http: bool = False,
                 parse_error: Callable[[int, bytes, Any], str | None] | None = None) -> None:
        check_plain_http({"API URL": base_url}, allow_insecure_http)
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/")
        self.tokens = tokens
        found = getattr(tokens, "secrets", None)
        self.secrets: Secrets = found if isinstance(found, Secrets) else Secrets()
        self.rate_per_second = rate_per_second
        self.max_retries = max_retries
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.is_quota_exhausted = is_quota_exhausted
        self.parse_error = parse_error
        self.on_exchange = on_exchange
        self._sleep = sleep
        self._throttle = _Throttle(rate_per_second, sleep)
        self._session = requests.Session()
        self._count_lock = threading.Lock()
        self.requests_made = 0
        self.by_endpoint: collections.Counter = collections.Counter()
        self.service_clock = ServiceClock()

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r}, requests_made={self.requests_made})"

    # -- addressing -----------------------------------------------------------------------------

    def url_for(self, path: str) -> str:
        """``path`` relative to ``base_url``; a host-relative href that starts with the base
        path (``/v3/contacts?cursor=...``); or an absolute URL on the API's own origin.

        Raises :class:`ApiError` for an absolute URL elsewhere (a link in an answer must not
        carry the bearer token to another host)."""
        if path.startswith(("http://", "https://")) or path.startswith("//"):
            parts = urlsplit(path)
            if f"{parts.scheme}://{parts.netloc}".lower() != self._origin.lower():
                raise ApiError(
                    f"The remote service sent a link to another address ({parts.scheme}://"
                    f"{parts.hostname or '?'}); it was not followed, so the access token stays "
                    "with the API.",
                    "Nothing was written from that answer. If it persists, report it with the "
                    "Debug Log.")
            return path
        if path.startswith("/") and self._base_path and (
                path == self._base_path or path.startswith(self._base_path + "/")
                or path.startswith(self._base_path + "?")):
            return self._origin + path
        return f"{self.base_url}/{path.lstrip('/')}"

    def endpoint(self, method: str, url: str) -> str:
        """``"GET /contacts/{id}"``: path below the base, query stripped, ids collapsed."""
        path = urlsplit(url).path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path):]
        segments = ["{id}" if _ID_SEGMENT.match(s) else s for s in path.split("/")]
        return f"{method.upper()} {'/'.join(segments) or '/'}"

    # -- calls ----------------------------------------------------------------------------------

    def get(self, path: str, params: dict | None = None) -> Any:
        """GET ``path`` and return the decoded JSON (or text; None when empty)."""
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any) -> Any:
        """POST ``json`` to ``path`` and return the decoded answer."""
        return self.request("POST", path, json=json)

    def put(self, path: str, json: Any) -> Any:
        """PUT ``json`` to ``path`` and return the decoded answer."""
        return self.request("PUT", path, json=json)

    def delete(self, path: str) -> None:
        """DELETE ``path``."""
        self.request("DELETE", path)

    def request(self, method: str, path_or_url: str, *, json: Any = None,
                data: bytes | str | None = None, headers: dict[str, str] | None = None,
                params: dict | None = None, raw: bool = False,
                expect: tuple[int, ...] = ()) -> Any:
        """Send one authenticated request and return its answer.

        ``method``: any HTTP method (WebDAV's ``PROPFIND``, ``REPORT`` included).
        ``path_or_url``: see :meth:`url_for`. ``json``: a body sent as JSON; ``data``: a raw body
        (bytes, or str sent as UTF-8: XML, a vCard), with its ``Content-Type`` in ``headers``.
        ``headers`` are added to the authentication header. Returns the decoded JSON (the text
        when it is not JSON, None when empty), or with ``raw=True`` the :class:`ApiResponse`.
        2xx answers and the statuses in ``expect`` (e.g. 207, 404, 412) are returned; any other
        raises :class:`ApiError` (:class:`RateLimited`, :class:`QuotaExhausted`,
        :class:`TransientError` after retries), worded with the connector's ``parse_error``.
        A 401 refreshes the token once (OAuth) or raises the credentials source's error."""
        response = self._call(method, path_or_url, params=params, json=json, data=data,
                              headers=headers, expect=expect)
        if raw:
            return ApiResponse(response.status_code, response.headers, response.content,
                               getattr(getattr(response, "raw", None), "headers", None))
        return _decode(response)

    def _call(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
              data: bytes | str | None = None, headers: dict[str, str] | None = None,
              expect: Sequence[int] = ()) -> requests.Response:
        method = method.upper()
        url = self.url_for(path)
        secrets = self.secrets
        label = self.endpoint(method, url)
        retries = 0
        refreshed = False
        while True:
            self._throttle.wait()
            token = self.tokens.access_token() if self.tokens is not None else ""
            if token:
                secrets.add(token)
            started = time.monotonic()
            try:
                response = self._send(method, url, token, params, json, data, headers)
                received = time.monotonic()
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._count(label)
                self._report(method, url, params, json if data is None else data, None, started)
                may_retry = (isinstance(exc, requests.ConnectionError)
                             and not isinstance(exc, requests.ReadTimeout)) or method in _IDEMPOTENT
                if may_retry and retries < self.max_retries:
                    retries += 1
                    self._sleep(self._backoff(retries))
                    continue
                raise self._unreachable(exc, label, retries) from None
            self._count(label)
            self._report(method, url, params, json if data is None else data, response, started)
            status = response.status_code
            if 200 <= status < 300 or status in expect:
                self.service_clock.observe_answer(_header_values(response, "Date"), started,
                                                  received, cached="Age" in response.headers)
                return response
            body = _body(response)
            if status == 401 and not refreshed and self.tokens is not None:
                refreshed = True
                self.tokens.refresh_after_unauthorized(token)
                continue
            if self.is_quota_exhausted(status, body):
                raise self._error(QuotaExhausted, status, body, label, token, response=response)
            if (status == 429 or status >= 500) and retries < self.max_retries:
                retries += 1
                self._sleep(self._backoff(retries))
                continue
            if status == 429:
                raise self._error(RateLimited, status, body, label, token, retries, response)
            if status >= 500:
                raise self._error(TransientError, status, body, label, token, retries, response)
            raise self._error(ApiError, status, body, label, token, response=response)

    def close(self) -> None:
        self._session.close()

    # -- internals ------------------------------------------------------------------------------

    def _send(self, method: str, url: str, token: str, params: dict | None, json: Any,
              data: bytes | str | None = None,
              extra: dict[str, str] | None = None) -> requests.Response:
        headers = {"Accept": "application/json"}
        apply = getattr(self.tokens, "apply", None)
        if apply is not None:  # Basic, an API key, nothing: the credentials source says how
            params = dict(params or {})
            apply(token, headers, params)
            params = params or None
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        if json is not None:
            headers["Content-Type"] = "application/json"
            if data is None:  # as requests did: data, when given, is the body
                data = encode_json_body(json)  # not requests' json=: the standard library's
        if extra:
            headers.update(extra)
        if isinstance(data, str):
            data = data.encode("utf-8")
        return self._session.request(method, url, params=params, data=data,
                                     headers=headers, timeout=self.timeout, allow_redirects=False)

    def _unreachable(self, exc: Exception, label: str, retries: int) -> TransientError:
        host = urlsplit(self._origin).netloc
        if isinstance(exc, requests.ReadTimeout):
            return TransientError(
                f"{host} accepted the connection but sent no answer to {label} within "
                f"{self.timeout:g} s (read timeout, after {retries} retries).",
                "The service is slow or hanging (this is not a network failure): run the sync "
                "again later; the run resumes where it stopped.")
        if is_loopback(self._origin):
            hint = ("Nothing listens there: start the local service (a sandbox, say), or point "
                    "the connection elsewhere with 'crm sync configure ... --api-url URL'.")
        else:
            hint = "Check the network connection and run the sync again later."
        return TransientError(f"Could not reach {host} for {label} "
                              f"({type(exc).__name__}, after {retries} retries).", hint)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _count(self, label: str) -> None:
        with self._count_lock:
            self.requests_made += 1
            self.by_endpoint[label] += 1

    def _report(self, method: str, url: str, params: dict | None, json: Any,
                response: requests.Response | None, started: float) -> None:
        if self.on_exchange is None:
            return
        full = response.request.url if response is not None and response.request else url
        if params and response is None:
            full = requests.Request(method, url, params=params).prepare().url or url
        secrets = self.secrets
        self.on_exchange({
            "method": method,
            "url": secrets.scrub(redact_url(full)),
            "status": response.status_code if response is not None else None,
            "request": redact_body(json, secrets=secrets),
            "response": (redact_body(response.content, secrets=secrets) if response is not None
                         else "(no response: the connection failed or timed out)"),
            "elapsed_ms": int((time.monotonic() - started) * 1000),
        })

    def _error(self, cls: type[ApiError], status: int, body: Any, label: str, token: str,
               retries: int = 0, response: requests.Response | None = None) -> ApiError:
        secrets = self.secrets
        if token:
            secrets.add(token)
        body = secrets.scrub_value(body)  # the service may echo a secret: scrub before anything
        if isinstance(body, str):
            body = body[:2000]
        key, remote = error_details(body)
        if self.parse_error is not None and response is not None:
            try:
                own = self.parse_error(status, response.content or b"", response.headers)
            except Exception:  # a parser tripping on a strange body must not hide the error
                own = None
            if own:
                remote = secrets.scrub(str(own))
        said = remote[:500] if remote else None
        detail = f": {said}" if said else ""
        hint = getattr(self.tokens, "reauthorize_hint", None) or "Sign in to the service again."
        if cls is QuotaExhausted:
            message = f"The remote service's request quota is used up ({label}{detail})."
            hint = "The run stopped cleanly; run it again after the quota resets."
        elif cls is RateLimited:
            message = (f"The remote service kept answering 429 (too many requests) to {label} "
                       f"after {retries} retries{detail}.")
            hint = "Wait a few minutes, then run the sync again."
        elif cls is TransientError:
            message = (f"The remote service failed with {status} on {label} "
                       f"after {retries} retries{detail}.")
            hint = "This is usually temporary: run the sync again later."
        elif status == 400:
            message = f"The remote service refused the data: {said or 'no reason given'} ({label})."
            hint = "Correct the record's values (see the field limits) and sync again."
        elif status == 401:
            message = f"The remote service refused the access token for {label}, even after a refresh."
        elif status == 403:
            message = (f"The remote service refused {label}: the sign-in lacks a scope or the "
                       f"account lacks a privilege{detail}.")
            hint = f"Check the scopes in the connector's settings, then sign in again. {hint}"
        elif status == 404:
            message = f"Not found on the remote service: {label}{detail}."
            hint = "The record may have been removed there; sync again to refresh the links."
        elif status == 409:
            message = f"The remote service reports a conflict on {label}{detail}."
            hint = "Sync again; if it persists, resolve the duplicate on the remote side."
        else:
            message = f"The remote service answered {status} to {label}{detail}."
            hint = "Check the connector's settings; if it persists, report it with the Debug Log."
        return cls(message, hint, status=status, error_key=key, body=body)


def _header_values(response: requests.Response, name: str) -> list[str]:
    """Every value of header ``name`` as received (repeated headers kept apart)."""
    raw = getattr(getattr(response, "raw", None), "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return [str(v) for v in raw.getlist(name)]
    value = response.headers.get(name)
    return [value] if isinstance(value, str) else []


def _body(response: requests.Response) -> Any:
    if not response.content:
        return None
    return _json_or_text(response)  # whole text: secrets are scrubbed before it is cut


def _decode(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    return _json_or_text(response)


def _json_or_text(response: requests.Response) -> Any:
    """The answer's JSON, else its text. UTF-8 (what RFC 8259 requires) is decoded by orjson;
    any other encoding by ``requests``, which guesses it from the bytes."""
    try:
        return decode_json_body(response.content)
    except ValueError:
        pass
    try:
        return response.json()
    except ValueError:
        return response.text
