"""Bulk writes and deletes through the activity endpoints, against the sandbox over real HTTP.

Request counts come from the sandbox's own counter, so they are what the service would bill.
"""
from __future__ import annotations

import pytest

from crmcore.http import TransientError
from crmcore.jsonbody import encode_json_body
from crmcore.sync.connector import RemoteWrite

from crm_constant_contact import bulk

IMPORT = "POST /v3/activities/contacts_json_import"
DELETE = "POST /v3/activities/contact_delete"
POLL = "GET /v3/activities/{id}"


@pytest.fixture
def sleeps(session) -> list[float]:
    """The session's waits between polls, recorded instead of slept."""
    waited: list[float] = []
    session.sleep = waited.append
    return waited


@pytest.fixture
def sent(api, monkeypatch) -> list[tuple[str, dict]]:
    """Every POST body the session sends, as sent."""
    bodies: list[tuple[str, dict]] = []
    post = api.post

    def recording(path, json):
        bodies.append((path, json))
        return post(path, json)

    monkeypatch.setattr(api, "post", recording)
    return bodies


def person(i: int, **extra) -> dict:
    return {"email_address": {"address": f"p{i}@example.com"}, "first_name": f"First{i}",
            "last_name": f"Person {i}", **extra}


def new(i: int, **values) -> RemoteWrite:
    return RemoteWrite(key=i, values={"email_address": f"n{i}@example.com", "last_name": f"New {i}", **values})


def synced(i: int, **values) -> dict:
    """The mapped values of ``person(i)`` as last synced."""
    return {"email_address": f"p{i}@example.com", "first_name": f"First{i}",
            "last_name": f"Person {i}", **values}


def target_list(sandbox) -> dict:
    [found] = [entry for entry in sandbox.lists() if entry["name"] == "CRM contacts"]
    return found


def test_1200_creates_take_one_import_and_its_polls(session, sandbox, sleeps):
    writes = [new(i, first_name=f"F{i}", home_phone=f"555-{i:04d}", home_city="Lyon",
                  home_postal_code="69001", birthday_month=2, birthday_day="14")
              for i in range(1200)]
    outcomes = session.write(writes)
    assert [o.key for o in outcomes] == list(range(1200))
    assert all(o.ok and o.link_by_email and o.remote_id is None for o in outcomes)
    assert sandbox.requests[IMPORT] == 1 and sandbox.requests[POLL] == 2
    assert sandbox.requests["GET /v3/contact_lists"] == 1 and sandbox.requests["POST /v3/contact_lists"] == 1
    assert sandbox.request_total == 5
    assert sleeps == [0.05, 0.1]
    listed = target_list(sandbox)
    assert listed["membership_count"] == 1200
    stored = {c["email_address"]["address"]: c for c in sandbox.contacts()}
    assert len(stored) == 1200
    one = stored["n7@example.com"]
    assert one["list_memberships"] == [listed["list_id"]]
    assert one["email_address"]["permission_to_send"] == "implicit"
    assert (one["first_name"], one["birthday_month"], one["birthday_day"]) == ("F7", 2, 14)
    assert [(p["kind"], p["phone_number"]) for p in one["phone_numbers"]] == [("home", "555-0007")]
    assert (one["street_addresses"][0]["city"], one["street_addresses"][0]["postal_code"]) == ("Lyon", "69001")


def test_threshold_keeps_small_batches_on_single_records(session, sandbox, sleeps):
    outcomes = session.write([new(i) for i in range(bulk.BULK_THRESHOLD)])
    assert all(o.ok and o.remote_id for o in outcomes)
    assert sandbox.requests["POST /v3/contacts"] == bulk.BULK_THRESHOLD and sandbox.requests[IMPORT] == 0
    ids = [o.remote_id for o in outcomes]
    assert session.delete(ids) == dict.fromkeys(ids)
    assert sandbox.requests["DELETE /v3/contacts/{id}"] == bulk.BULK_THRESHOLD
    assert sandbox.requests[DELETE] == 0
    session.write([new(100 + i) for i in range(bulk.BULK_THRESHOLD + 1)])
    assert sandbox.requests[IMPORT] == 1 and sandbox.requests["POST /v3/contacts"] == bulk.BULK_THRESHOLD


