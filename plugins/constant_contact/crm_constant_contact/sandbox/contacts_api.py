"""``/v3/contacts``: list with filters and cursor paging, get, create, replace, soft delete, sign-up form.

Listing order is ascending ``updated_at`` (ties by id). A contact changed while a client pages
moves behind the cursor and is seen again later rather than skipped, which is what an
incremental sync needs.

``status``: no value leaves deleted contacts out; ``all`` includes them; ``deleted`` selects them;
``active`` means a live contact with explicit or implicit permission; the other values select
live contacts by ``permission_to_send``. ``sign_up_form`` stands for the contact's own consent,
so it sets ``explicit`` even on an unsubscribed address, and revives a deleted contact.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from . import records
from .clock import parse_iso, to_date, to_iso, wall_us
from .http_types import ApiError, Request, Response, error_array, json_response, not_found, validation_error
from .paging import decode_cursor, encode_cursor, parse_bool, parse_limit
from .state import SUBRESOURCES, Store
from .validation import MAX_LISTS_PER_CONTACT, validate_contact, validate_sign_up_form

STATUSES = ("all", "active", "deleted", "not_set", "pending_confirmation", "temp_hold", "unsubscribed")
DATE_FILTERS = ("updated_after", "updated_before", "created_after", "created_before", "optout_after",
                "optout_before")
MAX_LIST_FILTER = 25


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def conflict(existing_id: str) -> ApiError:
    """The documented 409 for an address that already belongs to a contact (deleted ones too)."""
    return error_array(409, "contacts.api.conflict",
                       f"Validation failed: Email already exists for contact {existing_id}")


def now_iso() -> str:
    return to_iso(wall_us())


class ContactsApi:
    """Handlers for the contact endpoints; each runs with the sandbox lock held."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _exists(self) -> tuple[Callable[[str], bool], Callable[[str], bool]]:
        return self.store.lists.__contains__, self.store.custom_fields.__contains__

    # ----- listing ----------------------------------------------------------------------------
    def _filters(self, query: dict[str, str]) -> dict[str, Any]:
        problems = []
        status = _csv(query.get("status"))
        bad = [s for s in status if s not in STATUSES]
        if bad:
            problems.append(f"status must be one or more of {', '.join(STATUSES)}")
        include = _csv(query.get("include"))
        if any(i not in SUBRESOURCES for i in include):
            problems.append(f"include must be one or more of {', '.join(SUBRESOURCES)}")
        lists = _csv(query.get("lists"))
        if len(lists) > MAX_LIST_FILTER:
            problems.append(f"lists accepts at most {MAX_LIST_FILTER} list ids")
        dates: dict[str, int] = {}
        for name in DATE_FILTERS:
            if query.get(name):
                try:
                    dates[name] = parse_iso(query[name])
                except ValueError:
                    problems.append(f"{name} must be an ISO-8601 date-time")
        try:
            limit = parse_limit(query.get("limit"), 50, 500)
            include_count = parse_bool(query.get("include_count"), "include_count")
        except ApiError as exc:
            problems += [e["error_message"] for e in exc.payload]
            limit, include_count = 50, False
        if problems:
            raise validation_error(problems)
        return {"status": status, "include": include, "lists": lists, "dates": dates, "limit": limit,
                "count": include_count, "email": (query.get("email") or "").strip()}

    def _matcher(self, f: dict[str, Any]) -> Callable[[dict[str, Any]], bool] | None:
        """The record test for the filters ``f``; None when every contact passes (``status=all``
        and no list, creation or opt-out filter), so a scan reads no record."""
        statuses = set(f["status"])
        lists = set(f["lists"])
        dates = f["dates"]
        created = self.store.created_us
        c_after, c_before = dates.get("created_after"), dates.get("created_before")
        o_after, o_before = dates.get("optout_after"), dates.get("optout_before")
        if "all" in statuses and not lists and c_after is None and c_before is None \
                and o_after is None and o_before is None:
            return None

        def match(record: dict[str, Any]) -> bool:
            deleted = "deleted_at" in record
            if not statuses:
                if deleted:
                    return False
            elif "all" not in statuses:
                permission = (record.get("email_address") or {}).get("permission_to_send")
                if deleted:
                    if "deleted" not in statuses:
                        return False
                elif not (permission in statuses or ("active" in statuses and permission in records.OPTED_IN)):
                    return False
            if lists and lists.isdisjoint(record["list_memberships"]):
                return False
            if c_after is not None or c_before is not None:
                c = created(record["contact_id"])
                if (c_after is not None and c <= c_after) or (c_before is not None and c >= c_before):
                    return False
            if o_after is not None or o_before is not None:
                opt_out = (record.get("email_address") or {}).get("opt_out_date")
                if not opt_out:
                    return False
                o = parse_iso(opt_out)
                if (o_after is not None and o <= o_after) or (o_before is not None and o >= o_before):
                    return False
            return True
        return match

    def list(self, req: Request) -> Response:
        if req.query.get("cursor"):
            state = decode_cursor(req.query["cursor"])
            try:
                f, after = state["f"], tuple(state["a"])
                after = (int(after[0]), str(after[1]))
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise error_array(400, "contacts.api.validation.error", "cursor is not valid") from exc
        else:
            f, after = self._filters(req.query), None
        match = self._matcher(f)
        dates = f["dates"]
        bounds = {"updated_after": dates.get("updated_after"), "updated_before": dates.get("updated_before")}
        if f["email"]:
            cid = self.store.id_for_email(f["email"])
            if cid is None:
                candidates = iter(())
            else:
                u = self.store.updated_us(cid)
                in_range = ((bounds["updated_after"] is None or u > bounds["updated_after"])
                            and (bounds["updated_before"] is None or u < bounds["updated_before"]))
                candidates = iter([(u, cid)] if in_range and (match is None or match(self.store.contacts[cid]))
                                  else [])
        else:
            candidates = self.store.scan(match, after=after, **bounds)
        page, last, more = [], None, False
        for entry in candidates:
            if len(page) == f["limit"]:
                more = True
                break
            page.append(entry[1])
            last = entry
        rest: dict[str, Any] = {}
        if f["count"]:
            key = json.dumps(f, sort_keys=True)
            if f["email"]:
                rest["contacts_count"] = len(page)
            else:
                rest["contacts_count"] = self.store.cached_count(
                    key, lambda: sum(1 for _ in self.store.scan(match, **bounds)))
        if more and last:
            rest["_links"] = {"next": {"href": "/v3/contacts?cursor=" + encode_cursor({"f": f, "a": list(last)})}}
        # {"contacts":[...],...} as json_response writes it, the contacts as stored (already JSON)
        tail = json.dumps(rest, separators=(",", ":")).encode()
        contacts = self.store.contacts.rendered_list(page, f["include"])
        body = b"".join((b'{"contacts":[', contacts, b"]", b"," if rest else b"", tail[1:]))
        return Response(200, body, "application/json", {})

    # ----- single contacts --------------------------------------------------------------------
    def _contact(self, cid: str) -> dict[str, Any]:
        record = self.store.get(cid)
        if record is None:
            raise not_found(f"Contact {cid}")
        return record

    def get(self, req: Request) -> Response:
        record = self._contact(req.params["id"])
        include = _csv(req.query.get("include"))
        if any(i not in SUBRESOURCES for i in include):
            raise validation_error([f"include must be one or more of {', '.join(SUBRESOURCES)}"])
        return json_response(200, records.render(record, include))

    def create(self, req: Request) -> Response:
        list_exists, cf_exists = self._exists()
        problems = validate_contact(req.json, mode="create", list_exists=list_exists, custom_field_exists=cf_exists)
        if problems:
            raise validation_error(problems)
        email = (req.json.get("email_address") or {}).get("address")
        if email and self.store.id_for_email(email):
            raise conflict(self.store.id_for_email(email))
        cid = self.store.insert(records.from_post(req.json, now_iso()))
        return json_response(201, records.render(self.store.contacts[cid], SUBRESOURCES))

    def replace(self, req: Request) -> Response:
        record = self._contact(req.params["id"])
        list_exists, cf_exists = self._exists()
        problems = validate_contact(req.json, mode="update", list_exists=list_exists, custom_field_exists=cf_exists)
        if problems:
            raise validation_error(problems)
        email = (req.json.get("email_address") or {}).get("address")
        owner = self.store.id_for_email(email) if email else None
        if owner and owner != record["contact_id"]:
            raise conflict(owner)
        self.store.commit(record["contact_id"], records.from_put(record, req.json, now_iso()))
        return json_response(200, records.render(self.store.contacts[record["contact_id"]], SUBRESOURCES))

    def delete(self, req: Request) -> Response:
        record = self._contact(req.params["id"])
        soft_delete(self.store, record["contact_id"])
        return Response(204, b"", "")

    def sign_up_form(self, req: Request) -> Response:
        list_exists, cf_exists = self._exists()
        problems = validate_sign_up_form(req.json, list_exists=list_exists, custom_field_exists=cf_exists)
        if problems:
            raise validation_error(problems)
        body, now = req.json, now_iso()
        cid = self.store.id_for_email(body["email_address"])
        if cid is None:
            record = {"email_address": records.new_email(body["email_address"], "explicit", "Contact", now),
                      "create_source": "Contact", "update_source": "Contact"}
            action, status = "created", 201
        else:
            record = records.clone(self.store.contacts[cid])
            record.pop("deleted_at", None)
            record["update_source"] = "Contact"
            records.change_permission(record["email_address"], "explicit", "Contact", now, allow_resubscribe=True)
            action, status = "updated", 200
        apply_sign_up(record, body, now)
        if cid is None:
            cid = self.store.insert(record)
        else:
            self.store.commit(cid, record)
        return json_response(status, {"contact_id": cid, "action": action})


