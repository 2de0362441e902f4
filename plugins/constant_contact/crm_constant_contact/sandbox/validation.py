"""The field limits of the V3 API, checked the way the service does: every broken rule is reported.

Each check returns messages instead of raising, so a request with several problems gets one 400
listing all of them, and an import can count problems per row.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Iterable

PERMISSIONS = ("explicit", "implicit", "not_set", "pending_confirmation", "temp_hold", "unsubscribed")
SOURCES = ("Account", "Contact")
PHONE_KINDS = ("home", "work", "mobile", "other")
ADDRESS_KINDS = ("home", "work", "other")
NAME_FIELDS = ("first_name", "last_name", "job_title", "company_name")
ADDRESS_LIMITS = {"street": 255, "city": 50, "state": 50, "postal_code": 50, "country": 50}

EMAIL_MAX = 80
EMAIL_MAX_BULK = 50  # sign_up_form and imports
NAME_MAX = 50
PHONE_MAX = 25
MAX_PHONES = 3
MAX_ADDRESSES = 3
MAX_CONTACT_CUSTOM_FIELDS = 25
CUSTOM_FIELD_VALUE_MAX = 255
MAX_LISTS_PER_CONTACT = 50
MAX_TAGGINGS = 50
MAX_NOTES = 150
NOTE_MAX = 2000
ANNIVERSARY_MAX = 10
OPT_OUT_REASON_MAX = 255

_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$"
)
# (year, month, day) group order for each accepted anniversary layout
_ANNIVERSARY_FORMATS = (
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (3, 1, 2)),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), (3, 1, 2)),
)


def email_problem(address: Any, max_len: int = EMAIL_MAX, field: str = "email_address.address") -> str | None:
    """Why an email address is refused, or None when it is acceptable."""
    if not isinstance(address, str) or not address.strip():
        return f"{field} is required"
    if len(address) > max_len:
        return f"{field} exceeds the maximum length of {max_len}"
    if not _EMAIL_RE.match(address.strip()):
        return f"{field} is not a valid email address"
    return None


def anniversary_problem(value: Any, field: str = "anniversary") -> str | None:
    """Why an anniversary is refused: too long, an unlisted layout or an impossible date."""
    if not isinstance(value, str):
        return f"{field} must be a string"
    if len(value) > ANNIVERSARY_MAX:
        return f"{field} exceeds the maximum length of {ANNIVERSARY_MAX}"
    for pattern, (yi, mi, di) in _ANNIVERSARY_FORMATS:
        match = pattern.match(value)
        if match:
            try:
                date(int(match.group(yi)), int(match.group(mi)), int(match.group(di)))
            except ValueError:
                return f"{field} is not a valid date"
            return None
    return f"{field} must use one of the formats MM/DD/YYYY, M/D/YYYY, YYYY/MM/DD, YYYY/M/D, YYYY-MM-DD, YYYY-M-D, M-D-YYYY, M-DD-YYYY"


def as_int(value: Any) -> int | None:
    """Birthday parts may arrive as numbers or digit strings (imports); anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def birthday_problems(month: Any, day: Any, strict: bool = True) -> list[str]:
    """Month and day must come together, within 1..12 and 1..31.

    ``strict`` wants JSON integers (contact bodies); imports also accept digit strings.
    """
    if month is None and day is None:
        return []
    if month is None or day is None:
        return ["birthday_month and birthday_day must be sent together"]
    problems = []
    if strict:
        m = month if isinstance(month, int) and not isinstance(month, bool) else None
        d = day if isinstance(day, int) and not isinstance(day, bool) else None
    else:
        m, d = as_int(month), as_int(day)
    if m is None or not 1 <= m <= 12:
        problems.append("birthday_month must be an integer from 1 to 12")
    if d is None or not 1 <= d <= 31:
        problems.append("birthday_day must be an integer from 1 to 31")
    return problems


