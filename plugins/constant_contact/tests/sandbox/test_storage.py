"""How the sandbox keeps contacts: a record comes back as it went in, and a listed contact's JSON is
what rendering the record would send, whatever sub-resources it has or lacks."""

from __future__ import annotations

import json
import random
import re
import uuid

import pytest

from crm_constant_contact.sandbox.records import render
from crm_constant_contact.sandbox.state import SUBRESOURCES, PackedContacts, new_id


def _value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(["", "plain", "é€😀 \"quoted\" \\ \n", "</script>", "x" * 80, "\x01\x1f",
                           '{"created_at":"kind":', '"address":'])
    if roll < 0.4:
        return rng.choice([0, -7, 2**70, 1.5, 1e16, -0.0, True, False, None])
    if depth < 2 and roll < 0.7:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if depth < 2:  # nested objects, some with a sub-resource's name as a key
        return {rng.choice(["kind", "phone_numbers", "notes", "ä", "created_at", "\x02"]): _value(rng, depth + 1)
                for _ in range(rng.randrange(3))}
    return "leaf"


def _records(count: int):
    rng = random.Random(7)
    names = ["contact_id", "email_address", "first_name", "updated_at", "deleted_at", "zz", *SUBRESOURCES]
    for _ in range(count):
        rng.shuffle(names)
        yield {name: _value(rng) for name in names[:rng.randrange(len(names) + 1)]}


def test_a_record_reads_back_equal_and_renders_as_json_response_would():
    contacts = PackedContacts()
    for number, record in enumerate(_records(3000)):
        contacts.put("c", record, number, number + 1)
        assert contacts["c"] == record
        assert contacts["c"] is not contacts["c"]  # a fresh dict each time
        assert contacts.times("c") == (number, number + 1)
        for include in ([], ["phone_numbers"], ["notes", "custom_fields", "notes"], list(SUBRESOURCES)):
            expected = json.dumps(render(record, include), separators=(",", ":")).encode()
            assert contacts.rendered("c", include) == expected
        contacts["d"] = record  # a new id: no times yet
        assert contacts.times("d") == (0, 0)
        assert contacts.rendered_list(["c", "d"], ["notes"]) == b",".join(
            [json.dumps(render(record, ["notes"]), separators=(",", ":")).encode()] * 2)
        contacts["c"] = {"contact_id": "c"}  # replaced: the times stay
        assert contacts.times("c") == (number, number + 1) and contacts["c"] == {"contact_id": "c"}


def test_a_page_of_contacts_is_the_records_rendered(sb, api):
    ids = sb.seed_contacts([{"email_address": {"address": f"s{i}@example.com"}, "first_name": f"Ünï {i}",
                             "phone_numbers": [{"phone_number": f"555-{i}", "kind": "home"}] if i % 2 else []}
                            for i in range(7)])
    answer = api.get("/contacts", params={"include": "phone_numbers,notes", "limit": 3, "include_count": "true"})
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["contacts", "contacts_count", "_links"] and body["contacts_count"] == 7
    stored = {c["contact_id"]: c for c in sb.contacts()}
    for contact in body["contacts"]:
        expected = render(stored[contact["contact_id"]], ["phone_numbers", "notes"])
        assert json.dumps(contact) == json.dumps(expected)  # same members, same order
    assert [c["contact_id"] for c in body["contacts"]] == ids[:3]


def test_a_stored_contact_without_json_values_is_refused():
    contacts = PackedContacts()
    with pytest.raises(TypeError):
        contacts["c"] = {"contact_id": "c", "when": object()}
    assert "c" not in contacts


def test_ids_are_random_version_4_uuids():
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", text)
