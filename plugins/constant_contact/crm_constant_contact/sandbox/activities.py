"""Bulk activities: ``contacts_json_import``, ``contact_delete`` and ``GET /activities/{id}``.

The work is done when the activity is created (simple, and fast for 40,000 rows), but the
activity reports ``initialized`` in the creation response and then ``processing`` on each poll
until ``activity_steps`` polls have been made, when it reports ``completed``. A connector that
reads contacts back before the activity completes will therefore already see them; one that
waits for ``completed``, as it must against the real service, behaves the same either way.

What an import does to an existing contact, found by normalised email:

* only the properties the row carries change; an empty value leaves the stored one alone;
* ``permission_to_send`` is never changed. An **unsubscribed** contact gets its other
  properties updated but is **not added to the lists** and is counted in
  ``cannot_add_to_list_count``: it stays unsubscribed, exactly as the real service keeps it;
* a **deleted** contact is revived (``deleted_at`` cleared) and updated, as re-adding a
  deleted contact does in Constant Contact; its consent is kept as it was, so a deleted
  unsubscribed contact comes back unsubscribed and on no list.

New contacts get ``permission_to_send: implicit``, ``opt_in_source: Account`` and
``create_source: Account``.
"""

from __future__ import annotations

from typing import Any

from . import records
from .clock import to_iso, wall_us
from .contacts_api import soft_delete
from .http_types import Request, Response, error_array, json_response, not_found, validation_error
from .import_rows import MappedRow, map_row
from .state import Store, new_id
from .validation import MAX_CONTACT_CUSTOM_FIELDS, MAX_LISTS_PER_CONTACT, MAX_PHONES

MAX_IMPORT_CONTACTS = 40_000
MAX_IMPORT_BYTES = 4 * 1024 * 1024
MAX_IMPORT_LISTS = 50
MAX_DELETE_IDS = 500
MAX_DELETE_LISTS = 50
MAX_QUEUED = 1000
KEEP_FOR_US = 10 * 86400 * 1_000_000


