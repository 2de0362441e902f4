"""Contract tests: every shape the sandbox serves matches the project's schemas of the V3 contract."""

from __future__ import annotations

import pytest
import requests
from cc_sandbox_helpers import contact_body

from crm_constant_contact.sandbox import Sandbox

FULL_INCLUDE = "custom_fields,list_memberships,phone_numbers,street_addresses,taggings,notes"


def test_the_schemas_are_valid_json_schemas(schema):
    for name in ("contact", "contacts_page", "activity", "contact_list", "contact_lists_page", "custom_field",
                 "custom_fields_page", "error_array", "error_object", "token_response", "oauth_error"):
        validator = schema(name)
        validator.check_schema(validator.schema)


def _rich_contact(list_id: str, cf_id: str) -> dict:
    return contact_body(
        "grace@example.com", last_name="Hopper", job_title="Rear Admiral", company_name="Navy",
        birthday_month=12, birthday_day=9, anniversary="1906-12-09",
        phone_numbers=[{"phone_number": "+1-555-0100", "kind": "work"}],
        street_addresses=[{"kind": "home", "street": "1 Main St", "city": "Arlington", "state": "VA",
                           "postal_code": "22201", "country": "United States"}],
        custom_fields=[{"custom_field_id": cf_id, "value": "COBOL"}],
        list_memberships=[list_id], taggings=["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
        notes=[{"content": "Met at the conference"}])


def test_contact_answers_match_the_contact_schema(sb, api, list_id, schema):
    cf_id = sb.create_custom_field("Language")
    created = api.post("/contacts", _rich_contact(list_id, cf_id))
    assert created.status_code == 201
    schema("contact").validate(created.json())
    cid = created.json()["contact_id"]
    got = api.get(f"/contacts/{cid}", params={"include": FULL_INCLUDE})
    schema("contact").validate(got.json())
    assert got.json()["phone_numbers"][0]["kind"] == "work"
    put = api.put(f"/contacts/{cid}", {**_rich_contact(list_id, cf_id), "update_source": "Contact"})
    assert put.status_code == 200
    schema("contact").validate(put.json())
    api.delete(f"/contacts/{cid}")
    deleted = api.get(f"/contacts/{cid}").json()
    schema("contact").validate(deleted)
    assert "deleted_at" in deleted


def test_contacts_pages_match_the_page_schema(sb, api, list_id, schema):
    sb.seed_contacts([{"email_address": {"address": f"p{i}@example.com"}, "list_memberships": [list_id]}
                      for i in range(5)])
    first = api.get("/contacts", params={"limit": 2, "include": FULL_INCLUDE, "include_count": "true"}).json()
    schema("contacts_page").validate(first)
    assert first["contacts_count"] == 5 and "next" in first["_links"]
    last = api.get("/contacts", params={"limit": 5}).json()
    schema("contacts_page").validate(last)
    assert "_links" not in last


def test_activities_match_the_activity_schema_in_every_state(sb, api, list_id, schema):
    sb.create_custom_field("Shoe size")
    created = api.post("/activities/contacts_json_import", {
        "import_data": [{"email": "a@example.com", "first_name": "A", "home_phone": "555-0101",
                         "work_city": "Boston", "cf:Shoe_size": "42"}, {"email": "not-an-email"}],
        "list_ids": [list_id]})
    assert created.status_code == 201
    schema("activity").validate(created.json())
    assert created.json()["state"] == "initialized"
    for status in api.poll(created.json()["activity_id"]):
        schema("activity").validate(status)
    ids = [c["contact_id"] for c in sb.contacts()]
    deletion = api.post("/activities/contact_delete", {"contact_ids": ids})
    schema("activity").validate(deletion.json())
    for status in api.poll(deletion.json()["activity_id"]):
        schema("activity").validate(status)


def test_lists_and_custom_fields_match_their_schemas(api, schema):
    created = api.post("/contact_lists", {"name": "VIP", "description": "Best customers", "favorite": True})
    assert created.status_code == 201
    schema("contact_list").validate(created.json())
    page = api.get("/contact_lists", params={"include_count": "true", "include_membership_count": "all"}).json()
    schema("contact_lists_page").validate(page)
    assert page["lists_count"] == 1 and page["lists"][0]["membership_count"] == 0
    field = api.post("/contact_custom_fields", {"label": "Favourite colour", "type": "string"})
    assert field.status_code == 201
    schema("custom_field").validate(field.json())
    assert field.json()["name"] == "Favourite_colour"
    schema("custom_fields_page").validate(api.get("/contact_custom_fields").json())


@pytest.mark.parametrize("call", [
    lambda api: api.post("/contacts", {"create_source": "Nobody"}),                       # 400
    lambda api: api.get("/contacts/3fa85f64-5717-4562-b3fc-2c963f66afa6"),                # 404
    lambda api: api.session.post(api.url("/contacts"), data="x", headers={"Content-Type": "text/plain"}),  # 415
    lambda api: api.session.patch(api.url("/contacts")),                                  # 405
    lambda api: api.post("/contact_lists", {"name": "Newsletter"}),                       # 409
])
def test_errors_are_arrays_of_error_objects(api, list_id, schema, call):
    answer = call(api)
    assert answer.status_code in (400, 404, 405, 409, 415)
    schema("error_array").validate(answer.json())


def test_conflict_body_is_the_documented_one(api, schema):
    first = api.post("/contacts", contact_body("dup@example.com")).json()
    answer = api.post("/contacts", contact_body("DUP@example.com "))
    assert answer.status_code == 409
    assert answer.json() == [{"error_key": "contacts.api.conflict",
                              "error_message": f"Validation failed: Email already exists for contact {first['contact_id']}"}]


def test_401_and_429_are_single_error_objects(sb, api, schema):
    bad = requests.get(sb.api_url + "/contacts", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert bad.status_code == 401
    schema("error_object").validate(bad.json())
    assert bad.json() == {"error_key": "unauthorized", "error_message": "Unauthorized"}
    sb.set_rate_limits(daily=1)
    api.get("/contacts")
    quota = api.get("/contacts")
    assert quota.status_code == 429
    schema("error_object").validate(quota.json())


def test_token_answers_match_the_token_schema(sb, schema):
    answer = requests.post(sb.token_url, data={"grant_type": "refresh_token",
                                               "refresh_token": sb.issue_token()["refresh_token"]},
                           auth=(sb.client_id, sb.client_secret), timeout=5)
    assert answer.status_code == 200
    schema("token_response").validate(answer.json())
    assert answer.json()["expires_in"] == 86400 and answer.json()["token_type"] == "Bearer"
    bad = requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": "x"},
                        auth=(sb.client_id, sb.client_secret), timeout=5)
    assert bad.status_code == 400
    schema("oauth_error").validate(bad.json())


def test_direct_inspection_matches_the_contact_schema(sb, list_id, schema):
    [cid] = sb.seed_contacts([{"email_address": {"address": "x@example.com"}, "list_memberships": [list_id]}])
    schema("contact").validate(sb.get_contact(cid))
    assert isinstance(sb, Sandbox)
