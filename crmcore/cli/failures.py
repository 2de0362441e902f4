"""Turning failures from below the commands into errors that name the fix, never a traceback.

:func:`explain` maps what the operating system, the database driver or Python itself raised to a
:class:`CrmError` with a next step:

- a read-only or full CRM home (``PermissionError``, ``EROFS``, ``ENOSPC``; SQLite's "attempt to
  write a readonly database" and "database or disk is full");
- a number too large for the database (SQLite's ``OverflowError``, PostgreSQL's "out of range");
- text that is not UTF-8 (an environment variable Python decoded with surrogate escapes);
- anything else the database refuses: :class:`DatabaseUnavailable`, naming the setting to check.

:func:`undecodable_argument` finds a command-line argument that was not UTF-8 (Python keeps such
bytes as lone surrogates, which no database or terminal accepts) or that holds a NUL character.
"""
from __future__ import annotations

import errno
import shutil
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, SQLAlchemyError

from crmcore.errors import CrmError, DatabaseUnavailable, ValidationError

MAX_INTEGER = 2**63 - 1  # the largest integer SQLite and PostgreSQL (bigint) store
_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)
_FULL = (errno.ENOSPC, errno.EDQUOT)
FULL_BELOW = 256 * 1024  # bytes free under which a disk counts as full


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _where(database_url: str | None) -> str:
    """The SQLite file's path, else the URL without its password."""
    if not database_url:
        return "?"
    if "://" not in database_url:
        return database_url
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return url.database.removeprefix("file:")
    return url.render_as_string(hide_password=True)


def read_only(path: str) -> CrmError:
    """The error for a read-only database or CRM home at ``path``, naming the fix."""
    if "://" in path:
        return CrmError(f"The database {path} is read-only: the CRM cannot write there.",
                        "Point CRM_DATABASE_URL at a database this user may write to (not a "
                        "read-only replica), then run the command again.")
    return CrmError(f"{path} is read-only: the CRM cannot write there.",
                    f"Make it writable for this user (e.g. 'chmod u+w {path}' and its directory), "
                    "or point CRM_HOME (or CRM_DATABASE_URL) at a writable place.")


def disk_full(path: str) -> CrmError:
    """The error for a full disk under ``path``, naming the fix."""
    return CrmError(f"The disk holding {path} is full; nothing more could be written.",
                    "Free some space there (or point CRM_HOME at another disk) and run the "
                    "command again.")


def _sqlite_disk_full(database_url: str | None) -> bool:
    """Whether the disk holding a SQLite database file has (almost) no room left: SQLite then
    reports a "disk I/O error" when it cannot create its journal."""
    if not database_url or not database_url.startswith("sqlite"):
        return False
    database = _where(database_url)
    if database == ":memory:" or "://" in database:
        return False
    try:
        return shutil.disk_usage(Path(database).parent).free < FULL_BELOW
    except OSError:
        return False


def explain(exc: BaseException, database_url: str | None, home: str | None) -> CrmError | None:
    """The :class:`CrmError` for ``exc``, or None when it is not a known kind of failure."""
    if isinstance(exc, OverflowError) or (isinstance(exc, DataError)
                                          and "out of range" in _first_line(exc)):
        return ValidationError(f"A number is too large for the database ({_first_line(exc)}).",
                               f"Numbers such as IDs and limits go up to {MAX_INTEGER:,}; see "
                               "the command's --help.")
    if isinstance(exc, UnicodeEncodeError) and "surrogates" in str(exc):
        return ValidationError("A value is not UTF-8 text (an environment variable such as "
                               "CRM_USER, or a file name).",
                               "Set it again in UTF-8 (a UTF-8 terminal, e.g. 'export "
                               "LANG=C.UTF-8').")
    if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
        path = str(exc.filename or home or "the CRM home")
        if exc.errno in _READ_ONLY:
            return read_only(path)
        if exc.errno in _FULL:
            if exc.filename is None:
                return CrmError(f"No space left on the device being written to: {exc.strerror}.",
                                "Free some space on the disk of the output file or of CRM_HOME "
                                f"({home or '?'}) and run the command again.")
            return disk_full(path)
        return CrmError(f"Cannot use {path}: {exc.strerror or exc}.",
                        "Check that CRM_HOME exists and that this user may write there.")
    if isinstance(exc, SQLAlchemyError):
        reason = _first_line(exc).lower()
        where = _where(database_url)
        if "readonly database" in reason or "read-only" in reason or "read only" in reason:
            return read_only(where)
        if "disk is full" in reason or "no space left" in reason or _sqlite_disk_full(database_url):
            return disk_full(where)
        if "disk i/o error" in reason:
            return CrmError(f"The database {where} cannot be written: disk I/O error.",
                            "Check that the disk holding it has free space and that CRM_HOME is "
                            "writable for this user, then run the command again.")
        if "unable to open database file" in reason:
            return CrmError(f"The database {where} cannot be opened or created.",
                            "Check that CRM_HOME exists and is writable for this user, or set "
                            "CRM_DATABASE_URL to another database.")
        return DatabaseUnavailable.from_exception(exc, f"at {where}")
    if isinstance(exc, RecursionError):
        return ValidationError("The input is nested too deeply to be read.",
                               "Give a flatter file or value; see the command's --help.")
    return None


def undecodable_argument(args: Sequence[str]) -> CrmError | None:
    """An error naming the first argument that is not UTF-8 text, or None."""
    for position, arg in enumerate(args, 1):
        bad = next((ch for ch in arg if "\udc80" <= ch <= "\udcff"), None)
        if bad is not None:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            return ValidationError(
                f"Argument {position} ('{shown}') is not UTF-8 text: byte 0x{ord(bad) - 0xDC00:02X} "
                "cannot be read.",
                "Type it again in UTF-8 (a UTF-8 terminal, e.g. 'export LANG=C.UTF-8'), or "
                "convert the file name or text with 'iconv -t UTF-8'.")
        if "\x00" in arg:  # no command line can hold one; a caller building argv by hand can
            return ValidationError(f"Argument {position} holds a NUL character (\\0), which no "
                                   "value or file name may contain.", "Remove it and run the "
                                   "command again.")
        if any("\ud800" <= ch <= "\udfff" for ch in arg):
            return ValidationError(f"Argument {position} holds an unpaired surrogate character.",
                                   "Type it again as plain UTF-8 text.")
    return None
