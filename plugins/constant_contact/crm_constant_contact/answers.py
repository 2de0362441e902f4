"""Checks on what Constant Contact answers, before the connector uses any of it.

An answer comes from the network (and any proxy on the way), so each header and field the
connector reads is validated against the V3 API reference: a contact is an object with a
``contact_id`` string and ISO-8601 ``created_at``/``updated_at``/``deleted_at``; a page has a
``contacts`` array and an optional ``_links.next.href`` string. What fails raises
:class:`ApiError` (status None) naming the field, so the run stops before writing anything of
that answer. The ``Date`` header (RFC 9110 section 6.6.1: one HTTP-date, in GMT) only degrades:
when it is missing, repeated with different values, unparsable, without a zone or more than
``CLOCK_TRUST`` away from the local clock, it is ignored and the engine falls back to its overlap.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from crmcore.api import ApiError, RemoteRecord

from crm_constant_contact import translate

CLOCK_TRUST = timedelta(days=1)  # a Date further than this from the local clock is not believed
MAX_ID = 128  # the longest remote id a link can hold
_HINT = "Nothing of that answer was written. Run the sync again later; if it persists, report it with the Debug Log."


def _bad(what: str) -> ApiError:
    return ApiError(f"Constant Contact sent an answer the connector cannot use: {what}.", _HINT)


def header_values(response: Any, name: str) -> list[str]:
    """Every value of header ``name`` as received (repeated headers are kept apart)."""
    if hasattr(response, "header_list"):  # crmcore.api.ApiResponse
        return response.header_list(name)
    raw_headers = getattr(getattr(response, "raw", None), "headers", None)
    if raw_headers is not None and hasattr(raw_headers, "getlist"):
        return [str(v).strip() for v in raw_headers.getlist(name)]
    value = response.headers.get(name)
    return [value.strip()] if isinstance(value, str) else []


def server_time(response: Any, now: datetime | None = None) -> datetime | None:
    """The service's clock when it answered (its ``Date`` header), or None when the header
    cannot be trusted (see the module docstring). Always aware (UTC) when given."""
    values = set(header_values(response, "Date"))
    if len(values) != 1:
        return None
    try:
        parsed = parsedate_to_datetime(values.pop())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    now = now or datetime.now(timezone.utc)
    if abs(parsed - now) > CLOCK_TRUST:
        return None
    return parsed.astimezone(timezone.utc)


def _time(contact: Mapping[str, Any], field: str, index: int) -> datetime | None:
    """``contact[field]`` parsed (aware, UTC), None when absent; :class:`ApiError` when not a time."""
    value = contact.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"contact {index}'s {field} is not a time")
    try:
        return translate.parse_time(value)
    except (ValueError, OverflowError):
        raise _bad(f"contact {index}'s {field} {value[:40]!r} is not an ISO-8601 time") from None


def _id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID:
        raise _bad(f"{what} is missing or not an id")
    return value


def contact_object(value: Any, where: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, else :class:`ApiError`."""
    if not isinstance(value, dict):
        raise _bad(f"{where} did not answer a contact object")
    return value


_ARRAYS = ("phone_numbers", "street_addresses", "custom_fields", "list_memberships")
_NO_STAMP = datetime.fromtimestamp(0, timezone.utc)  # translate.to_record's stamp for neither


def contact_page(data: Any) -> list[RemoteRecord]:
    """The records of a ``GET /contacts`` page (or ``{"contacts": [one]}``), every contact checked
    first; raises :class:`ApiError` for the first field that is wrong.

    One pass checks a contact and reads it (:func:`translate.to_record`, with the stamps the
    check parsed); a contact that cannot be read is reported only once every contact has passed
    its checks, so a wrong field anywhere in the page is what the error names."""
    if not isinstance(data, dict):
        raise _bad("a page of contacts is not a JSON object")
    contacts = data.get("contacts")
    if contacts is None:
        return []
    if not isinstance(contacts, list):
        raise _bad("'contacts' is not an array")
    records: list[RemoteRecord] = []
    unreadable: Exception | None = None
    flatten = translate.flatten
    for index, contact in enumerate(contacts):
        if not isinstance(contact, dict):
            raise _bad(f"contact {index} is not an object")
        get = contact.get
        remote_id = _id(get("contact_id"), f"contact {index}'s contact_id")
        updated = _time(contact, "updated_at", index)
        created = _time(contact, "created_at", index)
        deleted = get("deleted_at")
        if deleted is not None:
            _time(contact, "deleted_at", index)
        address = get("email_address")
        if address is not None and not isinstance(address, dict):
            raise _bad(f"contact {index}'s email_address is not an object")
        for name in _ARRAYS:
            value = get(name)
            if value is not None and not (isinstance(value, list)
                                          and all(isinstance(v, (dict, str)) for v in value)):
                raise _bad(f"contact {index}'s {name} is not an array")
        if unreadable is not None:
            continue
        try:
            values = flatten(contact)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            unreadable = exc
            continue
        records.append(RemoteRecord(
            remote_id=remote_id, values=values, deleted=bool(deleted),
            updated_at=updated if updated is not None else created if created is not None else _NO_STAMP))
    if unreadable is not None:
        raise _bad(f"a contact could not be read ({type(unreadable).__name__})")
    return records


def trusted_high_water(records: list[RemoteRecord], read_at: datetime | None) -> datetime | None:
    """The newest ``updated_at`` of a page, leaving out stamps later than the service's (or the
    local) clock plus ``CLOCK_TRUST``: one bad stamp must not push the mark past changes to come."""
    limit = (read_at or datetime.now(timezone.utc)) + CLOCK_TRUST
    return max((r.updated_at for r in records if r.updated_at <= limit), default=None)


def next_href(data: Any) -> str | None:
    """``_links.next.href`` of a page, or None; :class:`ApiError` when it is not a string."""
    links = data.get("_links") if isinstance(data, dict) else None
    nxt = links.get("next") if isinstance(links, dict) else None
    href = nxt.get("href") if isinstance(nxt, dict) else None
    if href is not None and not isinstance(href, str):
        raise _bad("_links.next.href is not a link")
    return href or None


def stored_id(answer: Any, field: str, where: str) -> str:
    """The id ``field`` of an object the API answered ``where``; :class:`ApiError` if absent."""
    if not isinstance(answer, dict):
        raise _bad(f"{where} did not answer an object")
    return _id(answer.get(field), f"{where}'s {field}")


def activity(answer: Any, where: str) -> dict[str, Any]:
    """A bulk activity as ``POST /activities/...`` or ``GET /activities/{id}`` answered it,
    checked: an object whose ``activity_id`` (when given) is an id, ``state`` a string,
    ``status`` an object of integer counters and ``activity_errors`` an array."""
    if not isinstance(answer, dict):
        raise _bad(f"{where} did not answer an activity object")
    if answer.get("activity_id") is not None:
        _id(answer["activity_id"], f"{where}'s activity_id")
        if "/" in answer["activity_id"] or ".." in answer["activity_id"]:
            raise _bad(f"{where}'s activity_id is not an id")
    if answer.get("state") is not None and not isinstance(answer["state"], str):
        raise _bad(f"{where}'s state is not a string")
    status = answer.get("status")
    if status is not None and not (isinstance(status, dict) and all(
            v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in status.values())):
        raise _bad(f"{where}'s status is not an object of counts")
    errors = answer.get("activity_errors")
    if errors is not None and not isinstance(errors, list):
        raise _bad(f"{where}'s activity_errors is not an array")
    return answer
