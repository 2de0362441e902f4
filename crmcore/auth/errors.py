"""Errors of the OAuth flow and the token store; each names the command that fixes it."""
from __future__ import annotations

from crmcore.errors import CrmError


def authorize_hint(connector: str) -> str:
    """The next step after a lost sign-in: the command that signs ``connector`` in again."""
    return f"Run 'crm sync authorize {connector}' to sign in again."


class NotSignedIn(CrmError):
    """The connection has no tokens (configured, or never configured)."""


class ReauthorizationRequired(CrmError):
    """The remote service no longer accepts the connection's refresh token: a person must sign in."""

    exit_code = 4

    def __init__(self, connector: str, reason: str | None = None) -> None:
        why = f" ({reason})" if reason else ""
        super().__init__(f"The {connector} connection needs re-authorization: the remote service "
                         f"no longer accepts its sign-in{why}. Syncs are stopped until then.",
                         authorize_hint(connector))
        self.connector = connector


class SignInFailed(CrmError):
    """Sign-in did not finish (denied, forged or stale answer, timeout, token endpoint refused);
    nothing was saved."""

    exit_code = 5
