"""How request bodies become stored contacts, and stored contacts become responses.

Bodies reaching these functions have been validated. Sub-resources that come back unchanged keep
their ids and timestamps, so a PUT that changes nothing leaves the record equal and ``updated_at``
does not move.
"""

from __future__ import annotations

from typing import Any, Iterable

from .state import SUBRESOURCES, new_id

CORE_FIELDS = ("first_name", "last_name", "job_title", "company_name", "birthday_month", "birthday_day",
               "anniversary")
OPTED_IN = ("explicit", "implicit")


def clone(record: dict[str, Any]) -> dict[str, Any]:
    """A copy deep enough to edit: nested dicts/lists are copied, their items are shared."""
    copy = dict(record)
    if isinstance(copy.get("email_address"), dict):
        copy["email_address"] = dict(copy["email_address"])
    for name in SUBRESOURCES:
        if name in copy:
            copy[name] = list(copy[name])
    return copy


def render(record: dict[str, Any], include: Iterable[str] = ()) -> dict[str, Any]:
    """The V3 shape: core fields always, sub-resources only when ``include`` asks for them."""
    out = {k: v for k, v in record.items() if k not in SUBRESOURCES}
    for name in include:
        out[name] = record.get(name, [])
    return out


def full(record: dict[str, Any]) -> dict[str, Any]:
    """A detached copy with every sub-resource, for Python-side inspection."""
    out = clone(record)
    out["email_address"] = dict(out["email_address"]) if out.get("email_address") else None
    if out["email_address"] is None:
        del out["email_address"]
    for name in ("phone_numbers", "street_addresses", "custom_fields", "notes"):
        out[name] = [dict(item) for item in out.get(name, [])]
    return out


