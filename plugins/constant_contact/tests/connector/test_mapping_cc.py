"""The default Constant Contact mapping with the real Contacts fields: every field, skips, consent."""
from __future__ import annotations

import copy
from datetime import date

import pytest

from crmcore.errors import ValidationError
from crmcore.sync.connector import RemoteWrite
from crmcore.sync.mapping import FieldMapping

FULL = {
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
    "home_phone": "+44 20 7946 0001", "office_phone": "+44 20 7946 0002",
    "mobile_phone": "+44 7700 900003", "mailing_street": "12 St James's Square",
    "mailing_city": "London", "mailing_state": "Greater London", "mailing_zip": "SW1Y 4JH",
    "mailing_country": "United Kingdom", "title": "Analyst", "organization": "Analytical Engines",
    "birthday": date(1815, 12, 10), "email_opt_out": False,
}


def test_default_mapping_covers_the_promised_fields(mapping):
    pairs = {(e.crm, e.remote) for e in mapping.entries}
    assert pairs == {
        ("first_name", ("first_name",)), ("last_name", ("last_name",)),
        ("email", ("email_address",)), ("home_phone", ("home_phone",)),
        ("office_phone", ("work_phone",)), ("mobile_phone", ("mobile_phone",)),
        ("mailing_street", ("home_street",)), ("mailing_city", ("home_city",)),
        ("mailing_state", ("home_state",)), ("mailing_zip", ("home_postal_code",)),
        ("mailing_country", ("home_country",)), ("title", ("job_title",)),
        ("organization", ("company_name",)),
        ("birthday", ("birthday_month", "birthday_day")),
        ("email_opt_out", ("permission_to_send",))}


def test_round_trip_of_every_mapped_field(mapping, session, sandbox):
    out = mapping.to_remote(FULL)
    assert out.skip_reason is None
    [created] = session.write([RemoteWrite(key=1, values=out.values)])
    assert created.ok and created.record.remote_id == created.remote_id
    stored = sandbox.get_contact(created.remote_id)
    assert stored["email_address"]["permission_to_send"] == "implicit"  # untouched: CC's default
    assert {p["kind"] for p in stored["phone_numbers"]} == {"home", "work", "mobile"}
    [page] = list(session.read_changes(None, mapping.remote_fields))
    [record] = page.records
    assert mapping.equal(FULL, record.values) and mapping.equal(FULL, created.record.values)
    assert mapping.remote_fingerprint(record.values) == mapping.crm_fingerprint(FULL)
    back = mapping.to_crm(record.values, current=FULL)
    assert back.values == FULL
    assert mapping.to_crm(record.values).values["birthday"] == date(1904, 12, 10)

    changed = dict(FULL, first_name="Augusta", home_phone="", mailing_city=None,
                   birthday=date(1815, 1, 2), organization="Royal Society")
    [updated] = session.write([RemoteWrite(key=1, values=mapping.to_remote(changed).values,
                                           remote_id=created.remote_id)])
    assert updated.ok
    [record] = next(session.read_changes(None, mapping.remote_fields)).records
    assert mapping.equal(changed, record.values), mapping.differences(changed, record.values)
    assert mapping.to_crm(record.values, current=changed).values == dict(
        changed, home_phone=None, mailing_city=None)


@pytest.mark.parametrize("change, reason", [
    ({"email": None}, "no email address"),
    ({"email": "   "}, "no email address"),
    ({"email": "a" * 69 + "@example.com"}, "email is 81 characters; Constant Contact allows 80"),
])
def test_skips_before_any_request(mapping, change, reason):
    assert mapping.to_remote(dict(FULL, **change)).skip_reason == reason


@pytest.mark.parametrize("change, remote, warning", [
    ({"mailing_state": "S" * 60}, "home_state", "mailing state is 60 characters; Constant Contact allows 50"),
    ({"first_name": "F" * 51}, "first_name", "first name is 51 characters; Constant Contact allows 50"),
    ({"mobile_phone": "+1 (555) 010-0000 ext. 1234"}, "mobile_phone",
     "mobile phone is 27 characters; Constant Contact allows 25"),
])
def test_a_too_long_optional_field_is_left_out_not_the_contact(mapping, change, remote, warning):
    out = mapping.to_remote(dict(FULL, **change))
    assert out.skip_reason is None and remote not in out.values
    assert out.values["email_address"] == FULL["email"]
    assert out.warnings == [f"{warning}: left out of the write, the rest was sent"]


