"""Constant Contact V3 contacts <-> the connector's flat remote values.

Flat names: ``email_address``, ``permission_to_send``, the core fields (``first_name`` ...
``anniversary``), one phone per kind (``home_phone``, ``work_phone``, ``mobile_phone``,
``other_phone``) and one street address per kind (``home_street``, ``home_city``,
``home_state``, ``home_postal_code``, ``home_country``, the same for ``work_`` and ``other_``).

Writing merges the flat values into the contact as it is: a flat key that is absent leaves the
contact's value alone, a key holding None clears it. ``PUT`` replaces core fields, so the body
always carries every core field the contact has.

Bulk imports take a third shape, one flat row per contact (``import_row``): the import can set
values but never clear one, and it never carries consent.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from crmcore.api import RemoteRecord

CORE_FIELDS = ("first_name", "last_name", "job_title", "company_name", "birthday_month",
               "birthday_day", "anniversary")
PHONE_KINDS = ("home", "work", "mobile", "other")
PHONE_FIELDS = {f"{kind}_phone": kind for kind in PHONE_KINDS}
ADDRESS_KINDS = ("home", "work", "other")
ADDRESS_PARTS = ("street", "city", "state", "postal_code", "country")
ADDRESS_FIELDS = {f"{kind}_{part}": (kind, part) for kind in ADDRESS_KINDS for part in ADDRESS_PARTS}
OPT_OUT_REASON = "Email opt-out set in the CRM"
MAX_PHONES = 3
MAX_ADDRESSES = 3

_CONFLICT_ID = re.compile(r"for contact\s+([0-9A-Za-z-]+)")
_FRACTION = re.compile(r"(\.\d+)")


class TooMany(ValueError):
    """The merged contact would hold more phones or addresses than Constant Contact allows."""


_UTC = timezone.utc
_fromisoformat = datetime.fromisoformat
_STAMP_LENGTHS = frozenset((20, 24, 27))  # ...:SSZ, ...:SS.fffZ, ...:SS.ffffffZ


def parse_time(value: str) -> datetime:
    """An ISO-8601 time from the API as an aware UTC datetime ("Z", offsets, any fraction).
    Raises ``ValueError`` (or ``OverflowError``) for a value that is not one."""
    # the API's own layout (``2024-10-30T18:56:35.123Z``) directly: a page has three per contact
    if len(value) in _STAMP_LENGTHS and value[-1] == "Z" and value[10] == "T":
        try:
            parsed = _fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is _UTC:
                return parsed
    return _parse_time(value)


@functools.lru_cache(maxsize=4096)  # a page repeats its stamps (a bulk import makes thousands at once)
def _parse_time(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python before 3.11 accepts only 3 or 6 fraction digits
    text = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], text, count=1)
    if "T" not in text:
        text += "T00:00:00+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_time(value: datetime) -> str:
    """A datetime as ISO-8601 UTC with milliseconds (``2024-10-30T18:56:35.123Z``).

    Whole seconds would make every incremental read fetch again everything changed in the
    second of the high-water mark, which after a bulk import is thousands of contacts. The
    value is floored, so a record is at worst read twice, never missed.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def includes_for(fields: Iterable[str]) -> list[str]:
    """The sub-resources (``include=``) a read needs for these flat fields, no more."""
    fields = set(fields)
    needed = []
    if fields & PHONE_FIELDS.keys():
        needed.append("phone_numbers")
    if fields & ADDRESS_FIELDS.keys():
        needed.append("street_addresses")
    return needed


_NO_PHONES = dict.fromkeys(PHONE_FIELDS)
_NO_ADDRESSES = dict.fromkeys(ADDRESS_FIELDS)
_PHONE_NAME = {kind: f"{kind}_phone" for kind in PHONE_KINDS}
_ADDRESS_NAMES = {kind: [(f"{kind}_{part}", part) for part in ADDRESS_PARTS] for kind in ADDRESS_KINDS}