def test_updates_through_an_import_keep_consent_lists_and_unmapped_fields(session, sandbox, sleeps, sent):
    newsletter = sandbox.create_list("Newsletter")
    ids = sandbox.seed_contacts(
        [person(i, job_title="Engineer", list_memberships=[newsletter],
                phone_numbers=[{"phone_number": "999", "kind": "work"}]) for i in range(12)]
        + [person(12, email_address={"address": "p12@example.com", "permission_to_send": "unsubscribed"}),
           person(13, email_address={"address": "p13@example.com", "permission_to_send": "unsubscribed"})])
    writes = [RemoteWrite(key=i, remote_id=ids[i], previous=synced(i),
                          values=synced(i, first_name=f"Renamed{i}", home_phone="111"))
              for i in range(12)]
    # the CRM does not opt p12 out: the import must not resubscribe nor list an unsubscribed contact
    writes.append(RemoteWrite(key=12, remote_id=ids[12], previous=synced(12), values=synced(12, first_name="Still")))
    # p13 was already opted out on both sides: nothing to send about consent, the import may carry it
    writes.append(RemoteWrite(key=13, remote_id=ids[13], previous=synced(13, permission_to_send="unsubscribed"),
                              values=synced(13, first_name="Quiet", permission_to_send="unsubscribed")))
    # clearing a field needs PUT (an import ignores empty values)
    writes[0] = RemoteWrite(key=0, remote_id=ids[0], previous=synced(0),
                            values=synced(0, first_name=None))
    outcomes = {o.key: o for o in session.write(writes)}
    assert all(o.ok for o in outcomes.values())
    assert outcomes[0].record is not None  # the PUT's answer
    assert all(outcomes[k].remote_id == ids[k] and outcomes[k].record is None and not outcomes[k].link_by_email
               for k in range(1, 14))
    assert sandbox.requests[IMPORT] == 1 and sandbox.requests["PUT /v3/contacts/{id}"] == 1
    [(_, body)] = [(p, b) for p, b in sent if p == "activities/contacts_json_import"]
    assert len(body["import_data"]) == 13
    assert not any(k.startswith(("permission", "opt")) for row in body["import_data"] for k in row)

    crm_list = target_list(sandbox)["list_id"]
    cleared = sandbox.get_contact(ids[0])
    assert "first_name" not in cleared and cleared["job_title"] == "Engineer"
    for i in range(1, 12):
        stored = sandbox.get_contact(ids[i])
        assert stored["first_name"] == f"Renamed{i}" and stored["job_title"] == "Engineer"
        assert sorted(stored["list_memberships"]) == sorted([newsletter, crm_list])
        assert sorted((p["kind"], p["phone_number"]) for p in stored["phone_numbers"]) == [
            ("home", "111"), ("work", "999")]
        assert stored["email_address"]["permission_to_send"] == "implicit"
    for i, name in ((12, "Still"), (13, "Quiet")):
        stored = sandbox.get_contact(ids[i])
        assert stored["first_name"] == name
        assert stored["email_address"]["permission_to_send"] == "unsubscribed"
        assert stored.get("list_memberships", []) == []


