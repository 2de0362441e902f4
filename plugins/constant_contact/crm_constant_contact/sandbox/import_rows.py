"""Checking and mapping the flat contacts of ``contacts_json_import`` rows.

A row is a flat object (``email``, ``home_phone``, ``work_city``, ``cf:<name>``, ...). Problems are
sorted the way the activity status reports them: invalid email, birthday or anniversary formats
and a missing email are *correctable* (``correctable_count``); anything else, such as a value too
long or an unknown custom field, is a non-correctable error (``error_count``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .state import Store
from .validation import (CUSTOM_FIELD_VALUE_MAX, EMAIL_MAX_BULK, MAX_CONTACT_CUSTOM_FIELDS, NAME_FIELDS, NAME_MAX,
                         PHONE_MAX, anniversary_problem, as_int, birthday_problems, email_problem)

PHONE_KEYS = {"phone": "other", "home_phone": "home", "work_phone": "work", "mobile_phone": "mobile",
              "other_phone": "other"}
ADDRESS_PREFIXES = {"": "home", "home_": "home", "work_": "work", "other_": "other"}
ADDRESS_KEYS = {"street": ("street", 255), "street2": ("street2", 255), "city": ("city", 50),
                "state": ("state", 50), "zip": ("postal_code", 50), "country": ("country", 50)}
IGNORED_KEYS = ("sms_number", "sms_consent_date")  # SMS is not emulated; accepted and ignored
_SKIPPED_KEYS = frozenset(("email",) + IGNORED_KEYS)
ADDRESS_FIELDS = {prefix + key: (kind, target, limit)
                  for prefix, kind in ADDRESS_PREFIXES.items()
                  for key, (target, limit) in ADDRESS_KEYS.items()}


@dataclass
class MappedRow:
    """One valid row in V3 terms: only the properties the row carried."""

    email: str
    core: dict[str, Any] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, dict[str, str]] = field(default_factory=dict)
    custom_fields: dict[str, str] = field(default_factory=dict)


@dataclass
class RowProblems:
    correctable: list[str] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.correctable or self.fatal)

    def messages(self) -> list[str]:
        return self.correctable + self.fatal


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None


def map_row(row: Any, store: Store) -> tuple[MappedRow | None, RowProblems]:
    """Check one row; return its mapping when valid, and its problems in any case."""
    problems = RowProblems()
    if not isinstance(row, dict):
        problems.fatal.append("the row is not an object")
        return None, problems
    email = row.get("email")
    problem = email_problem(email, EMAIL_MAX_BULK, "email")
    if problem:
        problems.correctable.append(problem)
    mapped = MappedRow(email=email.strip() if isinstance(email, str) else "")
    for key, value in row.items():
        if value is None or value == "" or key in _SKIPPED_KEYS:
            continue  # an empty value does not clear what the contact already has
        text = value if type(value) is str else _text(value)
        if key in NAME_FIELDS:
            if text is None or len(text) > NAME_MAX:
                problems.fatal.append(f"{key} must be text of at most {NAME_MAX} characters")
            else:
                mapped.core[key] = text
        elif key in ("birthday_month", "birthday_day"):
            mapped.core[key] = as_int(value) if as_int(value) is not None else value
        elif key == "anniversary":
            problem = anniversary_problem(text if text is not None else value)
            if problem:
                problems.correctable.append(problem)
            else:
                mapped.core[key] = text
        elif key in PHONE_KEYS:
            if text is None or len(text) > PHONE_MAX:
                problems.fatal.append(f"{key} must be text of at most {PHONE_MAX} characters")
            else:
                mapped.phones[PHONE_KEYS[key]] = text
        elif key in ADDRESS_FIELDS:
            kind, target, limit = ADDRESS_FIELDS[key]
            if text is None or len(text) > limit:
                problems.fatal.append(f"{key} must be text of at most {limit} characters")
            else:
                mapped.addresses.setdefault(kind, {})[target] = text
        elif key.startswith("cf:"):
            cf_id = store.custom_field_id_for_name(key[3:])
            if cf_id is None:
                problems.fatal.append(f"custom field {key[3:]} does not exist")
            elif text is None or len(text) > CUSTOM_FIELD_VALUE_MAX:
                problems.fatal.append(f"{key} must be text of at most {CUSTOM_FIELD_VALUE_MAX} characters")
            else:
                mapped.custom_fields[cf_id] = text
        else:
            problems.fatal.append(f"unknown field {key}")
    if "birthday_month" in row or "birthday_day" in row:
        month, day = row.get("birthday_month"), row.get("birthday_day")
        found = birthday_problems(None if month in ("", None) else month, None if day in ("", None) else day,
                                  strict=False)
        problems.correctable += found
    if len(mapped.custom_fields) > MAX_CONTACT_CUSTOM_FIELDS:
        problems.fatal.append(f"a contact can have at most {MAX_CONTACT_CUSTOM_FIELDS} custom fields")
    for kind, parts in mapped.addresses.items():
        if "street2" in parts:
            street = " ".join(p for p in (parts.get("street"), parts.pop("street2")) if p)
            if len(street) > 255:
                problems.fatal.append(f"{kind} street with street2 exceeds 255 characters")
            parts["street"] = street
    return (None if problems else mapped), problems