def flatten(contact: Mapping[str, Any]) -> dict[str, Any]:
    """Flat values of a V3 contact; phone and address fields only when the contact carries them."""
    email = contact.get("email_address") or {}
    get = contact.get
    values: dict[str, Any] = {  # CORE_FIELDS spelled out: a page flattens 500 of these
        "email_address": email.get("address"), "permission_to_send": email.get("permission_to_send"),
        "first_name": get("first_name"), "last_name": get("last_name"), "job_title": get("job_title"),
        "company_name": get("company_name"), "birthday_month": get("birthday_month"),
        "birthday_day": get("birthday_day"), "anniversary": get("anniversary")}
    if "phone_numbers" in contact:
        values.update(_NO_PHONES)
        for phone in get("phone_numbers") or []:
            kind = phone.get("kind") or "other"
            name = _PHONE_NAME.get(kind) if isinstance(kind, str) else None  # other kinds: not ours
            if name is not None and values[name] is None:
                values[name] = phone.get("phone_number")
    if "street_addresses" in contact:
        values.update(_NO_ADDRESSES)
        seen = set()
        for address in get("street_addresses") or []:
            kind = address.get("kind")
            if not isinstance(kind, str) or kind not in _ADDRESS_NAMES or kind in seen:
                continue
            seen.add(kind)
            for name, part in _ADDRESS_NAMES[kind]:
                values[name] = address.get(part)
    return values


assert tuple(flatten({}))[2:] == CORE_FIELDS  # flatten spells them out in this order


def to_record(contact: Mapping[str, Any]) -> RemoteRecord:
    """The sync's view of a Constant Contact contact (a ``GET /contacts`` item): id, flattened
    values, last change (UTC; ``updated_at``, else ``created_at``) and whether it is deleted."""
    stamp = contact.get("updated_at") or contact.get("created_at")
    updated = parse_time(stamp) if stamp else datetime.fromtimestamp(0, timezone.utc)
    return RemoteRecord(remote_id=contact["contact_id"], values=flatten(contact),
                        updated_at=updated, deleted=bool(contact.get("deleted_at")))


def needs_subresources(values: Mapping[str, Any]) -> list[str]:
    """The sub-resources a write of ``values`` replaces (so the current ones must be read first)."""
    return includes_for(values)