def test_writes_an_import_cannot_express_use_single_records(session, sandbox, sleeps):
    ids = sandbox.seed_contacts([person(i) for i in range(3)])
    writes = [new(i) for i in range(20)]
    writes += [
        new(20, permission_to_send="unsubscribed"),  # an opt-out on create: POST
        RemoteWrite(key=21, remote_id=ids[0], values=synced(0, first_name="X")),  # previous unknown: PUT
        RemoteWrite(key=22, remote_id=ids[1], previous=synced(1),  # a new email: PUT
                    values=synced(1, email_address="moved@example.com")),
        RemoteWrite(key=23, remote_id=ids[2], previous=synced(2),  # an opt-out on update: PUT
                    values=synced(2, permission_to_send="unsubscribed")),
        new(24, email_address=("x" * 45) + "@example.com"),  # longer than an import takes: POST
        new(25, email_address="n0@example.com", first_name="Twice"),  # same email twice: POST
    ]
    outcomes = {o.key: o for o in session.write(writes)}
    assert sandbox.requests[IMPORT] == 1
    assert sandbox.requests["POST /v3/contacts"] == 3 and sandbox.requests["PUT /v3/contacts/{id}"] == 3
    assert all(outcomes[i].link_by_email for i in range(20))
    assert outcomes[20].remote_id and outcomes[24].remote_id and outcomes[25].conflict_remote_id
    assert sandbox.get_contact(outcomes[20].remote_id)["email_address"]["permission_to_send"] == "unsubscribed"
    assert sandbox.get_contact(ids[1])["email_address"]["address"] == "moved@example.com"
    assert sandbox.get_contact(ids[2])["email_address"]["permission_to_send"] == "unsubscribed"


def test_per_item_errors_become_those_writes_errors(session, sandbox, sleeps):
    [three_phones] = sandbox.seed_contacts([person(0, phone_numbers=[
        {"phone_number": "1", "kind": "other"}, {"phone_number": "2", "kind": "work"},
        {"phone_number": "3", "kind": "mobile"}])])
    writes = [new(i) for i in range(1, 15)]
    writes[4] = new(5, email_address="bad@localhost")
    writes[9] = new(10, work_phone="1" * 30)
    writes.append(RemoteWrite(key=0, remote_id=three_phones, previous=synced(0),
                              values=synced(0, home_phone="4")))
    outcomes = {o.key: o for o in session.write(writes)}
    assert sandbox.requests[IMPORT] == 1
    assert outcomes[5].error == "Constant Contact's import refused it: email is not a valid email address"
    assert "work_phone must be text of at most 25 characters" in outcomes[10].error
    assert outcomes[0].error.endswith("a contact can have at most 3 phone numbers")
    assert outcomes[0].remote_id == three_phones
    assert all(o.ok and o.link_by_email for k, o in outcomes.items() if k not in (0, 5, 10))
    assert session.unattributed_errors == []
    emails = {c["email_address"]["address"] for c in sandbox.contacts()}
    assert "n1@example.com" in emails and "bad@localhost" not in emails


