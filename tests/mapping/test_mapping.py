"""FieldMapping: validation with JSON paths, both directions, skips, fingerprints."""
from __future__ import annotations

import copy
from datetime import date

import pytest

from crmcore.errors import ValidationError
from crmcore.sync.mapping import YEARLESS_YEAR, FieldMapping, Mapped


@pytest.fixture
def mapping(module, connector) -> FieldMapping:
    return FieldMapping.from_data(connector.default_mapping, module, connector)


def refused(data, module, connector) -> str:
    with pytest.raises(ValidationError) as caught:
        FieldMapping.from_data(data, module, connector)
    return caught.value.message


def with_field(connector, index, **changes):
    data = copy.deepcopy(connector.default_mapping)
    data["fields"][index].update(changes)
    return data


PERSON = {"given": " Ada ", "surname": "Lovelace", "email": "ada@example.com", "phone": "555-1",
          "mobile": "", "birthday": date(1815, 12, 10), "joined": date(2020, 1, 2), "vip": True,
          "notes": "first programmer"}


def test_fields_taking_part(mapping):
    assert mapping.crm_fields == ("given", "surname", "email", "phone", "mobile", "birthday",
                                  "joined", "vip", "notes")
    assert mapping.remote_fields == ("first", "last", "mail", "tel1", "tel2", "bmonth", "bday",
                                     "since", "star", "memo")


@pytest.mark.parametrize("data, path", [
    ({"module": "people", "connector": "fake"}, "$: 'fields' is a required property"),
    ({"module": "people", "connector": "fake", "fields": [{"crm": "given", "remote": "first",
                                                            "direction": "sideways"}]},
     "$.fields[0].direction"),
    ({"module": "people", "connector": "fake", "fields": [{"crm": "given", "remote": "first",
                                                            "code": "import os"}]},
     "$.fields[0]: Additional properties are not allowed"),
    ({"module": "people", "connector": "fake", "fields": [{"crm": "given", "remote": 7}]},
     "$.fields[0].remote"),
])
def test_schema_problems_name_the_json_path(module, connector, data, path):
    assert path in refused(data, module, connector)


def test_unknown_remote_field_named_with_its_path(module, connector):
    message = refused(with_field(connector, 3, remote="fax"), module, connector)
    assert "$.fields[3].remote: 'fax' is not a Fake Service field" in message


def test_unknown_crm_field_and_remote_list_item(module, connector):
    assert "$.fields[0].crm: 'nickname' is not a field" in refused(
        with_field(connector, 0, crm="nickname"), module, connector)
    assert "$.fields[5].remote[1]: 'bdy' is not a Fake Service field" in refused(
        with_field(connector, 5, remote=["bmonth", "bdy"]), module, connector)


def test_transform_must_exist_fit_arity_and_types(module, connector):
    assert "$.fields[0].transform: 'shout' is not a known transform" in refused(
        with_field(connector, 0, transform="shout"), module, connector)
    assert "needs 2 remote field(s), got 1" in refused(
        with_field(connector, 5, remote="bmonth"), module, connector)
    assert "$.fields[0].crm: the 'date-iso' transform does not take a string field" in refused(
        with_field(connector, 0, transform="date-iso"), module, connector)
    assert "$.fields[6]: 'joined' (date) and 'since' (string) need a transform" in refused(
        with_field(connector, 6, transform="identity"), module, connector)


def test_mandatory_fields_of_each_side_must_be_mapped(module, connector):
    data = copy.deepcopy(connector.default_mapping)
    del data["fields"][2]
    assert "$.fields: Fake Service's mandatory field 'mail' is not mapped" in refused(data, module, connector)
    data = with_field(connector, 1, direction="to-remote")
    assert "$.fields: the CRM's mandatory field 'surname' is not mapped" in refused(data, module, connector)


def test_two_lines_may_not_write_one_field(module, connector):
    data = copy.deepcopy(connector.default_mapping)
    data["fields"].append({"crm": "notes", "remote": "tel1", "direction": "to-remote"})
    assert "$.fields[9].remote: 'tel1' is already written by $.fields[3]" in refused(data, module, connector)