def soft_delete(store: Store, cid: str) -> bool:
    """Mark deleted (``deleted_at`` is a date) and strip list memberships; consent is untouched."""
    record = store.contacts[cid]
    if record.get("deleted_at"):
        return False
    new = records.clone(record)
    new["deleted_at"] = to_date(wall_us())
    new["list_memberships"] = []
    return store.commit(cid, new)


def apply_sign_up(record: dict[str, Any], body: dict[str, Any], now: str) -> None:
    """Partial update of a sign-up: given fields change, lists and custom fields are appended."""
    for name in records.CORE_FIELDS:
        if body.get(name) not in (None, ""):
            record[name] = int(body[name]) if name.startswith("birthday") else body[name]
    lists = list(dict.fromkeys(list(record.get("list_memberships", [])) + body["list_memberships"]))
    record["list_memberships"] = lists[:MAX_LISTS_PER_CONTACT]
    if body.get("custom_fields"):
        merged = {cf["custom_field_id"]: cf for cf in record.get("custom_fields", [])}
        merged.update({cf["custom_field_id"]: cf for cf in records.custom_fields(body["custom_fields"])})
        record["custom_fields"] = list(merged.values())[:25]
    if body.get("phone_number"):
        current = list(record.get("phone_numbers", []))
        if not any(p["phone_number"] == body["phone_number"] for p in current):
            current = (current + [{"phone_number": body["phone_number"], "kind": "other"}])[-3:]
            record["phone_numbers"] = records.phones(current, record.get("phone_numbers", []), now)
    if body.get("street_address"):
        kind = body["street_address"]["kind"]
        others = [a for a in record.get("street_addresses", []) if a.get("kind") != kind]
        record["street_addresses"] = (others + records.addresses([body["street_address"]], [], now))[-3:]
