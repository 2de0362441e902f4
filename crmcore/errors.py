"""Errors that tell the user who must act and how.

Every error raised to a user carries a ``hint``: the next step, usually a command to run. The CLI
prints ``Error: <message>`` then the hint, and exits non-zero; nothing else needs to format them.
"""
from __future__ import annotations


class CrmError(Exception):
    """A failure the user can do something about."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class NotFound(CrmError):
    """A named thing (user, record, extension, connection) does not exist."""


class PermissionDenied(CrmError):
    """The acting user lacks a right; raised by the core services, not only the CLI."""

    exit_code = 3


class ValidationError(CrmError):
    """Input broke a rule (schema, mandatory field, format); nothing was saved."""

    exit_code = 2


class NotInitialised(CrmError):
    """The CRM has no database yet."""


class DatabaseUnavailable(CrmError):
    """The database cannot be opened or refused an operation; says which setting to check."""

    @classmethod
    def from_exception(cls, exc: Exception, where: str) -> "DatabaseUnavailable":
        """A :class:`DatabaseUnavailable` for a driver error ``exc`` met while opening ``where``:
        its first line only (never the SQL statement), with the fix to try."""
        orig = getattr(exc, "orig", None)
        reason = str(orig if orig is not None else exc).strip().splitlines()
        reason_text = reason[0] if reason else type(exc).__name__  # never the SQL statement
        return cls(f"The database {where} cannot be used: {reason_text}",
                   "Check CRM_DATABASE_URL (or CRM_HOME for the default SQLite file), that the "
                   "database server is running, and that its driver is installed "
                   "(PostgreSQL: pip install 'crm[postgres]').")
