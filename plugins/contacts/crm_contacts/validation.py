"""Every rule a contact's values obey, in one place: types, lengths, email syntax, mandatory fields.

What a mailing service would refuse is refused at entry (CLI, CSV import, a sync's writes), each
with a message naming the field and the character: control characters and terminal escapes in any
text (line breaks and tabs only in the description and the street), invisible formatting
characters (zero-width space, byte order mark, bidi controls; the joiners U+200C/U+200D stay, as
scripts need them) and addresses ``email-validator`` refuses. Invisible characters are refused,
not silently stripped: a value changed behind the user's back would no longer match what they
search for or what the other side holds. A birthday is a real calendar date written YYYY-MM-DD,
from 1753 to today.

:func:`clean` turns raw values (from the CLI, a CSV file or a sync connector) into the canonical
form stored and read back, so a value written and read again is equal to what was written:
surrounding whitespace is trimmed on one-line fields, an empty string becomes None, a birthday
becomes a :class:`datetime.date`, the opt-out flag a bool. Cleaning a clean value changes nothing.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT

from crmcore.api import ValidationError
from crm_contacts.fields import BY_NAME, FIELD_NAMES

_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}
_JOINERS = "\u200c\u200d"  # zero-width (non-)joiner: part of how Persian, Indic scripts, emoji are written
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MULTI_LINE = ("mailing_street",)  # one-line fields that may hold line breaks (type "text" may too)
_CONTROL_NAMES = {"\x00": "NUL", "\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN",
                  "\x1b": "ESCAPE", "\x7f": "DELETE", "\x9b": "CONTROL SEQUENCE INTRODUCER"}
EARLIEST_BIRTHDAY = date(1753, 1, 1)  # Gregorian calendar in all ISO-dated places; older: a typo


def normalise_email(email: str | None) -> str | None:
    """The form emails are matched by: trimmed and case-folded (None stays None)."""
    if email is None:
        return None
    email = email.strip()
    return email.casefold() if email else None


def email_problem(email: str) -> str | None:
    """Why ``email`` is not an address a mailing service accepts, or None when it is.

    The syntax is checked by ``email-validator`` (RFC 5321/5322 as mail services apply them, no
    DNS lookups): no quoted or IP-literal forms, no special-use domains, a plain-ASCII local part
    (most services refuse internationalised mailboxes), at most 64 characters before the ``@``.
    An address of the common plain-ASCII shape whose domain ``email-validator`` has already
    accepted is accepted without asking it again (see :func:`_known_good`); every other address,
    and every refusal with its message, comes from ``email-validator`` itself.
    """
    if not _known_good(email):
        try:
            validate_email(email, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError as exc:
            return str(exc).rstrip(".")
        _remember(email)
    local, _, domain = email.rpartition("@")
    if len(local) > 64:
        return "the part before the @-sign is longer than 64 characters"
    if len(domain.rstrip(".").rpartition(".")[2]) < 2:
        return "the domain after the @-sign must end in a name such as .com"
    return None


# The plain shape: an ASCII dot-atom local part (email-validator's own pattern, which it accepts
# without further checks), one @, a domain of ASCII letters, digits, dots and hyphens. For such an
# address of at most 254 characters, email-validator's verdict depends on the domain alone: the
# local part passes, there is no display name, quoting or bracketed literal, and the domain's
# normalised form (lower case) is as long as the domain, so no length limit applies. Punycode
# domains ("xn--") are left out: their normalised form is the decoded Unicode one.
_PLAIN_ADDRESS = re.compile("(?:" + DOT_ATOM_TEXT.pattern.removesuffix(r"\Z") + r")@([A-Za-z0-9.\-]+)\Z")
_GOOD_DOMAINS: dict[str, None] = {}  # domains email-validator accepted in a plain-shaped address
_GOOD_DOMAINS_MAX = 4096  # forgotten all at once when full: a file with more rarely repeats them
_EMAIL_MAX = 254


def _plain_domain(email: str) -> str | None:
    if len(email) > _EMAIL_MAX or not email.isascii():
        return None
    match = _PLAIN_ADDRESS.match(email)
    if match is None or "xn--" in match[1].lower():
        return None
    return match[1]


def _known_good(email: str) -> bool:
    """Whether ``email`` has the plain shape and a domain email-validator accepted before (so
    email-validator would accept it too)."""
    domain = _plain_domain(email)
    return domain is not None and domain in _GOOD_DOMAINS


def _remember(email: str) -> None:
    """Note the domain of ``email``, which email-validator just accepted, if it has the plain shape."""
    domain = _plain_domain(email)
    if domain is not None:
        if len(_GOOD_DOMAINS) >= _GOOD_DOMAINS_MAX:
            _GOOD_DOMAINS.clear()
        _GOOD_DOMAINS[domain] = None


def character_problem(value: str, allowed: str = "\t\n\r") -> str | None:
    """The first control, terminal escape, invisible format or lone surrogate character of
    ``value`` (other than those in ``allowed``), described for a person; None when there is none.

    Refused: Unicode categories Cc (controls, ESC, the C1 escapes), Cf (zero-width space, byte
    order mark, bidi controls...) except the joiners U+200C/U+200D that scripts need, and Cs (what
    bytes that are not UTF-8 turn into).
    """
    if value.isprintable():
        return None
    for position, ch in enumerate(value, 1):
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs") and ch not in allowed and ch not in _JOINERS:
            kind = {"Cc": "a control character", "Cf": "an invisible formatting character",
                    "Cs": "a byte that is not UTF-8 text"}[category]
            name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch, "")
            return f"contains {kind} (U+{ord(ch):04X}{' ' + name if name else ''}) at character {position}"
    return None


def _text(name: str, value: Any, one_line: bool, allowed: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Problem(f"{name} must be text, not {type(value).__name__} {value!r}")
    if one_line:
        value = value.strip()
    elif not value.strip():
        value = ""
    why = character_problem(value, allowed)
    if why:
        raise _Problem(f"{name} {why}",
                       "Remove it: text cannot hold control, terminal escape or invisible "
                       "formatting characters (line breaks only in the description and street).")
    return value or None


def _date(name: str, value: Any) -> date | None:
    hint = "Write dates as YYYY-MM-DD, e.g. 1815-12-10."
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _ISO_DATE.match(text):
            raise _Problem(f"{name} {value!r} is not a date in the form YYYY-MM-DD", hint)
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise _Problem(f"{name} {value!r} is not a real calendar date", hint) from None
    if value is None:
        return None
    if not isinstance(value, date):
        raise _Problem(f"{name} {value!r} is not a date", hint)
    value = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_BIRTHDAY <= value <= date.today():
        raise _Problem(f"{name} {value.isoformat()} is not a plausible date (from "
                       f"{EARLIEST_BIRTHDAY.year} to today)", "Check the year.")
    return value


_YES_NO = _TRUE | _FALSE | {""}


def _bool(name: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _YES_NO:
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
    multi_line = spec.type == "text" or name in MULTI_LINE
    allowed = "" if spec.type == "email" else "\t\n\r" if multi_line else ""
    cleaned = _text(name, value, one_line=spec.type != "text", allowed=allowed)
    if cleaned is not None and spec.max_length and len(cleaned) > spec.max_length:
        raise _Problem(f"{name} is {len(cleaned)} characters; the most is {spec.max_length}",
                       "Shorten the value.")
    if cleaned is not None and spec.type == "email":
        why = email_problem(cleaned)
        if why:
            raise _Problem(f"{name} {cleaned!r} is not a valid email address: {why}",
                           "Correct the address (e.g. ada@example.com) or leave it empty.")
    return cleaned


def _one_line_cleaner(name: str, max_length: int | None, email: bool) -> Callable[[Any], Any]:
    """:func:`_clean_one` for a one-line text field, with the common case first: a ``str`` whose
    trimmed text is printable (no character to refuse) and fits. Any other value takes
    :func:`_clean_one` itself, so the result and every message stay the same."""
    limit = max_length or 0

    def cleaner(value: Any) -> Any:
        if value.__class__ is not str:
            return _clean_one(name, value)
        text = value.strip()
        if not text:
            return None
        if not text.isprintable() or (limit and len(text) > limit):
            return _clean_one(name, value)
        if email:
            why = email_problem(text)
            if why:
                raise _Problem(f"{name} {text!r} is not a valid email address: {why}",
                               "Correct the address (e.g. ada@example.com) or leave it empty.")
        return text

    return cleaner


def _cleaner(name: str) -> Callable[[Any], Any]:
    spec = BY_NAME[name]
    if spec.type in ("string", "email"):
        return _one_line_cleaner(name, spec.max_length, spec.type == "email")
    if spec.type == "date":
        return lambda value: _date(name, value)
    if spec.type == "boolean":
        return lambda value: _bool(name, value)
    return lambda value: _clean_one(name, value)


_CLEANERS: dict[str, Callable[[Any], Any]] = {name: _cleaner(name) for name in FIELD_NAMES}
_MANDATORY: tuple[str, ...] = tuple(name for name, spec in BY_NAME.items() if spec.mandatory)
# one-line text fields (not emails) by their longest length: what most values are, cleaned in
# clean()'s loop itself when they are plain (as their cleaner would: trimmed, printable, fitting)
_PLAIN_TEXT: dict[str, int] = {name: spec.max_length or sys.maxsize
                               for name, spec in BY_NAME.items() if spec.type == "string"}


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """The given values in canonical form; raises ValidationError naming every bad field."""
    out: dict[str, Any] = {}
    problems: list[_Problem] = []
    cleaners, plain = _CLEANERS, _PLAIN_TEXT
    for name, value in values.items():
        limit = plain.get(name)
        if limit is not None and value.__class__ is str:
            text = value.strip()
            if text and len(text) <= limit and text.isprintable():
                out[name] = text
                continue
        cleaner = cleaners.get(name)
        if cleaner is None:
            problems.append(_Problem(f"unknown field {name!r}",
                                     "Known fields: " + ", ".join(FIELD_NAMES) + "."))
            continue
        try:
            out[name] = cleaner(value)
        except _Problem as problem:
            problems.append(problem)
    if problems:
        _raise(problems)
    return out


def check_complete(values: Mapping[str, Any]) -> None:
    """Refuse a record whose mandatory fields are empty (``values`` already cleaned, complete)."""
    for name in _MANDATORY:
        if values.get(name) is None:
            break
    else:
        return
    _raise([_Problem(f"{name} is mandatory", f"Give a {BY_NAME[name].label.lower()}.")
            for name in _MANDATORY if values.get(name) is None])


def _raise(problems: list[_Problem]) -> None:
    if problems:
        hint = next((p.hint for p in problems if p.hint), "")
        raise ValidationError("; ".join(p.message for p in problems) + ".",
                              f"{hint} Nothing was saved.".strip())