def test_import_split_by_count(session, sandbox, sleeps, sent, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_IMPORT_ROWS", 7)
    outcomes = session.write([new(i) for i in range(20)])
    assert all(o.ok and o.link_by_email for o in outcomes) and len(outcomes) == 20
    assert [len(b["import_data"]) for p, b in sent if p.endswith("contacts_json_import")] == [7, 7, 6]
    assert sandbox.requests[IMPORT] == 3 and sandbox.requests[POLL] == 6
    assert target_list(sandbox)["membership_count"] == 20


def test_import_split_by_size_over_4_mb(session, sandbox, sleeps, sent):
    street = "S" * 250
    writes = [new(i, home_street=f"{i} {street}", work_street=f"{i} {street}", other_street=f"{i} {street}")
              for i in range(5000)]
    outcomes = session.write(writes)
    assert all(o.ok for o in outcomes)
    # the bytes ApiClient sends for each body
    sizes = [len(encode_json_body(b)) for p, b in sent if p.endswith("contacts_json_import")]
    assert len(sizes) == 2 and sum(sizes) > 4_000_000 and max(sizes) < bulk.MAX_IMPORT_BYTES
    assert sandbox.requests[IMPORT] == 2 and len(sandbox.contacts()) == 5000


def test_a_row_too_large_for_any_import_is_an_error(session, sandbox, sleeps, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_IMPORT_BYTES", bulk.IMPORT_ENVELOPE_BYTES + 400)
    writes = [new(i) for i in range(12)] + [new(99, home_street="S" * 255, work_street="W" * 255)]
    outcomes = {o.key: o for o in session.write(writes)}
    assert "too large" in outcomes[99].error
    assert all(outcomes[i].link_by_email for i in range(12))
    assert sandbox.requests[IMPORT] >= 2


def test_1100_deletes_take_three_activities(session, sandbox, sleeps, sent):
    ids = sandbox.seed_contacts([person(i) for i in range(1099)])
    unknown = "00000000-0000-4000-8000-000000000000"
    result = session.delete(ids + [unknown])
    assert result == dict.fromkeys(ids + [unknown])
    assert [len(b["contact_ids"]) for p, b in sent] == [500, 500, 100]
    assert sandbox.requests[DELETE] == 3 and sandbox.requests[POLL] == 6 and sandbox.request_total == 9
    assert all(c.get("deleted_at") and not c.get("list_memberships") for c in sandbox.contacts())
    assert session.unattributed_errors == []


def _end_badly(sandbox, monkeypatch, which: int, state: str) -> None:
    """The ``which``-th activity the sandbox creates ends in ``state`` instead of completing."""
    activities = sandbox._app.activities
    advance = activities._advance

    def ending_badly(activity, now):
        advance(activity, now)
        if activity["public"]["activity_id"] == list(sandbox.store.activities)[which]:
            activity["public"]["state"] = state

    monkeypatch.setattr(activities, "_advance", ending_badly)


def test_a_failed_import_fails_its_items_only(session, sandbox, sleeps, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_IMPORT_ROWS", 10)
    _end_badly(sandbox, monkeypatch, 1, "failed")
    outcomes = {o.key: o for o in session.write([new(i) for i in range(25)])}
    assert all(outcomes[i].link_by_email for i in [*range(10), *range(20, 25)])
    for i in range(10, 20):
        assert "ended 'failed'" in outcomes[i].error and not outcomes[i].link_by_email
    assert sandbox.requests[IMPORT] == 3


def test_a_timed_out_delete_fails_its_ids_only(session, sandbox, sleeps, monkeypatch):
    ids = sandbox.seed_contacts([person(i) for i in range(600)])
    _end_badly(sandbox, monkeypatch, 1, "timed_out")
    result = session.delete(ids)
    assert all(result[i] is None for i in ids[:500])
    assert all("ended 'timed_out'" in result[i] for i in ids[500:])


def test_polls_back_off_and_give_up(session, sandbox, sleeps, monkeypatch):
    sandbox._app.activities.steps = 7
    monkeypatch.setattr(bulk, "POLL_MAX", 0.5)
    session.write([new(i) for i in range(11)])
    assert sleeps == [0.05, 0.1, 0.2, 0.4, 0.5, 0.5, 0.5]
    assert sandbox.requests[POLL] == 7
    monkeypatch.setattr(bulk, "POLL_GIVE_UP", 0.0)
    with pytest.raises(TransientError, match="still 'processing'"):
        session.write([new(100 + i) for i in range(11)])


def test_error_attribution_by_email_then_row_number():
    emails = ["a@example.com", "B@example.com", "c@example.com"]
    found, left = bulk.attribute_by_email([
        "Row 2 (b@example.com): first_name must be text of at most 50 characters",
        "line 3: birthday_day must be an integer from 1 to 31",
        "Row 9: unknown field x",
        "Something went wrong",
    ], emails)
    assert found == {1: ["first_name must be text of at most 50 characters"],
                     2: ["birthday_day must be an integer from 1 to 31"]}
    assert left == ["Row 9: unknown field x", "Something went wrong"]
    found, left = bulk.attribute_by_id(["Contact abcdef12-3456 was not found", "boom"], ["abcdef12-3456"])
    assert found == {"abcdef12-3456": ["Contact abcdef12-3456 was not found"]} and left == ["boom"]