def body(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A V3 body for POST (``current`` None) or PUT: ``current`` merged with the flat ``values``.

    Consent is never raised here: ``permission_to_send`` is sent only as ``"unsubscribed"``.
    Raises :class:`TooMany` when the merged phones or addresses exceed the API's limits.
    """
    current = current or {}
    out: dict[str, Any] = {}
    for name in CORE_FIELDS:
        value = values[name] if name in values else current.get(name)
        if value not in (None, ""):
            out[name] = value
    address = values.get("email_address") or (current.get("email_address") or {}).get("address")
    if address:
        out["email_address"] = {"address": address.strip()}
        if values.get("permission_to_send") == "unsubscribed":
            out["email_address"]["permission_to_send"] = "unsubscribed"
            was = (current.get("email_address") or {}).get("permission_to_send")
            if was != "unsubscribed":
                out["email_address"]["opt_out_reason"] = OPT_OUT_REASON
    if values.keys() & PHONE_FIELDS.keys():
        out["phone_numbers"] = _phones(values, current.get("phone_numbers") or [])
    if values.keys() & ADDRESS_FIELDS.keys():
        out["street_addresses"] = _addresses(values, current.get("street_addresses") or [])
    return out


def _phones(values: Mapping[str, Any], current: list[dict]) -> list[dict[str, str]]:
    phones = [{"phone_number": p.get("phone_number"), "kind": p.get("kind") or "other"}
              for p in current if p.get("phone_number")]
    for name, kind in PHONE_FIELDS.items():
        if name not in values:
            continue
        wanted = (values[name] or "").strip()
        at = next((i for i, p in enumerate(phones) if p["kind"] == kind), None)
        if at is not None and wanted:
            phones[at] = {"phone_number": wanted, "kind": kind}
        elif at is not None:
            del phones[at]
        elif wanted:
            phones.append({"phone_number": wanted, "kind": kind})
    if len(phones) > MAX_PHONES:
        raise TooMany(f"{len(phones)} phone numbers; Constant Contact allows {MAX_PHONES}")
    return phones


def _addresses(values: Mapping[str, Any], current: list[dict]) -> list[dict[str, str]]:
    addresses = [{k: a[k] for k in ("kind", *ADDRESS_PARTS) if a.get(k)} for a in current]
    for kind in ADDRESS_KINDS:
        given = {part: values[f"{kind}_{part}"] for part in ADDRESS_PARTS if f"{kind}_{part}" in values}
        if not given:
            continue
        at = next((i for i, a in enumerate(addresses) if a.get("kind") == kind), None)
        merged = dict(addresses[at]) if at is not None else {"kind": kind}
        for part, value in given.items():
            value = str(value).strip() if value is not None else ""
            if value:
                merged[part] = value
            else:
                merged.pop(part, None)
        empty = not any(merged.get(part) for part in ADDRESS_PARTS)
        if at is not None:
            if empty:
                del addresses[at]
            else:
                addresses[at] = merged
        elif not empty:
            addresses.append(merged)
    if len(addresses) > MAX_ADDRESSES:
        raise TooMany(f"{len(addresses)} street addresses; Constant Contact allows {MAX_ADDRESSES}")
    return addresses


def _import_key(name: str) -> str:
    """The import's flat key for one of our flat names (``home_postal_code`` -> ``home_zip``)."""
    if name in ADDRESS_FIELDS:
        kind, part = ADDRESS_FIELDS[name]
        return f"{kind}_{'zip' if part == 'postal_code' else part}"
    return name


IMPORT_KEYS = {name: _import_key(name) for name in (*CORE_FIELDS, *PHONE_FIELDS, *ADDRESS_FIELDS)}


_AS_IS, _BIRTHDAY_PART, _STRIPPED = range(3)
_IMPORT_PLAN = [(name, key, _BIRTHDAY_PART if name in ("birthday_month", "birthday_day")
                 else _STRIPPED if name in PHONE_FIELDS or name in ADDRESS_FIELDS else _AS_IS)
                for name, key in IMPORT_KEYS.items()]


def is_empty(value: Any) -> bool:
    """Empty the way the import sees it: nothing, or only blanks."""
    return value is None or (isinstance(value, str) and not value.strip())


def import_row(values: Mapping[str, Any]) -> dict[str, Any]:
    """A ``contacts_json_import`` row for the flat ``values``.

    Empty values are left out (an import cannot clear, and an empty value would be a no-op at
    best); ``permission_to_send`` is never sent, so an import cannot touch consent. Phones and
    address parts are stripped as :func:`body` strips them; birthday parts go as integers.
    """
    row: dict[str, Any] = {}
    email = values.get("email_address")
    if not is_empty(email):
        row["email"] = str(email).strip()
    get = values.get
    for name, key, kind in _IMPORT_PLAN:
        value = get(name)
        if value is None or (isinstance(value, str) and not value.strip()):  # is_empty()
            continue
        if kind == _BIRTHDAY_PART:
            text = str(value).strip()
            row[key] = int(text) if text.isdigit() else value
        elif kind == _STRIPPED:
            row[key] = str(value).strip()
        else:
            row[key] = value
    return row


def conflict_id(error_body: Any) -> str | None:
    """The existing contact's id from a 409 ("Email already exists for contact <id>")."""
    items = error_body if isinstance(error_body, list) else [error_body]
    for item in items:
        if isinstance(item, dict):
            found = _CONFLICT_ID.search(str(item.get("error_message") or ""))
            if found:
                return found.group(1)
    return None


def error_reason(error_body: Any, fallback: str) -> str:
    """The API's own words for a refused record, for the Sync Log."""
    items = error_body if isinstance(error_body, list) else [error_body]
    messages = [str(i.get("error_message")) for i in items if isinstance(i, dict) and i.get("error_message")]
    return "; ".join(messages) if messages else fallback


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(error_key, message) from a V3 error body: ``[{"error_key","error_message"}]`` (400, 404,
    409...) or one ``{"error_key","error_message"}`` (401, 429), per the V3 API reference's
    "Error responses"; the OAuth server's ``{"error","error_description"}`` too."""
    items = body if isinstance(body, list) else [body]
    keys, messages = [], []
    for item in items:
        if not isinstance(item, dict):
            continue
        key = item.get("error_key") or item.get("error")
        message = item.get("error_message") or item.get("error_description") or item.get("message")
        if isinstance(key, str):
            keys.append(key)
        if isinstance(message, str):
            messages.append(message)
    return (keys[0] if keys else None), ("; ".join(messages) if messages else None)


def parse_error(status: int, body: bytes, headers: Any) -> str | None:
    """The V3 API's own words in an error answer (see :func:`error_details`), or None."""
    import json

    try:
        decoded = json.loads(body) if body else None
    except ValueError:
        return None
    return error_details(decoded)[1]