def _dedupe(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _set_core(record: dict[str, Any], name: str, value: Any) -> None:
    if value is None or value == "":
        record.pop(name, None)
    elif name in ("birthday_month", "birthday_day"):
        record[name] = int(value)
    else:
        record[name] = value


def new_email(address: str, permission: str | None, source: str, now: str, reason: str | None = None) -> dict:
    """A fresh ``email_address``; permission defaults to implicit as on the real service."""
    permission = permission or "implicit"
    email = {"address": address.strip(), "permission_to_send": permission, "created_at": now,
             "updated_at": now, "opt_in_source": source}
    if permission in OPTED_IN:
        email["opt_in_date"] = now
    if permission == "unsubscribed":
        email.update(opt_out_source=source, opt_out_date=now)
        if reason:
            email["opt_out_reason"] = reason
    return email


def change_permission(email: dict[str, Any], wanted: str | None, source: str, now: str,
                      reason: str | None = None, allow_resubscribe: bool = False) -> None:
    """Apply a requested ``permission_to_send``; an unsubscribed address stays unsubscribed.

    Constant Contact is the source of truth for consent: only the contact (sign-up form, the
    resubscribe flow) can opt back in, so a PUT or an import never turns ``unsubscribed`` back.
    """
    current = email.get("permission_to_send")
    if not wanted or wanted == current:
        return
    if current == "unsubscribed" and not allow_resubscribe:
        return
    email["permission_to_send"] = wanted
    email["updated_at"] = now
    if wanted == "unsubscribed":
        email.update(opt_out_source=source, opt_out_date=now)
        if reason:
            email["opt_out_reason"] = reason
    else:
        for key in ("opt_out_source", "opt_out_date", "opt_out_reason"):
            email.pop(key, None)
        if wanted in OPTED_IN:
            email["opt_in_date"] = now


def phones(items: list[dict], old: list[dict], now: str) -> list[dict]:
    """Phone numbers as given; an unchanged one keeps its id and timestamps."""
    known = {(p.get("kind"), p.get("phone_number")): p for p in old}
    out = []
    for item in items:
        kind = item.get("kind") or "other"
        key = (kind, item["phone_number"])
        out.append(known.get(key) or {"phone_number_id": item.get("phone_number_id") or new_id(),
                                      "phone_number": item["phone_number"], "kind": kind,
                                      "created_at": now, "updated_at": now})
    return out


ADDRESS_PARTS = ("street", "city", "state", "postal_code", "country")


def addresses(items: list[dict], old: list[dict], now: str) -> list[dict]:
    """Street addresses as given; an unchanged one keeps its id and timestamps."""
    def key(a: dict) -> tuple:
        return (a.get("kind"),) + tuple(a.get(p) or None for p in ADDRESS_PARTS)
    known = {key(a): a for a in old}
    out = []
    for item in items:
        existing = known.get(key(item))
        if existing:
            out.append(existing)
            continue
        address = {"street_address_id": item.get("street_address_id") or new_id(), "kind": item["kind"]}
        address.update({p: item[p] for p in ADDRESS_PARTS if item.get(p)})
        address.update(created_at=now, updated_at=now)
        out.append(address)
    return out


def notes(items: list[dict], old: list[dict], now: str) -> list[dict]:
    known = {(n.get("note_id"), n.get("content")): n for n in old}
    out = []
    for item in items:
        existing = known.get((item.get("note_id"), item["content"]))
        out.append(existing or {"note_id": item.get("note_id") or new_id(),
                                "created_at": item.get("created_at") or now, "content": item["content"]})
    return out


def custom_fields(items: list[dict]) -> list[dict]:
    return [{"custom_field_id": cf["custom_field_id"], "value": cf.get("value") or ""} for cf in items]


def set_subresources(record: dict[str, Any], body: dict[str, Any], now: str) -> None:
    """Replace each sub-resource the body carries; leave the others alone."""
    if body.get("phone_numbers") is not None:
        record["phone_numbers"] = phones(body["phone_numbers"], record.get("phone_numbers", []), now)
    if body.get("street_addresses") is not None:
        record["street_addresses"] = addresses(body["street_addresses"], record.get("street_addresses", []), now)
    if body.get("custom_fields") is not None:
        record["custom_fields"] = custom_fields(body["custom_fields"])
    if body.get("notes") is not None:
        record["notes"] = notes(body["notes"], record.get("notes", []), now)
    for name in ("list_memberships", "taggings"):
        if body.get(name) is not None:
            record[name] = _dedupe(body[name])


def from_post(body: dict[str, Any], now: str) -> dict[str, Any]:
    """A new contact from a ``POST /contacts`` body."""
    source = body["create_source"]
    record: dict[str, Any] = {}
    email = body.get("email_address")
    if email:
        record["email_address"] = new_email(email["address"], email.get("permission_to_send"), source, now,
                                             email.get("opt_out_reason"))
    for name in CORE_FIELDS:
        _set_core(record, name, body.get(name))
    record["create_source"] = source
    record["update_source"] = source
    set_subresources(record, body, now)
    return record


def from_put(old: dict[str, Any], body: dict[str, Any], now: str) -> dict[str, Any]:
    """``PUT /contacts/{id}``: replace semantics.

    Omitted core fields become null, omitted sub-resources are kept, a deleted contact is revived.
    An omitted ``email_address`` keeps the current address (a contact is never left without its
    identity by a partial body), and an unsubscribed address stays unsubscribed.
    """
    source = body["update_source"]
    record = clone(old)
    for name in CORE_FIELDS:
        _set_core(record, name, body.get(name))
    email = body.get("email_address")
    if email:
        current = record.get("email_address")
        if not current:
            record["email_address"] = new_email(email["address"], email.get("permission_to_send"), source, now,
                                                email.get("opt_out_reason"))
        else:
            if current["address"] != email["address"].strip():
                current["address"] = email["address"].strip()
                current["updated_at"] = now
            change_permission(current, email.get("permission_to_send"), source, now, email.get("opt_out_reason"))
    record["update_source"] = source
    record.pop("deleted_at", None)
    set_subresources(record, body, now)
    return record


def merge_changes(old: dict[str, Any], changes: dict[str, Any], now: str) -> dict[str, Any]:
    """A direct partial update (the Python test hook): given keys change, the rest stays.

    Consent rules are not applied here on purpose: tests use this to play the contact's own
    actions, such as unsubscribing through an email footer.
    """
    record = clone(old)
    for name, value in changes.items():
        if name in CORE_FIELDS:
            _set_core(record, name, value)
        elif name == "email_address":
            if value is None:
                record.pop("email_address", None)
                continue
            current = record.get("email_address")
            if not current:
                record["email_address"] = new_email(value["address"], value.get("permission_to_send"),
                                                    changes.get("update_source", "Account"), now)
                continue
            wanted = value.get("permission_to_send")
            if wanted and wanted != current.get("permission_to_send"):
                change_permission(current, wanted, value.get("opt_out_source", "Contact"), now,
                                  value.get("opt_out_reason"), allow_resubscribe=True)
            for key, item in value.items():
                if key != "permission_to_send" and current.get(key) != item:
                    current[key] = item.strip() if key == "address" else item
                    current["updated_at"] = now
        elif name in ("create_source", "update_source", "deleted_at"):
            if value is None:
                record.pop(name, None)
            else:
                record[name] = value
    set_subresources(record, changes, now)
    if record.get("deleted_at"):
        record["list_memberships"] = []
    return record


def from_seed(body: dict[str, Any], now: str) -> dict[str, Any]:
    """A seeded contact: like a POST, but stored fields such as ids, opt-out data and
    ``deleted_at`` are taken as given, so tests can set up any state without HTTP."""
    source = body.get("create_source") or "Account"
    record = from_post({**body, "create_source": source}, now)
    if body.get("contact_id"):
        record["contact_id"] = body["contact_id"]
    if body.get("update_source"):
        record["update_source"] = body["update_source"]
    email = body.get("email_address")
    if email:
        for key, value in email.items():
            if key != "address":
                record["email_address"][key] = value
    if body.get("deleted_at"):
        record["deleted_at"] = body["deleted_at"]
        record["list_memberships"] = []
    return record
