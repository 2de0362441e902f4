"""Every rule a contact's values obey, in one place: types, lengths, email syntax, mandatory fields.

:func:`clean` turns raw values (from the CLI, a CSV file or a sync connector) into the canonical
form stored and read back, so a value written and read again is equal to what was written:
surrounding whitespace is trimmed on one-line fields, an empty string becomes None, a birthday
becomes a :class:`datetime.date`, the opt-out flag a bool. Cleaning a clean value changes nothing.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from crmcore.api import ValidationError
from crm_contacts.fields import BY_NAME, FIELD_NAMES

_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}
_LABEL = re.compile(r"^[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?$")
_LOCAL_BAD = set(' \t\r\n"(),:;<>@[\\]')


def normalise_email(email: str | None) -> str | None:
    """The form emails are matched by: trimmed and case-folded (None stays None)."""
    if email is None:
        return None
    email = email.strip()
    return email.casefold() if email else None


def email_problem(email: str) -> str | None:
    """Why ``email`` is not a usable address, or None when it is."""
    if email.count("@") != 1:
        return "needs exactly one '@'"
    local, domain = email.split("@")
    if not local or len(local) > 64:
        return "the part before '@' must be 1 to 64 characters"
    if any(ch in _LOCAL_BAD for ch in local):
        return "the part before '@' contains a space or a character such as , ; < > ( )"
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "the part before '@' cannot start or end with '.' or contain '..'"
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return "the domain after '@' is not valid (e.g. example.com)"
    if labels[-1].isdigit() or len(labels[-1]) < 2:
        return "the domain after '@' must end in a name such as .com"
    return None


def _text(name: str, value: Any, one_line: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Problem(f"{name} must be text, not {type(value).__name__} {value!r}")
    if one_line:
        value = value.strip()
    elif not value.strip():
        value = ""
    return value or None


def _date(name: str, value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Problem(f"{name} {value!r} is not a date", "Write dates as YYYY-MM-DD, e.g. 1815-12-10.")


def _bool(name: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE | {""}:
        return value.strip().lower() in _TRUE
    raise _Problem(f"{name} {value!r} is not yes or no", "Use true/false, yes/no or 1/0.")


class _Problem(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _clean_one(name: str, value: Any) -> Any:
    spec = BY_NAME[name]
    if spec.type == "date":
        return _date(name, value)
    if spec.type == "boolean":
        return _bool(name, value)
    cleaned = _text(name, value, one_line=spec.type != "text")
    if cleaned is not None and spec.max_length and len(cleaned) > spec.max_length:
        raise _Problem(f"{name} is {len(cleaned)} characters; the most is {spec.max_length}",
                       "Shorten the value.")
    if cleaned is not None and spec.type == "email":
        why = email_problem(cleaned)
        if why:
            raise _Problem(f"{name} {cleaned!r} is not a valid email address: {why}",
                           "Correct the address (e.g. ada@example.com) or leave it empty.")
    return cleaned


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """The given values in canonical form; raises ValidationError naming every bad field."""
    out: dict[str, Any] = {}
    problems: list[_Problem] = []
    for name, value in values.items():
        if name not in BY_NAME:
            problems.append(_Problem(f"unknown field {name!r}",
                                     "Known fields: " + ", ".join(FIELD_NAMES) + "."))
            continue
        try:
            out[name] = _clean_one(name, value)
        except _Problem as problem:
            problems.append(problem)
    _raise(problems)
    return out


def check_complete(values: Mapping[str, Any]) -> None:
    """Refuse a record whose mandatory fields are empty (``values`` already cleaned, complete)."""
    missing = [name for name, spec in BY_NAME.items()
               if spec.mandatory and values.get(name) is None]
    _raise([_Problem(f"{name} is mandatory", f"Give a {BY_NAME[name].label.lower()}.")
            for name in missing])


def _raise(problems: list[_Problem]) -> None:
    if problems:
        hint = next((p.hint for p in problems if p.hint), "")
        raise ValidationError("; ".join(p.message for p in problems) + ".",
                              f"{hint} Nothing was saved.".strip())
