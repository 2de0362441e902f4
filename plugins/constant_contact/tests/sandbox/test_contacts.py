"""The contacts endpoints: paging and filters, create/409, PUT replace and revive, soft delete, sign-up."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from cc_sandbox_helpers import contact_body


def _all_pages(api, **params) -> tuple[list[dict], int]:
    """Every contact of a listing, following _links.next; and the number of pages."""
    found, pages = [], 0
    answer = api.get("/contacts", params=params)
    while True:
        assert answer.status_code == 200, answer.text
        pages += 1
        body = answer.json()
        found += body["contacts"]
        nxt = body.get("_links", {}).get("next")
        if not nxt:
            return found, pages
        assert nxt["href"].startswith("/v3/contacts?cursor=")
        assert set(parse_qs(urlsplit(nxt["href"]).query)) == {"cursor"}
        answer = api.get(nxt["href"])


def test_paging_through_several_pages_with_filters(sb, api, list_id):
    other = sb.create_list("Other")
    ids = sb.seed_contacts([{"email_address": {"address": f"c{i}@example.com"}, "first_name": f"C{i}",
                             "list_memberships": [list_id if i % 2 else other]} for i in range(23)])
    sb.delete_contact(ids[0])
    sb.update_contact(ids[1], {"email_address": {"permission_to_send": "unsubscribed"}})
    everyone, pages = _all_pages(api, limit=5)
    assert pages == 5 and len(everyone) == 22  # the deleted one is left out by default
    assert len({c["contact_id"] for c in everyone}) == 22
    with_deleted, _ = _all_pages(api, limit=5, status="all")
    assert len(with_deleted) == 23
    deleted, _ = _all_pages(api, status="deleted")
    assert [c["contact_id"] for c in deleted] == [ids[0]] and deleted[0]["deleted_at"]
    unsubscribed, _ = _all_pages(api, status="unsubscribed")
    assert [c["contact_id"] for c in unsubscribed] == [ids[1]]
    on_list, pages = _all_pages(api, limit=4, lists=list_id, include="list_memberships")
    assert len(on_list) == 11 and pages == 3
    assert all(c["list_memberships"] == [list_id] for c in on_list)
    counted = api.get("/contacts", params={"limit": 2, "include_count": "true", "status": "all"}).json()
    assert counted["contacts_count"] == 23 and len(counted["contacts"]) == 2


def test_updated_after_with_sub_second_timestamps(sb, api):
    ids = sb.seed_contacts([{"email_address": {"address": f"t{i}@example.com"}} for i in range(30)])
    stamps = [sb.get_contact(i)["updated_at"] for i in ids]
    assert stamps == sorted(stamps) and len(set(stamps)) == 30
    assert all(len(s) == len("2026-11-26T13:31:17.123456Z") and s.endswith("Z") for s in stamps)
    newer, _ = _all_pages(api, limit=7, updated_after=stamps[9])
    assert [c["contact_id"] for c in newer] == ids[10:]
    window, _ = _all_pages(api, updated_after=stamps[9], updated_before=stamps[20])
    assert [c["contact_id"] for c in window] == ids[10:20]
    sb.update_contact(ids[3], {"first_name": "Changed"})
    changed, _ = _all_pages(api, updated_after=stamps[-1])
    assert [c["contact_id"] for c in changed] == [ids[3]]


def test_created_after_and_email_filters(sb, api):
    [old] = sb.seed_contacts([{"email_address": {"address": "Old@Example.com"}, "created_at": "2020-01-01T00:00:00Z"}])
    sb.seed_contacts([{"email_address": {"address": "new@example.com"}}])
    recent = api.get("/contacts", params={"created_after": "2021-01-01T00:00:00+00:00"}).json()["contacts"]
    assert [c["email_address"]["address"] for c in recent] == ["new@example.com"]
    by_email = api.get("/contacts", params={"email": "old@example.com"}).json()["contacts"]
    assert [c["contact_id"] for c in by_email] == [old]


def test_a_contact_changed_while_paging_is_not_skipped(sb, api):
    ids = sb.seed_contacts([{"email_address": {"address": f"m{i}@example.com"}} for i in range(6)])
    first = api.get("/contacts", params={"limit": 3}).json()
    sb.update_contact(ids[4], {"first_name": "Moved"})
    seen = [c["contact_id"] for c in first["contacts"]]
    answer = api.get(first["_links"]["next"]["href"]).json()
    while True:
        seen += [c["contact_id"] for c in answer["contacts"]]
        if "_links" not in answer:
            break
        answer = api.get(answer["_links"]["next"]["href"]).json()
    assert set(seen) == set(ids)
    assert seen.count(ids[4]) == 1  # it moved behind the cursor and shows up once, later


def test_include_controls_sub_resources(sb, api, list_id):
    [cid] = sb.seed_contacts([contact_body("inc@example.com", phone_numbers=[{"phone_number": "1", "kind": "home"}],
                                           list_memberships=[list_id])])
    bare = api.get(f"/contacts/{cid}").json()
    assert "phone_numbers" not in bare and "list_memberships" not in bare
    rich = api.get(f"/contacts/{cid}", params={"include": "phone_numbers,list_memberships"}).json()
    assert rich["phone_numbers"][0]["phone_number"] == "1" and rich["list_memberships"] == [list_id]
    assert api.get("/contacts", params={"include": "everything"}).status_code == 400


@pytest.mark.parametrize("limit,status", [("0", 400), ("1", 200), ("500", 200), ("501", 400), ("ten", 400)])
def test_limit_boundaries(api, limit, status):
    assert api.get("/contacts", params={"limit": limit}).status_code == status


def test_bad_filters_are_400(api):
    assert api.get("/contacts", params={"status": "gone"}).status_code == 400
    assert api.get("/contacts", params={"updated_after": "yesterday"}).status_code == 400
    assert api.get("/contacts", params={"cursor": "!!!"}).status_code == 400
    assert api.get("/contacts", params={"lists": ",".join(["x"] * 26)}).status_code == 400


def test_create_needs_create_source_and_an_identity(api):
    assert api.post("/contacts", {"first_name": "A"}).status_code == 400
    assert api.post("/contacts", {"create_source": "Account"}).status_code == 400
    created = api.post("/contacts", {"create_source": "Contact", "last_name": "Only"})
    assert created.status_code == 201 and created.json()["create_source"] == "Contact"


def test_create_409_when_the_email_belongs_to_a_deleted_contact(sb, api):
    first = api.post("/contacts", contact_body("gone@example.com")).json()
    assert api.delete(f"/contacts/{first['contact_id']}").status_code == 204
    answer = api.post("/contacts", contact_body(" Gone@Example.COM"))
    assert answer.status_code == 409
    assert first["contact_id"] in answer.json()[0]["error_message"]


def test_soft_delete_keeps_consent_and_strips_lists(sb, api, list_id):
    created = api.post("/contacts", contact_body("del@example.com", list_memberships=[list_id])).json()
    assert api.delete(f"/contacts/{created['contact_id']}").status_code == 204
    got = api.get(f"/contacts/{created['contact_id']}", params={"include": "list_memberships"})
    assert got.status_code == 200
    body = got.json()
    assert body["deleted_at"] == time.strftime("%Y-%m-%d", time.gmtime()) or len(body["deleted_at"]) == 10
    assert body["list_memberships"] == []
    assert body["email_address"]["permission_to_send"] == "implicit"
    assert body["updated_at"] > created["updated_at"]
    assert api.get("/contacts/3fa85f64-5717-4562-b3fc-2c963f66afa6").status_code == 404
    assert api.delete("/contacts/3fa85f64-5717-4562-b3fc-2c963f66afa6").status_code == 404


def test_put_replaces_core_fields_and_keeps_omitted_sub_resources(sb, api, list_id):
    created = api.post("/contacts", contact_body(
        "put@example.com", last_name="Lovelace", job_title="Analyst", birthday_month=12, birthday_day=10,
        phone_numbers=[{"phone_number": "555", "kind": "home"}], list_memberships=[list_id])).json()
    cid = created["contact_id"]
    answer = api.put(f"/contacts/{cid}", {"update_source": "Account", "email_address": {"address": "put@example.com"},
                                          "first_name": "Augusta"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["first_name"] == "Augusta"
    for gone in ("last_name", "job_title", "birthday_month", "birthday_day"):
        assert gone not in body
    assert body["phone_numbers"][0]["phone_number"] == "555" and body["list_memberships"] == [list_id]
    assert api.put(f"/contacts/{cid}", {"first_name": "No source"}).status_code == 400
    assert api.put("/contacts/3fa85f64-5717-4562-b3fc-2c963f66afa6",
                   {"update_source": "Account", "first_name": "x"}).status_code == 404


def test_put_revives_a_deleted_contact(sb, api, list_id):
    created = api.post("/contacts", contact_body("back@example.com", list_memberships=[list_id])).json()
    api.delete(f"/contacts/{created['contact_id']}")
    answer = api.put(f"/contacts/{created['contact_id']}", {
        "update_source": "Account", "email_address": {"address": "back@example.com"}, "first_name": "Back",
        "list_memberships": [list_id]})
    assert answer.status_code == 200
    assert "deleted_at" not in answer.json() and answer.json()["list_memberships"] == [list_id]
    listed = api.get("/contacts").json()["contacts"]
    assert [c["contact_id"] for c in listed] == [created["contact_id"]]


def test_a_no_op_put_does_not_move_updated_at(api):
    created = api.post("/contacts", contact_body("same@example.com", phone_numbers=[{"phone_number": "1", "kind": "work"}],
                                                 street_addresses=[{"kind": "home", "city": "Paris"}])).json()
    again = dict(created, update_source="Account")
    answer = api.put(f"/contacts/{created['contact_id']}", again).json()
    assert answer["updated_at"] == created["updated_at"]
    assert answer["phone_numbers"] == created["phone_numbers"]
    changed = api.put(f"/contacts/{created['contact_id']}", dict(again, company_name="Acme")).json()
    assert changed["updated_at"] > created["updated_at"]


def test_put_never_resubscribes_and_can_unsubscribe(sb, api):
    created = api.post("/contacts", contact_body("consent@example.com")).json()
    cid = created["contact_id"]
    unsub = api.put(f"/contacts/{cid}", {"update_source": "Account", "first_name": "Ada", "email_address": {
        "address": "consent@example.com", "permission_to_send": "unsubscribed", "opt_out_reason": "asked"}}).json()
    assert unsub["email_address"]["permission_to_send"] == "unsubscribed"
    assert unsub["email_address"]["opt_out_reason"] == "asked" and unsub["email_address"]["opt_out_date"]
    back = api.put(f"/contacts/{cid}", {"update_source": "Account", "first_name": "Ada", "email_address": {
        "address": "consent@example.com", "permission_to_send": "explicit"}}).json()
    assert back["email_address"]["permission_to_send"] == "unsubscribed"


def test_put_to_an_email_of_another_contact_is_409(api):
    a = api.post("/contacts", contact_body("a@example.com")).json()
    api.post("/contacts", contact_body("b@example.com"))
    answer = api.put(f"/contacts/{a['contact_id']}", {"update_source": "Account",
                                                      "email_address": {"address": "B@example.com"}})
    assert answer.status_code == 409


def test_sign_up_form_creates_then_appends(sb, api, list_id):
    other = sb.create_list("Events")
    created = api.post("/contacts/sign_up_form", {"email_address": "su@example.com", "first_name": "Sue",
                                                  "list_memberships": [list_id]})
    assert created.status_code == 201 and created.json()["action"] == "created"
    updated = api.post("/contacts/sign_up_form", {"email_address": "SU@example.com", "last_name": "Storm",
                                                  "list_memberships": [other]})
    assert updated.status_code == 200 and updated.json() == {"contact_id": created.json()["contact_id"],
                                                             "action": "updated"}
    contact = sb.get_contact(created.json()["contact_id"])
    assert (contact["first_name"], contact["last_name"]) == ("Sue", "Storm")
    assert contact["list_memberships"] == [list_id, other]
    assert contact["email_address"]["permission_to_send"] == "explicit"
    assert api.post("/contacts/sign_up_form", {"email_address": "x@example.com", "list_memberships": []}).status_code == 400


def test_json_content_type_is_required(api):
    answer = api.session.post(api.url("/contacts"), data='{"create_source": "Account", "first_name": "A"}',
                              headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415
    assert api.session.post(api.url("/contacts"), data="{not json",
                            headers={"Content-Type": "application/json"}).status_code == 400


def test_lists_and_custom_fields(sb, api):
    created = api.post("/contact_lists", {"name": "Customers"})
    assert created.status_code == 201
    assert api.post("/contact_lists", {"name": "customers"}).status_code == 409
    assert api.post("/contact_lists", {"name": "x" * 255}).status_code == 201
    assert api.post("/contact_lists", {"name": "y" * 256}).status_code == 400
    assert api.post("/contact_lists", {}).status_code == 400
    names = [entry["name"] for entry in api.get("/contact_lists").json()["lists"]]
    assert names[0] == "Customers" and len(names) == 2
    assert api.get(f"/contact_lists/{created.json()['list_id']}").json()["name"] == "Customers"
    field = api.post("/contact_custom_fields", {"label": "Tier", "type": "string"})
    assert field.status_code == 201
    assert api.post("/contact_custom_fields", {"label": "Tier", "type": "string"}).status_code == 409
    assert api.post("/contact_custom_fields", {"label": "x" * 51, "type": "string"}).status_code == 400
    assert api.post("/contact_custom_fields", {"label": "Odd", "type": "blob"}).status_code == 400
    assert [f["label"] for f in api.get("/contact_custom_fields").json()["custom_fields"]] == ["Tier"]


def test_list_paging(sb, api):
    for i in range(5):
        sb.create_list(f"L{i}")
    first = api.get("/contact_lists", params={"limit": 2}).json()
    second = api.get(first["_links"]["next"]["href"]).json()
    third = api.get(second["_links"]["next"]["href"]).json()
    assert [len(p["lists"]) for p in (first, second, third)] == [2, 2, 1] and "_links" not in third