def text_problem(value: Any, field: str, max_len: int) -> str | None:
    """A string field that must be text within a length limit (None counts as absent)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{field} must be a string"
    if len(value) > max_len:
        return f"{field} exceeds the maximum length of {max_len}"
    return None


def _array(body: dict, field: str, limit: int, problems: list[str]) -> list:
    value = body.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{field} must be an array")
        return []
    if len(value) > limit:
        problems.append(f"{field} allows at most {limit} items, got {len(value)}")
    return value


def _phones(body: dict, problems: list[str]) -> None:
    for i, phone in enumerate(_array(body, "phone_numbers", MAX_PHONES, problems)):
        if not isinstance(phone, dict):
            problems.append(f"phone_numbers[{i}] must be an object")
            continue
        number = phone.get("phone_number")
        if not isinstance(number, str) or not number.strip():
            problems.append(f"phone_numbers[{i}].phone_number is required")
        elif len(number) > PHONE_MAX:
            problems.append(f"phone_numbers[{i}].phone_number exceeds the maximum length of {PHONE_MAX}")
        kind = phone.get("kind")
        if kind is not None and kind not in PHONE_KINDS:
            problems.append(f"phone_numbers[{i}].kind must be one of {', '.join(PHONE_KINDS)}")


def street_address_problems(address: Any, field: str) -> list[str]:
    """A street address needs a valid kind and text parts within their limits."""
    if not isinstance(address, dict):
        return [f"{field} must be an object"]
    problems = []
    if address.get("kind") not in ADDRESS_KINDS:
        problems.append(f"{field}.kind is required and must be one of {', '.join(ADDRESS_KINDS)}")
    for part, limit in ADDRESS_LIMITS.items():
        problem = text_problem(address.get(part), f"{field}.{part}", limit)
        if problem:
            problems.append(problem)
    return problems


def _custom_fields(body: dict, limit: int, custom_field_exists: Callable[[str], bool], problems: list[str]) -> None:
    for i, cf in enumerate(_array(body, "custom_fields", limit, problems)):
        if not isinstance(cf, dict) or not isinstance(cf.get("custom_field_id"), str):
            problems.append(f"custom_fields[{i}].custom_field_id is required")
            continue
        if not custom_field_exists(cf["custom_field_id"]):
            problems.append(f"custom_fields[{i}].custom_field_id {cf['custom_field_id']} does not exist")
        problem = text_problem(cf.get("value"), f"custom_fields[{i}].value", CUSTOM_FIELD_VALUE_MAX)
        if problem:
            problems.append(problem)


def _id_array(body: dict, field: str, limit: int, exists: Callable[[str], bool] | None, problems: list[str]) -> None:
    for item in _array(body, field, limit, problems):
        if not isinstance(item, str):
            problems.append(f"{field} must contain id strings")
        elif exists is not None and not exists(item):
            problems.append(f"{field}: {item} does not exist")


def _notes(body: dict, problems: list[str]) -> None:
    for i, note in enumerate(_array(body, "notes", MAX_NOTES, problems)):
        content = note.get("content") if isinstance(note, dict) else None
        if not isinstance(content, str):
            problems.append(f"notes[{i}].content is required")
        elif len(content) > NOTE_MAX:
            problems.append(f"notes[{i}].content exceeds the maximum length of {NOTE_MAX}")


def validate_contact(
    body: Any,
    *,
    mode: str,
    list_exists: Callable[[str], bool],
    custom_field_exists: Callable[[str], bool],
) -> list[str]:
    """Every rule a contact body breaks. ``mode`` is "create" (POST), "update" (PUT) or "seed"."""
    if not isinstance(body, dict):
        return ["The request body must be a JSON object"]
    problems: list[str] = []
    if mode == "create" and body.get("create_source") not in SOURCES:
        problems.append("create_source is required and must be Account or Contact")
    if mode == "update" and body.get("update_source") not in SOURCES:
        problems.append("update_source is required and must be Account or Contact")
    email = body.get("email_address")
    if email is not None:
        if not isinstance(email, dict):
            problems.append("email_address must be an object")
        else:
            problem = email_problem(email.get("address"))
            if problem:
                problems.append(problem)
            permission = email.get("permission_to_send")
            if permission is not None and permission not in PERMISSIONS:
                problems.append(f"email_address.permission_to_send must be one of {', '.join(PERMISSIONS)}")
            problem = text_problem(email.get("opt_out_reason"), "email_address.opt_out_reason", OPT_OUT_REASON_MAX)
            if problem:
                problems.append(problem)
    for name in NAME_FIELDS:
        problem = text_problem(body.get(name), name, NAME_MAX)
        if problem:
            problems.append(problem)
    if mode == "create" and not (email or any(body.get(n) for n in ("first_name", "last_name"))):
        problems.append("At least one of first_name, last_name or email_address is required")
    problems += birthday_problems(body.get("birthday_month"), body.get("birthday_day"))
    if body.get("anniversary") not in (None, ""):
        problem = anniversary_problem(body["anniversary"])
        if problem:
            problems.append(problem)
    _phones(body, problems)
    for i, address in enumerate(_array(body, "street_addresses", MAX_ADDRESSES, problems)):
        problems += street_address_problems(address, f"street_addresses[{i}]")
    _custom_fields(body, MAX_CONTACT_CUSTOM_FIELDS, custom_field_exists, problems)
    _id_array(body, "list_memberships", MAX_LISTS_PER_CONTACT, list_exists, problems)
    _id_array(body, "taggings", MAX_TAGGINGS, None, problems)
    _notes(body, problems)
    return problems


def validate_sign_up_form(
    body: Any, *, list_exists: Callable[[str], bool], custom_field_exists: Callable[[str], bool]
) -> list[str]:
    """Rules of ``POST /contacts/sign_up_form``: a plain-string email (≤50) and 1..50 lists."""
    if not isinstance(body, dict):
        return ["The request body must be a JSON object"]
    problems: list[str] = []
    problem = email_problem(body.get("email_address"), EMAIL_MAX_BULK, "email_address")
    if problem:
        problems.append(problem)
    lists = body.get("list_memberships")
    if not isinstance(lists, list) or not lists:
        problems.append("list_memberships is required and must name at least one list")
    else:
        _id_array(body, "list_memberships", MAX_LISTS_PER_CONTACT, list_exists, problems)
    for name in NAME_FIELDS:
        problem = text_problem(body.get(name), name, NAME_MAX)
        if problem:
            problems.append(problem)
    problem = text_problem(body.get("phone_number"), "phone_number", PHONE_MAX)
    if problem:
        problems.append(problem)
    problems += birthday_problems(body.get("birthday_month"), body.get("birthday_day"))
    if body.get("anniversary") not in (None, ""):
        problem = anniversary_problem(body["anniversary"])
        if problem:
            problems.append(problem)
    if body.get("street_address") is not None:
        problems += street_address_problems(body["street_address"], "street_address")
    _custom_fields(body, 50, custom_field_exists, problems)
    return problems


def unknown_keys(data: dict, allowed: Iterable[str]) -> list[str]:
    """Keys of ``data`` outside ``allowed``, for bodies whose shape is closed."""
    allowed_set = set(allowed)
    return [k for k in data if k not in allowed_set]
