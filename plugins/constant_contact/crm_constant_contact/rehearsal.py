"""Connect a CRM user to a local sandbox exactly as a person would, minus the clicking.

Used by ``crm demo``, the sync tests and the benchmark: it saves the OAuth settings through the
core's ``configure`` and signs in through the core's real browser flow, with a "browser" that
follows the sandbox's auto-approved consent redirect to the CRM's loopback callback.
"""
from __future__ import annotations

import socket
from collections.abc import Callable

import requests

from crmcore.api import CRM
from crmcore.api import authorize, configure
from crmcore.api import User
from crmcore.api import set_http_options

CONNECTOR = "constant-contact"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def follow_redirects(url: str) -> bool:
    """A scripted browser: open the consent URL and follow redirects back to the CRM."""
    requests.get(url, allow_redirects=True, timeout=30)
    return True


def connect_to_sandbox(crm: CRM, user: User, sandbox, echo: Callable[[str], None] = lambda m: None,
                       **http: float | None) -> int:
    """Configure ``user``'s Constant Contact connection for ``sandbox``, sign in (auto-approve)
    and return the connection's id.

    The API client throttles like the sandbox does (not at all when its limits are off);
    ``http`` overrides other client settings (e.g. ``backoff_base`` for fast tests)."""
    configure(crm, user, CONNECTOR, client_id=sandbox.client_id,
              client_secret=sandbox.client_secret, auth_url=sandbox.auth_url,
              token_url=sandbox.token_url, revoke_url=sandbox.revoke_url,
              api_url=sandbox.api_url, redirect_uri=f"http://127.0.0.1:{free_port()}/callback",
              scopes="contact_data account_read offline_access")
    connection = authorize(crm, user, CONNECTOR, browser=True, timeout=30, echo=echo,
                           opener=follow_redirects)
    # throttle like the sandbox does (not at all when its limits are off)
    set_http_options(crm, connection.id, rate_per_second=sandbox.limits.per_second, **http)
    return connection.id
