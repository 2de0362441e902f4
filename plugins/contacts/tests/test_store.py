"""ContactStore as the sync engine uses it, and the change sequence its writes advance."""
from __future__ import annotations

from datetime import date

import pytest

from crmcore.changes import changes_since, current_seq
from crmcore.errors import NotFound, ValidationError

FULL = {"salutation": "Mrs.", "first_name": "Ada", "last_name": "Lovelace",
        "email": "Ada@Example.com", "secondary_email": "ada@home.example", "office_phone": "+44 1",
        "mobile_phone": "+44 2", "home_phone": "+44 3", "title": "Analyst",
        "department": "Engines", "organization": "Analytical Society",
        "birthday": date(1815, 12, 10), "mailing_street": "12 St James's Square",
        "mailing_city": "London", "mailing_state": "Greater London", "mailing_zip": "SW1Y 4JH",
        "mailing_country": "United Kingdom", "description": "First programmer.\nLine two.",
        "email_opt_out": True}


def ops(session, after: int) -> list[tuple[int, str, int]]:
    return [(c.record_id, c.op, c.user_id) for batch in changes_since(session, "contacts", after)
            for c in batch]


def test_module_is_registered_with_its_fields(env):
    from crmcore.modules import RecordStore  # noqa: F401 - the protocol ContactStore follows
    from crm_contacts.fields import FIELD_NAMES

    crm = env.crm()
    try:
        spec = crm.plugins.modules["contacts"].spec
    finally:
        crm.close()
    assert [f.name for f in spec.fields] == list(FIELD_NAMES) == list(FULL)
    assert spec.mandatory_fields == ("last_name",)
    assert spec.field("email").type == "email" and spec.field("email").max_length == 254
    assert all(f.max_length for f in spec.fields if f.type not in ("date", "boolean"))
    assert spec.extension == "contacts" and spec.records is not None


def test_values_round_trip_exactly(store_session):
    session, store, admin = store_session
    record_id = store.create(session, FULL, admin)
    snap = store.get_many(session, [record_id])[record_id]
    assert snap.values == FULL and snap.owner_id == admin.id and snap.deleted is False
    assert snap.modified_at.tzinfo is not None
    # empty strings and blanks are stored as None; one-line fields are trimmed
    other = store.create(session, {"last_name": " Babbage ", "first_name": "", "title": "  ",
                                   "birthday": "1791-12-26", "email_opt_out": "no"}, admin)
    values = store.get_many(session, [other])[other].values
    assert values["last_name"] == "Babbage" and values["first_name"] is None
    assert values["title"] is None and values["birthday"] == date(1791, 12, 26)
    assert values["email_opt_out"] is False
    assert store.normalise(values) == values  # cleaning a clean value changes nothing


def test_change_sequence_advances_on_every_write(store_session):
    session, store, admin = store_session
    start = current_seq(session)
    record_id = store.create(session, {"last_name": "Lovelace"}, admin)
    after_create = current_seq(session)
    store.update(session, record_id, {"title": "CTO"}, admin)
    store.delete(session, record_id, admin)
    store.restore(session, record_id, admin)
    assert ops(session, start) == [(record_id, "create", admin.id), (record_id, "update", admin.id),
                                   (record_id, "delete", admin.id),
                                   (record_id, "restore", admin.id)]
    assert ops(session, after_create) == ops(session, start)[1:]  # readable from a checkpoint
    seqs = [c.seq for batch in changes_since(session, "contacts", start, batch_size=2)
            for c in batch]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4 and seqs[-1] == current_seq(session)


def test_writes_that_change_nothing_record_nothing(store_session):
    session, store, admin = store_session
    record_id = store.create(session, {"last_name": "Lovelace", "email": "ada@example.com"}, admin)
    seq = current_seq(session)
    modified = store.get_many(session, [record_id])[record_id].modified_at
    store.update(session, record_id, {"email": " ada@example.com ", "title": ""}, admin)
    store.restore(session, record_id, admin)  # not in the recycle bin
    assert current_seq(session) == seq
    assert store.get_many(session, [record_id])[record_id].modified_at == modified
    store.delete(session, record_id, admin)
    store.delete(session, record_id, admin)  # already there
    assert [op for _, op, _ in ops(session, seq)] == ["delete"]


def test_tombstone_is_readable_and_update_restores(store_session):
    session, store, admin = store_session
    record_id = store.create(session, {"last_name": "Lovelace", "email": "ada@example.com"}, admin)
    store.delete(session, record_id, admin)
    tomb = store.get_many(session, [record_id, 999])
    assert list(tomb) == [record_id]  # unknown ids left out
    assert tomb[record_id].deleted is True and tomb[record_id].values["last_name"] == "Lovelace"
    assert store.find_by_email(session, ["ada@example.com"]) == {}  # only live records match
    seq = current_seq(session)
    store.update(session, record_id, {"title": "CTO"}, admin)  # RecordStore.update restores too
    assert [op for _, op, _ in ops(session, seq)] == ["restore", "update"]
    assert store.get_many(session, [record_id])[record_id].deleted is False


def test_find_by_email_normalises_and_reports_duplicates(store_session):
    session, store, admin = store_session
    a = store.create(session, {"last_name": "A", "email": "Ada@Example.COM"}, admin)
    b = store.create(session, {"last_name": "B", "email": "ada@example.com"}, admin)
    c = store.create(session, {"last_name": "C", "email": "c@example.com"}, admin)
    found = store.find_by_email(session, ["  ADA@example.com ", "c@EXAMPLE.com", "x@example.com"])
    assert found == {"ada@example.com": [a, b], "c@example.com": [c]}
    store.update(session, c, {"email": "new@example.com"}, admin)
    assert store.find_by_email(session, ["c@example.com", "NEW@example.com"]) == {
        "new@example.com": [c]}


def test_invalid_values_raise_and_save_nothing(store_session):
    session, store, admin = store_session
    seq = current_seq(session)
    with pytest.raises(ValidationError) as err:
        store.create(session, {"last_name": "X", "email": "bad", "birthday": "10/12/1815",
                               "colour": "red"}, admin)
    assert "email 'bad'" in err.value.message and "birthday '10/12/1815'" in err.value.message
    assert "unknown field 'colour'" in err.value.message
    with pytest.raises(ValidationError, match="last_name is mandatory"):
        store.create(session, {"first_name": "Ada", "last_name": None}, admin)
    with pytest.raises(ValidationError, match="must be text"):
        store.create(session, {"last_name": 42}, admin)
    assert current_seq(session) == seq and store.get_many(session, [1, 2, 3]) == {}
    with pytest.raises(NotFound):
        store.update(session, 12345, {"title": "x"}, admin)


def test_display_name():
    from crm_contacts.records import ContactStore

    store = ContactStore()
    assert store.display_name({"first_name": "Ada", "last_name": "Lovelace"}) == "Ada Lovelace"
    assert store.display_name({"first_name": None, "last_name": "Lovelace"}) == "Lovelace"
    assert store.display_name({"email": "ada@example.com"}) == "ada@example.com"