def test_mapping_for_another_connector_or_module_is_refused(module, connector):
    data = dict(connector.default_mapping, connector="mailchimp")
    assert "$.connector: 'mailchimp' is not this connector" in refused(data, module, connector)
    data = dict(connector.default_mapping, module="leads")
    assert "$.module: 'leads'" in refused(data, module, connector)


def test_to_remote_maps_every_field(mapping):
    out = mapping.to_remote(PERSON)
    assert out == Mapped({"first": "Ada", "last": "Lovelace", "mail": "ada@example.com",
                          "tel1": "555-1", "tel2": None, "bmonth": 12, "bday": 10,
                          "since": "2020-01-02", "star": "*", "memo": "first programmer"}, None)


def test_transform_may_leave_a_remote_field_alone(mapping):
    assert "star" not in mapping.to_remote(dict(PERSON, vip=False)).values


@pytest.mark.parametrize("change, reason", [
    ({"email": "  "}, "no email address"),
    ({"email": None}, "no email address"),
    ({"email": "a" * 13 + "@example.com"}, "email is 25 characters; Fake Service allows 20"),
    ({"mobile": "555-1"}, "the same phone number twice"),
])
def test_to_remote_skips_with_a_reason(mapping, change, reason):
    out = mapping.to_remote(dict(PERSON, **change))
    assert out.values is None and out.skip_reason == reason


def test_a_too_long_optional_field_is_left_out_with_a_warning(mapping):
    out = mapping.to_remote(dict(PERSON, given="Augusta Ada"))
    assert out.skip_reason is None and "first" not in out.values
    assert out.values["last"] == "Lovelace" and out.values["mail"] == "ada@example.com"
    assert out.warnings == ["given name is 11 characters; Fake Service allows 10: left out of the "
                            "write, the rest was sent"]
    assert mapping.to_remote(PERSON).warnings == []


def test_to_crm_maps_back_and_checks_the_crm(mapping):
    remote = mapping.to_remote(PERSON).values
    back = mapping.to_crm(remote)
    assert back.values == {"given": "Ada", "surname": "Lovelace", "email": "ada@example.com",
                           "phone": "555-1", "mobile": None,
                           "birthday": date(YEARLESS_YEAR, 12, 10), "joined": date(2020, 1, 2),
                           "vip": True}  # notes travel to the remote side only
    assert mapping.to_crm(dict(remote, last=" ")).skip_reason == "last name is mandatory in the CRM"
    assert mapping.to_crm(dict(remote, first="x" * 31)).skip_reason == (
        "given name is 31 characters; the CRM allows 30")
    assert mapping.to_crm(dict(remote, since="soon")).skip_reason == (
        "Joined: 'soon' is not a date (YYYY-MM-DD)")


def test_birthday_keeps_the_crm_year(mapping):
    remote = {"mail": "a@b.c", "last": "L", "bmonth": 2, "bday": 29}
    assert mapping.to_crm(remote).values["birthday"] == date(1904, 2, 29)
    current = {"birthday": date(1990, 5, 1)}
    assert mapping.to_crm(remote, current=current).values["birthday"] == date(1904, 2, 29)  # 1990 has none
    assert mapping.to_crm(dict(remote, bday=3), current=current).values["birthday"] == date(1990, 2, 3)
    same = {"birthday": date(1988, 2, 29)}
    assert mapping.to_crm(remote, current=same).values["birthday"] == date(1988, 2, 29)
    assert mapping.to_crm(dict(remote, bday=None)).values["birthday"] is None
    assert mapping.to_crm(dict(remote, bday=31)).skip_reason == "Birthday: 2/31 is not a valid month/day"


