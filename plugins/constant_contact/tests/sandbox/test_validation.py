"""Every field limit of the notes at its boundary: the last good value passes, the first bad one is a 400."""

from __future__ import annotations

import json
import uuid

import pytest
from cc_sandbox_helpers import Api
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_constant_contact.sandbox import Sandbox

TAG = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def email_of_length(n: int) -> str:
    domain = "@example.com"
    return "a" * (n - len(domain)) + domain


def _lists(sb: Sandbox, n: int) -> list[str]:
    return [sb.create_list(f"list {i}") for i in range(n)]


def _fields(sb: Sandbox, n: int) -> list[dict]:
    return [{"custom_field_id": sb.create_custom_field(f"field {i}"), "value": "v"} for i in range(n)]


def _phones(n: int) -> list[dict]:
    return [{"phone_number": f"555-{i}", "kind": "home"} for i in range(n)]


def _addresses(n: int) -> list[dict]:
    return [{"kind": "home", "city": f"City {i}"} for i in range(n)]


# (case id, builder of extra body fields from the sandbox, expected status)
CASES = [
    *[(f"{f} 50", lambda sb, f=f: {f: "x" * 50}, 201) for f in ("first_name", "last_name", "job_title", "company_name")],
    *[(f"{f} 51", lambda sb, f=f: {f: "x" * 51}, 400) for f in ("first_name", "last_name", "job_title", "company_name")],
    ("email 80", lambda sb: {"email_address": {"address": email_of_length(80)}}, 201),
    ("email 81", lambda sb: {"email_address": {"address": email_of_length(81)}}, 400),
    *[(f"email {bad!r}", lambda sb, bad=bad: {"email_address": {"address": bad}}, 400)
      for bad in ("no-at-sign", "a@b", "a b@example.com", "a@@example.com", "@example.com", "a@example.", "")],
    ("email with plus", lambda sb: {"email_address": {"address": "a.b+c@sub.example.co"}}, 201),
    ("permission explicit", lambda sb: {"email_address": {"address": "p@example.com", "permission_to_send": "explicit"}}, 201),
    ("permission unknown", lambda sb: {"email_address": {"address": "p@example.com", "permission_to_send": "sometimes"}}, 400),
    ("opt_out_reason 256", lambda sb: {"email_address": {"address": "p@example.com", "opt_out_reason": "x" * 256}}, 400),
    ("3 phones", lambda sb: {"phone_numbers": _phones(3)}, 201),
    ("4 phones", lambda sb: {"phone_numbers": _phones(4)}, 400),
    ("phone 25", lambda sb: {"phone_numbers": [{"phone_number": "1" * 25, "kind": "work"}]}, 201),
    ("phone 26", lambda sb: {"phone_numbers": [{"phone_number": "1" * 26, "kind": "work"}]}, 400),
    *[(f"phone kind {k}", lambda sb, k=k: {"phone_numbers": [{"phone_number": "1", "kind": k}]}, 201)
      for k in ("home", "work", "mobile", "other")],
    ("phone kind fax", lambda sb: {"phone_numbers": [{"phone_number": "1", "kind": "fax"}]}, 400),
    ("3 addresses", lambda sb: {"street_addresses": _addresses(3)}, 201),
    ("4 addresses", lambda sb: {"street_addresses": _addresses(4)}, 400),
    ("address without kind", lambda sb: {"street_addresses": [{"city": "Paris"}]}, 400),
    ("address kind vacation", lambda sb: {"street_addresses": [{"kind": "vacation", "city": "Paris"}]}, 400),
    ("street 255", lambda sb: {"street_addresses": [{"kind": "work", "street": "s" * 255}]}, 201),
    ("street 256", lambda sb: {"street_addresses": [{"kind": "work", "street": "s" * 256}]}, 400),
    *[(f"{p} 50", lambda sb, p=p: {"street_addresses": [{"kind": "other", p: "x" * 50}]}, 201)
      for p in ("city", "state", "postal_code", "country")],
    *[(f"{p} 51", lambda sb, p=p: {"street_addresses": [{"kind": "other", p: "x" * 51}]}, 400)
      for p in ("city", "state", "postal_code", "country")],
    ("birthday 1/1", lambda sb: {"birthday_month": 1, "birthday_day": 1}, 201),
    ("birthday 12/31", lambda sb: {"birthday_month": 12, "birthday_day": 31}, 201),
    ("birthday month alone", lambda sb: {"birthday_month": 5}, 400),
    ("birthday day alone", lambda sb: {"birthday_day": 5}, 400),
    ("birthday month 0", lambda sb: {"birthday_month": 0, "birthday_day": 1}, 400),
    ("birthday month 13", lambda sb: {"birthday_month": 13, "birthday_day": 1}, 400),
    ("birthday day 0", lambda sb: {"birthday_month": 1, "birthday_day": 0}, 400),
    ("birthday day 32", lambda sb: {"birthday_month": 1, "birthday_day": 32}, 400),
    ("birthday as text", lambda sb: {"birthday_month": "1", "birthday_day": "2"}, 400),
    *[(f"anniversary {a}", lambda sb, a=a: {"anniversary": a}, 201)
      for a in ("12/25/2020", "1/5/2020", "2020/12/25", "2020/1/5", "2020-12-25", "2020-1-5", "1-5-2020", "1-25-2020")],
    *[(f"anniversary {a}", lambda sb, a=a: {"anniversary": a}, 400)
      for a in ("2020.12.25", "25/12/2020", "2020-02-30", "12/25/20", "2020-012-25", "12-25-20201", "soon")],
    ("25 custom fields", lambda sb: {"custom_fields": _fields(sb, 25)}, 201),
    ("26 custom fields", lambda sb: {"custom_fields": _fields(sb, 26)}, 400),
    ("custom value 255", lambda sb: {"custom_fields": [dict(_fields(sb, 1)[0], value="v" * 255)]}, 201),
    ("custom value 256", lambda sb: {"custom_fields": [dict(_fields(sb, 1)[0], value="v" * 256)]}, 400),
    ("unknown custom field", lambda sb: {"custom_fields": [{"custom_field_id": str(uuid.uuid4()), "value": "v"}]}, 400),
    ("50 lists", lambda sb: {"list_memberships": _lists(sb, 50)}, 201),
    ("51 lists", lambda sb: {"list_memberships": _lists(sb, 51)}, 400),
    ("unknown list", lambda sb: {"list_memberships": [str(uuid.uuid4())]}, 400),
    ("50 taggings", lambda sb: {"taggings": [TAG] * 50}, 201),
    ("51 taggings", lambda sb: {"taggings": [TAG] * 51}, 400),
    ("150 notes", lambda sb: {"notes": [{"content": "n"}] * 150}, 201),
    ("151 notes", lambda sb: {"notes": [{"content": "n"}] * 151}, 400),
    ("note 2000", lambda sb: {"notes": [{"content": "n" * 2000}]}, 201),
    ("note 2001", lambda sb: {"notes": [{"content": "n" * 2001}]}, 400),
    ("create_source Robot", lambda sb: {"create_source": "Robot"}, 400),
    ("phone_numbers not a list", lambda sb: {"phone_numbers": "555"}, 400),
    ("first_name not text", lambda sb: {"first_name": 42}, 400),
]