class ActivitiesApi:
    """Handlers for the bulk endpoints; each runs with the sandbox lock held."""

    def __init__(self, store: Store, steps: int = 2) -> None:
        self.store = store
        self.steps = steps

    # ----- bookkeeping ------------------------------------------------------------------------
    def _new_activity(self, kind: str, status: dict[str, Any], errors: list[str]) -> dict[str, Any]:
        now_us = wall_us()
        for aid in [a for a, act in self.store.activities.items() if now_us - act["created_us"] > KEEP_FOR_US]:
            del self.store.activities[aid]
        aid = new_id()
        now = to_iso(now_us)
        public = {"activity_id": aid, "state": "initialized", "created_at": now, "updated_at": now,
                  "percent_done": 0, "activity_errors": errors, "status": status,
                  "_links": {"self": {"href": f"/v3/activities/{aid}"}}}
        activity = {"kind": kind, "created_us": now_us, "polls": 0, "steps": self.steps,
                    "total": status["items_total_count"], "public": public}
        if self.steps <= 0:
            self._advance(activity, now)
        self.store.activities[aid] = activity
        return activity

    def _advance(self, activity: dict[str, Any], now: str) -> None:
        public = activity["public"]
        if public["state"] == "completed":
            return
        public["updated_at"] = now
        public.setdefault("started_at", now)
        if activity["polls"] >= activity["steps"]:
            public.update(state="completed", percent_done=100, completed_at=now)
            public["status"]["items_completed_count"] = activity["total"]
        else:
            done = activity["polls"] * 100 // max(activity["steps"], 1)
            public.update(state="processing", percent_done=done)
            public["status"]["items_completed_count"] = activity["total"] * done // 100

    def _check_queue(self) -> None:
        queued = sum(1 for a in self.store.activities.values() if a["public"]["state"] != "completed")
        if queued >= MAX_QUEUED:
            raise error_array(429, "activities.queue.full",
                              f"More than {MAX_QUEUED} activities are queued for this account")

    def get(self, req: Request) -> Response:
        activity = self.store.activities.get(req.params["id"])
        if activity is None:
            raise not_found(f"Activity {req.params['id']}")
        activity["polls"] += 1
        self._advance(activity, to_iso(wall_us()))
        return json_response(200, activity["public"])

    # ----- contacts_json_import ---------------------------------------------------------------
    def contacts_json_import(self, req: Request) -> Response:
        body = req.json
        problems = []
        if len(req.body) >= MAX_IMPORT_BYTES:
            problems.append("The request body must be smaller than 4 MB")
        if not isinstance(body, dict):
            raise validation_error(problems + ["The request body must be a JSON object"])
        rows = body.get("import_data")
        if not isinstance(rows, list) or not rows:
            problems.append("import_data is required and must contain at least one contact")
        elif len(rows) > MAX_IMPORT_CONTACTS:
            problems.append(f"import_data allows at most {MAX_IMPORT_CONTACTS} contacts, got {len(rows)}")
        list_ids = body.get("list_ids")
        if not isinstance(list_ids, list) or not list_ids:
            problems.append("list_ids is required and must name at least one list")
        elif len(list_ids) > MAX_IMPORT_LISTS:
            problems.append(f"list_ids allows at most {MAX_IMPORT_LISTS} lists, got {len(list_ids)}")
        else:
            problems += [f"list_ids: {lid} does not exist" for lid in list_ids if lid not in self.store.lists]
        if problems:
            raise validation_error(problems)
        self._check_queue()
        status = {"items_total_count": len(rows), "items_completed_count": 0, "person_count": 0,
                  "error_count": 0, "correctable_count": 0, "cannot_add_to_list_count": 0}
        errors: list[str] = []
        now = to_iso(wall_us())
        list_ids = list(dict.fromkeys(list_ids))
        for number, row in enumerate(rows, start=1):
            mapped, found = map_row(row, self.store)
            if mapped is not None:
                problem = self._import_one(mapped, list_ids, now, status)
                if problem:
                    found.fatal.append(problem)
            if found:
                status["correctable_count" if found.correctable else "error_count"] += 1
                label = f"Row {number}" + (f" ({row.get('email')})" if isinstance(row, dict) and row.get("email") else "")
                errors.append(f"{label}: {'; '.join(found.messages())}")
            else:
                status["person_count"] += 1
        activity = self._new_activity("contacts_json_import", status, errors)
        return json_response(201, activity["public"])

    def _import_one(self, row: MappedRow, list_ids: list[str], now: str, status: dict[str, Any]) -> str | None:
        """Create or update one contact; a message when the merged contact would break a limit."""
        cid = self.store.id_for_email(row.email)
        if cid is None:
            record: dict[str, Any] = {"email_address": records.new_email(row.email, "implicit", "Account", now),
                                      "create_source": "Account", "update_source": "Account"}
        else:
            record = records.clone(self.store.contacts[cid])
            record.pop("deleted_at", None)
            record["update_source"] = "Account"
        record.update(row.core)
        if row.phones:
            by_kind = {p["kind"]: p for p in record.get("phone_numbers", [])}
            wanted = [{"kind": p["kind"], "phone_number": p["phone_number"]} for p in by_kind.values()
                      if p["kind"] not in row.phones] + [{"kind": k, "phone_number": v} for k, v in row.phones.items()]
            if len(wanted) > MAX_PHONES:
                return f"a contact can have at most {MAX_PHONES} phone numbers"
            record["phone_numbers"] = records.phones(wanted, record.get("phone_numbers", []), now)
        if row.addresses:
            current = {a["kind"]: a for a in record.get("street_addresses", [])}
            wanted = []
            for kind in list(current) + [k for k in row.addresses if k not in current]:
                merged = {p: current.get(kind, {}).get(p) for p in records.ADDRESS_PARTS}
                merged.update(row.addresses.get(kind, {}))
                wanted.append({"kind": kind, **{k: v for k, v in merged.items() if v}})
            if len(wanted) > 3:
                return "a contact can have at most 3 street addresses"
            record["street_addresses"] = records.addresses(wanted, record.get("street_addresses", []), now)
        if row.custom_fields:
            merged_cf = {cf["custom_field_id"]: cf for cf in record.get("custom_fields", [])}
            merged_cf.update({k: {"custom_field_id": k, "value": v} for k, v in row.custom_fields.items()})
            if len(merged_cf) > MAX_CONTACT_CUSTOM_FIELDS:
                return f"a contact can have at most {MAX_CONTACT_CUSTOM_FIELDS} custom fields"
            record["custom_fields"] = list(merged_cf.values())
        if record["email_address"].get("permission_to_send") == "unsubscribed":
            status["cannot_add_to_list_count"] += 1
        else:
            lists = list(dict.fromkeys(list(record.get("list_memberships", [])) + list_ids))
            record["list_memberships"] = lists[:MAX_LISTS_PER_CONTACT]
        if cid is None:
            self.store.insert(record)
        else:
            self.store.commit(cid, record)
        return None

    # ----- contact_delete ---------------------------------------------------------------------
    def contact_delete(self, req: Request) -> Response:
        body = req.json if isinstance(req.json, dict) else {}
        ids, list_ids = body.get("contact_ids"), body.get("list_ids")
        problems = []
        if ids is not None and list_ids is not None:
            problems.append("Specify either contact_ids or list_ids, not both")
        elif ids is None and list_ids is None:
            problems.append("contact_ids or list_ids is required")
        for name, value, limit in (("contact_ids", ids, MAX_DELETE_IDS), ("list_ids", list_ids, MAX_DELETE_LISTS)):
            if value is None:
                continue
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                problems.append(f"{name} must be a non-empty array of ids")
            elif len(value) > limit:
                problems.append(f"{name} allows at most {limit} ids, got {len(value)}")
        if not problems and list_ids:
            problems += [f"list_ids: {lid} does not exist" for lid in list_ids if lid not in self.store.lists]
        if problems:
            raise validation_error(problems)
        self._check_queue()
        errors: list[str] = []
        if list_ids:
            targets = sorted({cid for lid in list_ids for cid in self.store.members.get(lid, ())})
        else:
            targets = list(dict.fromkeys(ids))
        done = 0
        for cid in targets:
            if cid not in self.store.contacts:
                errors.append(f"Contact {cid} was not found")
                continue
            soft_delete(self.store, cid)
            done += 1
        status: dict[str, Any] = {"items_total_count": len(targets), "items_completed_count": 0,
                                  "error_count": len(errors)}
        if list_ids:
            status["list_count"] = len(list_ids)
        activity = self._new_activity("contact_delete", status, errors)
        return json_response(201, activity["public"])
