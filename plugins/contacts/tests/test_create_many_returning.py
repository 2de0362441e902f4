"""ContactStore.create_many_returning: each new contact's snapshot is what get_many reads back
(the engine fingerprints a batch's new contacts from it without reading them back)."""
from __future__ import annotations

from datetime import date

from crmcore.api import RecordSnapshot, ValidationError


def test_the_snapshots_returned_equal_what_get_many_reads_back(env):
    from crmcore.users import get_user

    crm = env.crm()
    store = crm.plugins.modules["contacts"].spec.records
    values_list = [
        {"last_name": "  Lovelace ", "first_name": "Ada", "email": " Ada@Example.COM ",
         "birthday": "1815-12-10", "email_opt_out": "yes"},
        {"first_name": "no last name"},  # refused: last name is mandatory
        {"last_name": "Hopper", "birthday": date(1906, 12, 9), "email_opt_out": False,
         "description": "  line one\nline two  ", "mailing_street": "1 Main St\nFloor 2"},
        {"last_name": "Ünïcode 名前", "title": "", "organization": None},
        {"last_name": "Knuth", "email_opt_out": None, "mobile_phone": "+1 555 0100"},
    ]
    with crm.session() as s:
        user = get_user(s, "admin")
        returned = store.create_many_returning(s, values_list, user)
        read_back = store.get_many(s, [r.id for r in returned if isinstance(r, RecordSnapshot)])
    assert isinstance(returned[1], ValidationError)
    made = [r for r in returned if isinstance(r, RecordSnapshot)]
    assert len(made) == 4 and all(not r.deleted and r.owner_id == user.id for r in made)
    for snap in made:
        assert snap == read_back[snap.id]
    with crm.session() as s:  # and in a later session, from the database itself
        again = store.get_many(s, [snap.id for snap in made])
    assert [again[snap.id] for snap in made] == made
    assert made[0].values["last_name"] == "Lovelace" and made[0].values["email_opt_out"] is True
    assert made[0].values["birthday"] == date(1815, 12, 10)


def test_create_many_gives_the_ids_of_create_many_returning(env):
    from crmcore.users import get_user

    crm = env.crm()
    store = crm.plugins.modules["contacts"].spec.records
    with crm.session() as s:
        ids = store.create_many(s, [{"last_name": "A"}, {"first_name": "none"}, {"last_name": "B"}],
                                get_user(s, "admin"))
        found = store.get_many(s, [ids[0], ids[2]])
    assert isinstance(ids[1], ValidationError)
    assert [found[ids[0]].values["last_name"], found[ids[2]].values["last_name"]] == ["A", "B"]