@pytest.mark.parametrize("extra,expected", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_contact_limits_at_their_boundaries(sb, api, schema, extra, expected):
    body = {"create_source": "Account", "first_name": "Val", "email_address": {"address": "val@example.com"}}
    body.update(extra(sb))
    answer = api.post("/contacts", body)
    assert answer.status_code == expected, answer.text
    if expected == 400:
        schema("error_array").validate(answer.json())
        assert all(e["error_key"] == "contacts.api.validation.error" for e in answer.json())
    else:
        schema("contact").validate(answer.json())


def test_put_applies_the_same_limits(api):
    cid = api.post("/contacts", {"create_source": "Account", "first_name": "P"}).json()["contact_id"]
    assert api.put(f"/contacts/{cid}", {"update_source": "Account", "last_name": "x" * 50}).status_code == 200
    assert api.put(f"/contacts/{cid}", {"update_source": "Account", "last_name": "x" * 51}).status_code == 400
    assert api.put(f"/contacts/{cid}", {"update_source": "Robot", "last_name": "x"}).status_code == 400


def test_all_broken_rules_are_reported_together(api):
    answer = api.post("/contacts", {"create_source": "Account", "first_name": "x" * 51, "last_name": "y" * 51,
                                    "birthday_month": 13, "birthday_day": 1})
    assert answer.status_code == 400 and len(answer.json()) == 3


def test_sign_up_form_email_is_limited_to_50(sb, api, list_id):
    good = api.post("/contacts/sign_up_form", {"email_address": email_of_length(50), "list_memberships": [list_id]})
    assert good.status_code == 201
    bad = api.post("/contacts/sign_up_form", {"email_address": email_of_length(51), "list_memberships": [list_id]})
    assert bad.status_code == 400
    too_many = api.post("/contacts/sign_up_form", {"email_address": "s@example.com",
                                                   "list_memberships": _lists(sb, 51)})
    assert too_many.status_code == 400


_json = st.recursive(st.none() | st.booleans() | st.integers(-5, 40) | st.text(max_size=30),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                     max_leaves=12)
_fields_strategy = st.fixed_dictionaries({}, optional={
    "create_source": st.sampled_from(["Account", "Contact", "x"]) | _json,
    "update_source": st.sampled_from(["Account", "Contact"]) | _json,
    "first_name": st.text(max_size=60) | _json,
    "email_address": st.fixed_dictionaries({"address": st.emails() | st.text(max_size=90)},
                                           optional={"permission_to_send": st.text(max_size=12)}) | _json,
    "birthday_month": _json, "birthday_day": _json, "anniversary": st.text(max_size=12) | _json,
    "phone_numbers": _json, "street_addresses": _json, "custom_fields": _json, "list_memberships": _json,
    "taggings": _json, "notes": _json,
})


@pytest.fixture(scope="module")
def fuzz_target():
    """One sandbox for all fuzz examples, with a contact to PUT to."""
    with Sandbox(rate_limit_per_second=None, daily_limit=None) as sandbox:
        [cid] = sandbox.seed_contacts([{"first_name": "Target"}])
        yield sandbox, Api(sandbox, sandbox.issue_token()["access_token"]), cid


@settings(max_examples=120, deadline=None)
@given(body=_fields_strategy | _json)
def test_no_body_makes_the_sandbox_fail(fuzz_target, body):
    sandbox, api, cid = fuzz_target
    raw, headers = json.dumps(body), {"Content-Type": "application/json"}
    for method, path in (("POST", "/contacts"), ("PUT", f"/contacts/{cid}"), ("POST", "/contacts/sign_up_form")):
        answer = api.session.request(method, api.url(path), data=raw, headers=headers, timeout=10)
        assert answer.status_code in (200, 201, 400, 409), answer.text
    assert sandbox.internal_errors == []
