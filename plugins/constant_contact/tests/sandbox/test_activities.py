"""Bulk activities: JSON import and contact delete, polled to completion, with their limits."""

from __future__ import annotations

import pytest
from cc_sandbox_helpers import Api

from crm_constant_contact.sandbox import Sandbox


def _import(api, rows, list_ids):
    return api.post("/activities/contacts_json_import", {"import_data": rows, "list_ids": list_ids})


def test_import_moves_through_the_states_to_completion(sb, api, list_id):
    created = _import(api, [{"email": f"i{i}@example.com", "first_name": f"I{i}"} for i in range(3)], [list_id])
    assert created.status_code == 201
    assert created.json()["state"] == "initialized" and created.json()["percent_done"] == 0
    states = [s["state"] for s in api.poll(created.json()["activity_id"])]
    assert states == ["processing", "completed"]
    done = api.get(f"/activities/{created.json()['activity_id']}").json()
    assert done["percent_done"] == 100 and done["completed_at"]
    assert done["status"]["items_total_count"] == 3 and done["status"]["items_completed_count"] == 3
    assert done["status"]["person_count"] == 3 and done["activity_errors"] == []
    contacts = sb.contacts()
    assert sorted(c["first_name"] for c in contacts) == ["I0", "I1", "I2"]
    assert all(c["email_address"]["permission_to_send"] == "implicit" for c in contacts)
    assert all(c["email_address"]["opt_in_source"] == "Account" and c["create_source"] == "Account" for c in contacts)
    assert all(c["list_memberships"] == [list_id] for c in contacts)
    assert api.get("/activities/3fa85f64-5717-4562-b3fc-2c963f66afa6").status_code == 404


@pytest.mark.parametrize("steps,expected", [(0, []), (1, ["completed"]), (3, ["processing", "processing", "completed"])])
def test_activity_steps_are_configurable(steps, expected):
    with Sandbox(rate_limit_per_second=None, daily_limit=None, activity_steps=steps) as sb:
        api = Api(sb, sb.issue_token()["access_token"])
        created = _import(api, [{"email": "s@example.com"}], [sb.create_list("L")]).json()
        if steps == 0:
            assert created["state"] == "completed"
        else:
            assert [s["state"] for s in api.poll(created["activity_id"])] == expected


def test_import_maps_flat_keys(sb, api, list_id):
    sb.create_custom_field("Shoe size")
    _import(api, [{"email": "flat@example.com", "first_name": "F", "last_name": "Lat", "job_title": "Dev",
                   "company_name": "Acme", "birthday_month": "4", "birthday_day": 2, "anniversary": "2001-4-2",
                   "phone": "555-0000", "home_phone": "555-0001", "work_phone": "555-0002",
                   "street": "1 Road", "street2": "Apt 2", "city": "Lyon", "zip": "69000", "country": "France",
                   "work_city": "Paris", "cf:Shoe_size": "42"}], [list_id])
    [contact] = sb.contacts()
    assert (contact["birthday_month"], contact["birthday_day"], contact["anniversary"]) == (4, 2, "2001-4-2")
    assert {p["kind"]: p["phone_number"] for p in contact["phone_numbers"]} == {
        "other": "555-0000", "home": "555-0001", "work": "555-0002"}
    addresses = {a["kind"]: a for a in contact["street_addresses"]}
    assert addresses["home"]["street"] == "1 Road Apt 2" and addresses["home"]["postal_code"] == "69000"
    assert addresses["work"]["city"] == "Paris"
    assert contact["custom_fields"][0]["value"] == "42"


def test_import_counts_per_item_errors_as_the_contract_describes(sb, api, list_id):
    rows = [
        {"email": "ok@example.com"},
        {"email": "not-an-email"},                            # correctable: email format
        {"first_name": "No email"},                           # correctable: no minimal contact information
        {"email": "b@example.com", "birthday_month": 13, "birthday_day": 1},  # correctable: birthday
        {"email": "n@example.com", "anniversary": "someday"},  # correctable: anniversary
        {"email": "l@example.com", "first_name": "x" * 51},   # error: too long
        {"email": "c@example.com", "cf:nope": "1"},           # error: unknown custom field
        {"email": "u@example.com", "favourite_food": "x"},    # error: unknown field
        "not an object",                                      # error
    ]
    created = _import(api, rows, [list_id]).json()
    status = api.poll(created["activity_id"])[-1]
    assert status["status"]["person_count"] == 1
    assert status["status"]["correctable_count"] == 4 and status["status"]["error_count"] == 4
    assert status["status"]["items_total_count"] == 9
    assert len(status["activity_errors"]) == 8
    assert status["activity_errors"][0].startswith("Row 2 (not-an-email):")
    assert any(e.startswith("Row 7 ") and "nope" in e for e in status["activity_errors"])
    assert [c["email_address"]["address"] for c in sb.contacts()] == ["ok@example.com"]


