"""``/v3/contact_lists`` and ``/v3/contact_custom_fields``: the account-level things a sync targets."""

from __future__ import annotations

from typing import Any

from .http_types import Request, Response, error_array, json_response, not_found, validation_error
from .paging import decode_cursor, encode_cursor, parse_bool, parse_limit
from .state import MAX_CUSTOM_FIELDS, MAX_LISTS, Store

LIST_NAME_MAX = 255
CUSTOM_FIELD_LABEL_MAX = 50
CUSTOM_FIELD_TYPES = ("string", "date", "number", "currency", "boolean", "single_select", "multi_select",
                      "datetime")


def _page(items: list[dict[str, Any]], req: Request, path: str, default: int, maximum: int) -> tuple[list, dict]:
    """Offset paging behind an opaque cursor, as the list endpoints page."""
    if req.query.get("cursor"):
        state = decode_cursor(req.query["cursor"])
        offset, limit = int(state.get("o", 0)), int(state.get("l", default))
    else:
        offset, limit = 0, parse_limit(req.query.get("limit"), default, maximum)
    page = items[offset:offset + limit]
    links: dict[str, Any] = {}
    if offset + limit < len(items):
        links = {"next": {"href": f"{path}?cursor=" + encode_cursor({"o": offset + limit, "l": limit})}}
    return page, links


class ListsApi:
    """Handlers for contact lists and custom fields; each runs with the sandbox lock held."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _render_list(self, record: dict[str, Any], with_count: bool) -> dict[str, Any]:
        out = dict(record)
        if with_count:
            out["membership_count"] = len(self.store.members.get(record["list_id"], ()))
        return out

    def lists(self, req: Request) -> Response:
        items = list(self.store.lists.values())
        name = req.query.get("name")
        if name:
            items = [i for i in items if i["name"].casefold() == name.strip().casefold()]
        page, links = _page(items, req, "/v3/contact_lists", 50, 1000)
        with_count = bool(req.query.get("include_membership_count"))
        body: dict[str, Any] = {"lists": [self._render_list(i, with_count) for i in page]}
        if parse_bool(req.query.get("include_count"), "include_count"):
            body["lists_count"] = len(items)
        if links:
            body["_links"] = links
        return json_response(200, body)

    def get_list(self, req: Request) -> Response:
        record = self.store.lists.get(req.params["id"])
        if record is None:
            raise not_found(f"List {req.params['id']}")
        return json_response(200, self._render_list(record, bool(req.query.get("include_membership_count"))))

    def create_list(self, req: Request) -> Response:
        body = req.json if isinstance(req.json, dict) else {}
        problems = []
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append("name is required")
        elif len(name) > LIST_NAME_MAX:
            problems.append(f"name exceeds the maximum length of {LIST_NAME_MAX}")
        if body.get("description") is not None and not isinstance(body["description"], str):
            problems.append("description must be a string")
        if body.get("favorite") is not None and not isinstance(body["favorite"], bool):
            problems.append("favorite must be true or false")
        if problems:
            raise validation_error(problems)
        if self.store.list_id_for_name(name):
            raise error_array(409, "contacts.api.conflict", f"A list named {name} already exists")
        if len(self.store.lists) >= MAX_LISTS:
            raise validation_error([f"An account can have at most {MAX_LISTS} lists"])
        record = self.store.create_list(name, body.get("description"), body.get("favorite", False))
        return json_response(201, record)

    def custom_fields(self, req: Request) -> Response:
        page, links = _page(list(self.store.custom_fields.values()), req, "/v3/contact_custom_fields", 50, 100)
        body: dict[str, Any] = {"custom_fields": [dict(i) for i in page]}
        if links:
            body["_links"] = links
        return json_response(200, body)

    def create_custom_field(self, req: Request) -> Response:
        body = req.json if isinstance(req.json, dict) else {}
        problems = []
        label, type_ = body.get("label"), body.get("type")
        if not isinstance(label, str) or not label.strip():
            problems.append("label is required")
        elif len(label) > CUSTOM_FIELD_LABEL_MAX:
            problems.append(f"label exceeds the maximum length of {CUSTOM_FIELD_LABEL_MAX}")
        if type_ not in CUSTOM_FIELD_TYPES:
            problems.append(f"type is required and must be one of {', '.join(CUSTOM_FIELD_TYPES)}")
        if problems:
            raise validation_error(problems)
        if self.store.custom_field_id_for_name(label.strip().replace(" ", "_")):
            raise error_array(409, "contacts.api.conflict", f"A custom field named {label} already exists")
        if len(self.store.custom_fields) >= MAX_CUSTOM_FIELDS:
            raise validation_error([f"An account can have at most {MAX_CUSTOM_FIELDS} custom fields"])
        return json_response(201, self.store.create_custom_field(label, type_))
