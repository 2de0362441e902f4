"""Which plain-http addresses the CRM may talk to, decided per URL and per call.

OAuth 2.0 requires TLS for every endpoint (RFC 6749 section 3.1, 3.2; RFC 6750 section 5.3). The
one exception is a loopback address (RFC 8252 section 8.3: traffic that never leaves the machine),
which is what a local sandbox uses. Any other ``http://`` URL is refused unless the connection was
configured with ``--allow-insecure-http``. Nothing here changes the process environment (the
``OAUTHLIB_INSECURE_TRANSPORT`` switch would allow plain http for every call of the process).
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from crmcore.errors import ValidationError

LOOPBACK_NAMES = {"localhost"}


class InsecureTransport(ValidationError):
    """A plain-http URL on another machine, without the explicit opt-in."""


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_plain_http(url: str | None) -> bool:
    """Whether ``url`` uses the plain ``http`` scheme (``False`` for ``None`` or empty)."""
    return bool(url) and urlsplit(url).scheme.lower() == "http"


def check_plain_http(urls: Mapping[str, str | None], allow_insecure: bool,
                     fix: str = "crm sync configure CONNECTOR") -> None:
    """Raise :class:`InsecureTransport` for the first ``http://`` URL (``{label: url}``) that is
    not on a loopback address, unless ``allow_insecure``."""
    if allow_insecure:
        return
    for label, url in urls.items():
        if is_plain_http(url) and not is_loopback(url):
            raise InsecureTransport(
                f"The {label} {url} uses plain http on another machine: tokens and the client "
                "secret would travel unencrypted, so it is refused.",
                f"Use an https:// URL ('{fix} --{_flag(label)} https://...'), or, only on a "
                f"network you trust, add --allow-insecure-http to '{fix}'.")


def _flag(label: str) -> str:
    return {"API URL": "api-url", "token URL": "token-url", "auth URL": "auth-url",
            "revoke URL": "revoke-url"}.get(label, "api-url")


def as_https(url: str) -> str:
    """``url`` with an ``http`` scheme written ``https`` (for a library's https-only check; a
    :class:`PlainHttpAdapter` mounted for it sends the request as plain http all the same)."""
    return "https" + url[4:] if is_plain_http(url) else url


def as_http(url: str) -> str:
    """``url`` with an ``https`` scheme written ``http`` again (the reverse of :func:`as_https`).
    """
    return "http" + url[5:] if url.lower().startswith("https://") else url


class PlainHttpAdapter(HTTPAdapter):
    """Sends requests addressed to ``https://host:port`` as plain http to the same host: mounted
    on one session for one allowed plain-http origin, so the allowance never outlives the call."""

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[override]
        """Send ``request`` as plain http to the same host and port (see the class)."""
        request.url = as_http(request.url or "")
        return super().send(request, **kwargs)


def mount_plain_http(session: requests.Session, *urls: str | None) -> None:
    """Let ``session`` reach the plain-http ``urls`` given to it as :func:`as_https` URLs."""
    for url in urls:
        if is_plain_http(url):
            parts = urlsplit(as_https(url))
            session.mount(f"{parts.scheme}://{parts.netloc}/", PlainHttpAdapter())