def test_import_updates_only_given_properties_and_never_resubscribes(sb, api, list_id):
    [kept, unsub, gone] = sb.seed_contacts([
        {"email_address": {"address": "kept@example.com"}, "first_name": "Kept", "job_title": "CEO",
         "phone_numbers": [{"phone_number": "1", "kind": "work"}]},
        {"email_address": {"address": "unsub@example.com", "permission_to_send": "unsubscribed"}, "first_name": "U"},
        {"email_address": {"address": "gone@example.com"}, "first_name": "Gone"},
    ])
    sb.delete_contact(gone)
    created = _import(api, [{"email": "KEPT@example.com", "last_name": "Now", "job_title": "", "home_phone": "2"},
                            {"email": "unsub@example.com", "last_name": "Still"},
                            {"email": "gone@example.com", "last_name": "Back"}], [list_id]).json()
    status = api.poll(created["activity_id"])[-1]["status"]
    assert status["cannot_add_to_list_count"] == 1 and status["person_count"] == 3
    k = sb.get_contact(kept)
    assert (k["first_name"], k["last_name"], k["job_title"]) == ("Kept", "Now", "CEO")
    assert {p["kind"] for p in k["phone_numbers"]} == {"work", "home"}
    assert k["list_memberships"] == [list_id]
    u = sb.get_contact(unsub)
    assert u["last_name"] == "Still" and u["email_address"]["permission_to_send"] == "unsubscribed"
    assert u["list_memberships"] == []
    g = sb.get_contact(gone)
    assert "deleted_at" not in g and g["last_name"] == "Back" and g["list_memberships"] == [list_id]
    assert len(sb.contacts()) == 3


def test_import_request_limits(sb, api, list_id):
    assert _import(api, [], [list_id]).status_code == 400
    assert _import(api, [{"email": "a@example.com"}], []).status_code == 400
    assert api.post("/activities/contacts_json_import", {"import_data": [{"email": "a@example.com"}]}).status_code == 400
    assert _import(api, [{"email": "a@example.com"}], ["3fa85f64-5717-4562-b3fc-2c963f66afa6"]).status_code == 400
    lists = [sb.create_list(f"l{i}") for i in range(51)]
    assert _import(api, [{"email": "a@example.com"}], lists[:50]).status_code == 201
    assert _import(api, [{"email": "a@example.com"}], lists).status_code == 400


def test_import_size_limits(sb, api, list_id):
    too_many = _import(api, [{"email": "x"}] * 40_001, [list_id])
    assert too_many.status_code == 400 and "40000" in too_many.text
    big = "x" * 200
    rows = [{"email": f"a{i}@example.com", "street": big} for i in range(19_000)]  # just over 4 MB
    too_big = _import(api, rows, [list_id])
    assert too_big.status_code == 400 and "4 MB" in too_big.text
    assert sb.contacts() == []


def test_import_of_40000_contacts_is_accepted(sb, api, list_id):
    rows = [{"email": f"bulk{i}@example.com", "first_name": "B"} for i in range(40_000)]
    created = _import(api, rows, [list_id])
    assert created.status_code == 201
    assert api.poll(created.json()["activity_id"])[-1]["status"]["person_count"] == 40_000
    counted = api.get("/contacts", params={"limit": 1, "include_count": "true"}).json()
    assert counted["contacts_count"] == 40_000


def test_contact_delete_by_ids_and_by_lists(sb, api, list_id):
    ids = sb.seed_contacts([{"email_address": {"address": f"d{i}@example.com"},
                             "list_memberships": [list_id] if i < 3 else []} for i in range(6)])
    created = api.post("/activities/contact_delete", {"contact_ids": ids[3:5] + ["3fa85f64-5717-4562-b3fc-2c963f66afa6"]})
    assert created.status_code == 201 and created.json()["state"] == "initialized"
    final = api.poll(created.json()["activity_id"])[-1]
    assert final["state"] == "completed" and final["status"]["items_total_count"] == 3
    assert len(final["activity_errors"]) == 1 and "not found" in final["activity_errors"][0]
    by_list = api.post("/activities/contact_delete", {"list_ids": [list_id]}).json()
    assert api.poll(by_list["activity_id"])[-1]["status"]["list_count"] == 1
    remaining = [c["contact_id"] for c in api.get("/contacts").json()["contacts"]]
    assert remaining == [ids[5]]
    assert all(sb.get_contact(i)["deleted_at"] for i in ids[:5])


def test_contact_delete_limits(sb, api, list_id):
    ids = [f"3fa85f64-5717-4562-b3fc-{i:012d}" for i in range(501)]
    assert api.post("/activities/contact_delete", {"contact_ids": ids[:500]}).status_code == 201
    assert api.post("/activities/contact_delete", {"contact_ids": ids}).status_code == 400
    assert api.post("/activities/contact_delete", {"contact_ids": ids[:1], "list_ids": [list_id]}).status_code == 400
    assert api.post("/activities/contact_delete", {}).status_code == 400
    lists = [sb.create_list(f"l{i}") for i in range(51)]
    assert api.post("/activities/contact_delete", {"list_ids": lists[:50]}).status_code == 201
    assert api.post("/activities/contact_delete", {"list_ids": lists}).status_code == 400