def test_a_fourth_phone_is_a_skip(connector, module):
    data = copy.deepcopy(connector.default_mapping)
    data["fields"].append({"crm": "description", "remote": "other_phone", "direction": "to-remote"})
    mapping = FieldMapping.from_data(data, module, connector)
    assert mapping.to_remote(dict(FULL, description="555")).skip_reason == (
        "4 phone numbers; Constant Contact allows 3")
    assert mapping.to_remote(dict(FULL, description="", home_phone="")).skip_reason is None


def test_no_last_name_cannot_become_a_crm_contact(mapping):
    remote = {"email_address": "x@example.com", "first_name": "Cher", "last_name": None}
    assert mapping.to_crm(remote).skip_reason == "last name is mandatory in the CRM"


def test_consent_rule(mapping):
    assert "permission_to_send" not in mapping.to_remote(dict(FULL, email_opt_out=False)).values
    assert "permission_to_send" not in mapping.to_remote(dict(FULL, email_opt_out=None)).values
    assert mapping.to_remote(dict(FULL, email_opt_out=True)).values["permission_to_send"] == "unsubscribed"
    base = {"email_address": "x@example.com", "last_name": "X"}
    for permission, opted_out in [("unsubscribed", True), ("implicit", False), ("explicit", False),
                                  ("pending_confirmation", False), (None, False)]:
        assert mapping.to_crm(dict(base, permission_to_send=permission)).values["email_opt_out"] is opted_out


def test_unsubscribed_contact_stays_unsubscribed(mapping, session, sandbox):
    [cid] = sandbox.seed_contacts([{"email_address": {"address": "gone@example.com",
                                                      "permission_to_send": "unsubscribed"},
                                    "last_name": "Gone"}])
    values = mapping.to_remote(dict(FULL, email="gone@example.com", email_opt_out=False)).values
    [outcome] = session.write([RemoteWrite(key=1, values=values, remote_id=cid)])
    assert outcome.ok
    assert sandbox.get_contact(cid)["email_address"]["permission_to_send"] == "unsubscribed"
    assert outcome.record.values["permission_to_send"] == "unsubscribed"
    # so the CRM side learns the opt-out back; the two sides differ only there
    assert mapping.differences(dict(FULL, email="gone@example.com"), outcome.record.values) == [
        "email_opt_out>permission_to_send"]


def test_crm_opt_out_unsubscribes(mapping, session, sandbox):
    [cid] = sandbox.seed_contacts([{"email_address": {"address": "ada@example.com",
                                                      "permission_to_send": "explicit"},
                                    "last_name": "Lovelace"}])
    values = mapping.to_remote(dict(FULL, email_opt_out=True)).values
    [outcome] = session.write([RemoteWrite(key=1, values=values, remote_id=cid)])
    email = sandbox.get_contact(cid)["email_address"]
    assert email["permission_to_send"] == "unsubscribed" and email["opt_out_source"] == "Account"
    [created] = session.write([RemoteWrite(key=2, values=mapping.to_remote(
        dict(FULL, email="new@example.com", email_opt_out=True)).values)])
    assert sandbox.get_contact(created.remote_id)["email_address"]["permission_to_send"] == "unsubscribed"
    assert mapping.equal(dict(FULL, email="new@example.com", email_opt_out=True), created.record.values)


def test_mapping_with_an_unknown_remote_field_is_refused(connector, module):
    data = copy.deepcopy(connector.default_mapping)
    data["fields"][3]["remote"] = "fax"
    with pytest.raises(ValidationError) as caught:
        FieldMapping.from_data(data, module, connector)
    assert "$.fields[3].remote: 'fax' is not a Constant Contact field" in caught.value.message
