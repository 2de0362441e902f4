"""The session against the sandbox: paging, incremental reads, writes, conflicts, deletes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crmcore.http import QuotaExhausted, TransientError
from crmcore.api import CursorInvalid, RemoteWrite, TimestampCursor


def contact(i: int, **extra) -> dict:
    return {"email_address": {"address": f"p{i}@example.com"}, "last_name": f"Person {i}", **extra}


def test_paging_over_more_than_one_page(session, sandbox, mapping, exchanges):
    sandbox.seed_contacts([contact(i) for i in range(1100)])
    pages = list(session.read_changes(None, mapping.remote_fields))
    assert [len(p.records) for p in pages] == [500, 500, 100]
    ids = {r.remote_id for p in pages for r in p.records}
    assert len(ids) == 1100
    assert sandbox.requests["GET /v3/contacts"] == 3
    for page in pages:
        assert page.high_water == max(r.updated_at for r in page.records)
        assert page.high_water.tzinfo is not None
    # the position comes with the last page only: a timestamp cursor on the newest change
    assert [p.cursor is not None for p in pages] == [False, False, True]
    mark = TimestampCursor.parse(pages[-1].cursor).mark
    assert mark == max(r.updated_at for p in pages for r in p.records)
    first = exchanges[0]["url"]
    assert "status=all" in first and "limit=500" in first


def test_updated_after_reads_only_newer_changes_deleted_included(session, sandbox, mapping, exchanges):
    old = datetime(2024, 1, 1, tzinfo=timezone.utc)
    sandbox.seed_contacts([contact(1, updated_at="2024-01-01T00:00:00Z", created_at="2024-01-01T00:00:00Z"),
                           contact(2, updated_at="2024-03-01T10:00:00.123Z", created_at="2024-01-01T00:00:00Z"),
                           contact(3, updated_at="2024-03-02T10:00:00-05:00", created_at="2024-01-01T00:00:00Z",
                                   deleted_at="2024-03-02")])
    cursor = TimestampCursor(old + timedelta(days=30), settled=True).encode()
    pages = list(session.read_changes(cursor, mapping.remote_fields))
    records = {r.values["email_address"]: r for p in pages for r in p.records}
    assert set(records) == {"p2@example.com", "p3@example.com"}
    assert records["p3@example.com"].deleted and not records["p2@example.com"].deleted
    assert records["p2@example.com"].updated_at == datetime(2024, 3, 1, 10, 0, 0, 123000, timezone.utc)
    assert pages[-1].high_water == datetime(2024, 3, 2, 15, 0, tzinfo=timezone.utc)
    assert "updated_after=2024-01-31T00%3A00%3A00.000Z" in exchanges[0]["url"]
    assert TimestampCursor.parse(pages[-1].cursor).mark == datetime(2024, 3, 2, 15, 0, tzinfo=timezone.utc)


def test_an_unsettled_cursor_reads_the_overlap_again_and_a_foreign_one_is_invalid(
        session, sandbox, mapping, exchanges):
    mark = datetime(2024, 1, 31, tzinfo=timezone.utc)
    list(session.read_changes(TimestampCursor(mark, settled=False).encode(), mapping.remote_fields))
    assert "updated_after=2024-01-30T23%3A59%3A58.000Z" in exchanges[-1]["url"]
    with pytest.raises(CursorInvalid):
        list(session.read_changes("sync-token-of-another-kind", mapping.remote_fields))


def test_includes_limited_to_what_the_mapping_needs(session, sandbox, exchanges):
    sandbox.seed_contacts([contact(1, phone_numbers=[{"phone_number": "555", "kind": "home"}])])
    [page] = list(session.read_changes(None, ["email_address", "last_name"]))
    assert "include" not in exchanges[-1]["url"]
    assert "home_phone" not in page.records[0].values
    [page] = list(session.read_changes(None, ["email_address", "last_name", "home_phone"]))
    assert "include=phone_numbers&" in exchanges[-1]["url"] + "&"
    assert page.records[0].values["home_phone"] == "555"
    [page] = list(session.read_changes(None, ["email_address", "home_city", "work_phone"]))
    assert "include=phone_numbers%2Cstreet_addresses" in exchanges[-1]["url"]


def test_create_joins_the_target_list_made_once(session, sandbox, mapping):
    outcomes = session.write([RemoteWrite(key=i, values={"email_address": f"n{i}@example.com",
                                                         "last_name": f"N{i}"}) for i in range(3)])
    assert [o.key for o in outcomes] == [0, 1, 2] and all(o.ok for o in outcomes)
    [crm_list] = [entry for entry in sandbox.lists() if entry["name"] == "CRM contacts"]
    assert crm_list["membership_count"] == 3
    assert sandbox.requests["POST /v3/contact_lists"] == 1
    assert sandbox.requests["GET /v3/contact_lists"] == 1
    stored = sandbox.get_contact(outcomes[0].remote_id)
    assert stored["create_source"] == "Account" and stored["list_memberships"] == [crm_list["list_id"]]


def test_existing_target_list_is_reused(connector, api, sandbox):
    list_id = sandbox.create_list("Newsletter")
    session = connector.open(api, {"target_list": "newsletter"})
    [outcome] = session.write([RemoteWrite(key=1, values={"email_address": "a@example.com"})])
    assert sandbox.get_contact(outcome.remote_id)["list_memberships"] == [list_id]
    assert sandbox.requests["POST /v3/contact_lists"] == 0


def test_conflict_on_an_existing_or_deleted_email(session, sandbox):
    live, gone = sandbox.seed_contacts([contact(1), contact(2, deleted_at="2024-05-01")])
    outcomes = session.write([
        RemoteWrite(key=1, values={"email_address": "p1@example.com", "last_name": "X"}),
        RemoteWrite(key=2, values={"email_address": "p2@example.com", "last_name": "Y"}),
    ])
    assert [(o.key, o.conflict_remote_id, o.ok) for o in outcomes] == [(1, live, False), (2, gone, False)]
    assert sandbox.get_contact(gone)["deleted_at"]  # nothing revived by a refused create


def test_update_keeps_unmapped_fields_and_lists(session, sandbox, mapping):
    newsletter = sandbox.create_list("Newsletter")
    [cid] = sandbox.seed_contacts([contact(
        1, first_name="Old", job_title="Engineer", anniversary="2010-06-01",
        list_memberships=[newsletter],
        phone_numbers=[{"phone_number": "111", "kind": "home"}, {"phone_number": "999", "kind": "other"}],
        street_addresses=[{"kind": "work", "street": "1 Work St", "city": "Paris"},
                          {"kind": "home", "street": "2 Home Rd", "postal_code": "75001"}])])
    values = {"email_address": "p1@example.com", "first_name": "New", "last_name": "Person 1",
              "home_phone": "222", "mobile_phone": None, "home_city": "Lyon"}
    [outcome] = session.write([RemoteWrite(key=7, values=values, remote_id=cid)])
    assert outcome.ok and outcome.remote_id == cid
    stored = sandbox.get_contact(cid)
    assert stored["first_name"] == "New" and stored["job_title"] == "Engineer"
    assert stored["anniversary"] == "2010-06-01" and stored["update_source"] == "Account"
    assert stored["list_memberships"] == [newsletter]
    assert sorted((p["kind"], p["phone_number"]) for p in stored["phone_numbers"]) == [
        ("home", "222"), ("other", "999")]
    addresses = {a["kind"]: a for a in stored["street_addresses"]}
    assert addresses["work"]["city"] == "Paris"
    assert (addresses["home"]["street"], addresses["home"]["city"], addresses["home"]["postal_code"]) == (
        "2 Home Rd", "Lyon", "75001")
    assert outcome.record.values["home_phone"] == "222" and outcome.record.values["job_title"] == "Engineer"


def test_update_that_would_make_four_phones_is_an_error_not_a_request(session, sandbox):
    [cid] = sandbox.seed_contacts([contact(1, phone_numbers=[
        {"phone_number": "1", "kind": "other"}, {"phone_number": "2", "kind": "work"},
        {"phone_number": "3", "kind": "mobile"}])])
    before = sandbox.requests["PUT /v3/contacts/{contact_id}"]
    [outcome] = session.write([RemoteWrite(key=1, values={"email_address": "p1@example.com",
                                                          "home_phone": "4"}, remote_id=cid)])
    assert outcome.error == "4 phone numbers; Constant Contact allows 3"
    assert sandbox.requests["PUT /v3/contacts/{contact_id}"] == before


def test_put_revives_a_deleted_contact_into_the_target_list(session, sandbox):
    [cid] = sandbox.seed_contacts([contact(1, deleted_at="2024-05-01")])
    [outcome] = session.write([RemoteWrite(key=1, values={"email_address": "p1@example.com",
                                                          "last_name": "Back"}, remote_id=cid)])
    stored = sandbox.get_contact(cid)
    assert outcome.ok and not outcome.record.deleted and "deleted_at" not in stored
    assert len(stored["list_memberships"]) == 1


def test_refused_record_is_an_outcome_error(session, sandbox):
    [cid] = sandbox.seed_contacts([contact(1)])
    outcomes = session.write([
        RemoteWrite(key=1, values={"email_address": "p1@example.com", "anniversary": "31/31/2020"},
                    remote_id=cid),
        RemoteWrite(key=2, values={"email_address": "ok@example.com"}),
        RemoteWrite(key=3, values={"email_address": "x@example.com"},
                    remote_id="00000000-0000-4000-8000-000000000000"),
    ])
    assert outcomes[0].error.startswith("Constant Contact refused it: ") and "anniversary" in outcomes[0].error
    assert outcomes[1].ok
    assert outcomes[2].error == "the contact no longer exists in Constant Contact"


def test_update_to_an_email_owned_by_another_contact(session, sandbox):
    first, second = sandbox.seed_contacts([contact(1), contact(2)])
    [outcome] = session.write([RemoteWrite(key=1, values={"email_address": "p2@example.com"},
                                           remote_id=first)])
    assert outcome.error == f"email p2@example.com already belongs to another Constant Contact contact ({second})"


def test_read_many_includes_deleted_and_leaves_out_unknown(session, sandbox):
    live, gone = sandbox.seed_contacts([contact(1, phone_numbers=[{"phone_number": "5", "kind": "work"}]),
                                        contact(2, deleted_at="2024-05-01")])
    found = session.read_many([live, gone, "00000000-0000-4000-8000-000000000000"])
    assert set(found) == {live, gone}
    assert found[gone].deleted and not found[live].deleted
    assert found[live].values["work_phone"] == "5"


def test_delete_is_soft_and_idempotent(session, sandbox):
    live, gone = sandbox.seed_contacts([contact(1), contact(2, deleted_at="2024-05-01")])
    unknown = "00000000-0000-4000-8000-000000000000"
    assert session.delete([live, gone, unknown]) == {live: None, gone: None, unknown: None}
    stored = sandbox.get_contact(live)
    assert stored["deleted_at"] and stored["email_address"]["permission_to_send"] == "implicit"


def test_run_stopping_errors_propagate(session, sandbox, mapping):
    [cid] = sandbox.seed_contacts([contact(1)])
    sandbox.faults.fail_next(5, 503)
    with pytest.raises(TransientError):
        session.write([RemoteWrite(key=1, values={"email_address": "p1@example.com"}, remote_id=cid)])
    sandbox.faults.clear()
    quota = {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"}
    sandbox.faults.fail_next(1, 429, body=quota)
    with pytest.raises(QuotaExhausted):
        list(session.read_changes(None, mapping.remote_fields))
    sandbox.faults.fail_next(1, 429, body=quota)
    with pytest.raises(QuotaExhausted):
        session.delete([cid])
    assert sandbox.get_contact(cid).get("deleted_at") is None