def test_fingerprints_share_one_space(mapping):
    remote = mapping.to_remote(PERSON).values
    assert mapping.equal(PERSON, remote)
    assert mapping.crm_fingerprint(PERSON) == mapping.remote_fingerprint(remote)
    assert len(mapping.crm_fingerprint(PERSON)) == 32
    # the year is not part of the mapped state; None equals ""; strings are stripped
    same = dict(PERSON, birthday=date(1999, 12, 10), mobile=None, given="Ada")
    assert mapping.crm_fingerprint(same) == mapping.crm_fingerprint(PERSON)
    # an email differing in case is a change (exact, only stripped)
    assert not mapping.equal(dict(PERSON, email="ADA@example.com"), remote)
    assert mapping.differences(dict(PERSON, phone="555-2"), remote) == ["phone>tel1"]
    assert mapping.remote_fingerprint(dict(remote, tel1="555-2")) != mapping.remote_fingerprint(remote)


def test_fingerprint_is_stable_and_depends_on_the_mapping(module, connector, mapping):
    again = FieldMapping.from_data(copy.deepcopy(connector.default_mapping), module, connector)
    assert again.crm_fingerprint(dict(PERSON)) == mapping.crm_fingerprint(PERSON)
    data = copy.deepcopy(connector.default_mapping)
    data["fields"] = data["fields"][:3]
    smaller = FieldMapping.from_data(data, module, connector)
    assert smaller.crm_fingerprint(PERSON) != mapping.crm_fingerprint(PERSON)


def test_one_way_fields(module, connector):
    data = copy.deepcopy(connector.default_mapping)
    data["fields"][0]["direction"] = "to-crm"
    mapping = FieldMapping.from_data(data, module, connector)
    assert "first" not in mapping.to_remote(PERSON).values
    assert "notes" not in mapping.to_crm({"mail": "a@b.c", "last": "L", "memo": "x"}).values
    assert mapping.to_crm({"mail": "a@b.c", "last": "L", "first": "Ada"}).values["given"] == "Ada"


def _released_digest(keys) -> str:
    """The fingerprint formula links have stored since 0.1.0: SHA-256 of the keys' JSON."""
    import hashlib
    import json
    text = json.dumps(keys, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@pytest.mark.parametrize("values", [
    PERSON, {}, dict(PERSON, given="  ", vip=False, birthday=None, notes="Zoë «quoted» \"x\"\n"),
    dict(PERSON, phone=5551, mobile=3.5, joined="2020-01-02")])
def test_fingerprints_stay_those_stored_links_hold(mapping, values):
    """Links store fingerprints: a faster computation must give the same strings, or every
    link in an upgraded database would look changed."""
    assert mapping.crm_fingerprint(values) == _released_digest(mapping.crm_keys(values))
    remote = mapping.to_remote(PERSON).values
    for remote_values in (remote, {}, dict(remote, first=" Ada ", bmonth="12", bday=None, star="")):
        assert mapping.remote_fingerprint(remote_values) == _released_digest(
            mapping.remote_keys(remote_values))
    # the keys themselves, entry by entry, as the transforms define them
    assert mapping.crm_keys(values) == [
        [f"{e.crm}>{','.join(e.remote)}", e.transform.key_from_crm(values.get(e.crm))]
        for e in mapping.entries]
    assert mapping.remote_keys(remote) == [
        [f"{e.crm}>{','.join(e.remote)}", e.transform.key_from_remote(tuple(remote.get(r) for r in e.remote))]
        for e in mapping.entries]
    assert mapping.fingerprint_of(mapping.crm_key_values(values)) == mapping.crm_fingerprint(values)


def test_a_fingerprint_is_reused_only_for_the_same_keys_of_the_same_types(mapping):
    """fingerprint_like skips hashing a record read back with the keys it was written with, and
    only then: another value, or an equal value of another type (1, 1.0, True), is hashed anew."""
    keys = mapping.crm_key_values(PERSON)
    known = mapping.fingerprint_of(keys)
    assert mapping.fingerprint_like(list(keys), keys, "given") == "given"  # reused as given
    other = mapping.crm_key_values(dict(PERSON, phone="555-2"))
    assert mapping.fingerprint_like(other, keys, known) == mapping.fingerprint_of(other) != known
    for mine, theirs in (([1], [True]), ([1.0], [1]), ([[1]], [[True]])):
        assert mapping.fingerprint_like(mine, theirs, "given") == mapping.fingerprint_of(mine)
