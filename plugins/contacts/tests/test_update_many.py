"""ContactStore.update_many: the same outcome as update one by one, in fewer statements."""
from __future__ import annotations

from datetime import date

from crmcore.errors import NotFound, ValidationError


def _state(store, session, ids):
    snaps = store.get_many(session, ids)
    return {i: (dict(snaps[i].values), snaps[i].deleted) for i in ids}


def _changes(session, after):
    from crmcore.changes import changes_since
    return [(c.record_id, c.op) for batch in changes_since(session, "contacts", after) for c in batch]


def test_update_many_matches_update_one_by_one(env):
    """Two copies of the same contacts: one updated with update, one with update_many; the
    stored values, the recycle bin, the refusals and the changes recorded are the same."""
    from crmcore.changes import current_seq
    from crmcore.users import get_user

    crm = env.crm()
    store = crm.plugins.modules["contacts"].spec.records
    base = [{"last_name": "Lovelace", "first_name": "Ada", "email": "ada@example.com"},
            {"last_name": "Hopper", "title": "Rear admiral"},
            {"last_name": "Turing", "email": "alan@example.com"},
            {"last_name": "Knuth"}]
    with crm.session() as s:
        user = get_user(s, "admin")
        one = store.create_many(s, base, user)
        many = store.create_many(s, base, user)
        for ids in (one, many):
            store.delete(s, ids[3], user)  # in the recycle bin: an update restores it

    def edits(ids):
        return [(ids[0], {"email": " ADA@Example.com ", "birthday": "1815-12-10"}),
                (ids[1], {"title": "Rear admiral"}),  # no change: no change recorded
                (ids[2], {"last_name": ""}),  # mandatory emptied: refused
                (ids[3], {"title": "Professor"}),  # restored, then updated
                (10 ** 9, {"title": "x"}),  # unknown id: NotFound
                (ids[0], {"first_name": "Augusta"})]  # the same record again, later in the list

    with crm.session() as s:
        user = get_user(s, "admin")
        start = current_seq(s)
        expected = []
        for record_id, values in edits(one):
            try:
                store.update(s, record_id, values, user)
                expected.append(None)
            except (NotFound, ValidationError) as exc:
                expected.append(type(exc))
        middle = current_seq(s)
        results = store.update_many(s, edits(many), user)
    assert [None if r is None else type(r) for r in results] == expected
    assert expected == [None, None, ValidationError, None, NotFound, None]
    with crm.session() as s:
        assert list(_state(store, s, one).values()) == list(_state(store, s, many).values())
        kept = _state(store, s, many)
        assert kept[many[0]][0]["email"] == "ADA@Example.com"
        assert kept[many[0]][0]["birthday"] == date(1815, 12, 10)
        assert kept[many[0]][0]["first_name"] == "Augusta"
        assert kept[many[2]][0]["last_name"] == "Turing"
        assert kept[many[3]] == (dict(kept[many[3]][0], title="Professor"), False)
        changes = _changes(s, start)
        first = [(many[one.index(i)], op) for i, op in changes[:middle - start]]
        second = changes[middle - start:]
        assert sorted(first) == sorted(second)
        assert (many[1], "update") not in second and (many[3], "restore") in second
        # email_normalised follows the email, so matching by email finds the new one
        assert store.find_by_email(s, ["ada@example.com"])["ada@example.com"] == [one[0], many[0]]


def test_the_last_update_of_a_record_wins_whatever_fields_the_others_change(env):
    """Updates of one record in one call apply in order, even when a middle one changes other
    fields than the first and last (their statements are grouped by the fields they set)."""
    from crmcore.users import get_user

    crm = env.crm()
    store = crm.plugins.modules["contacts"].spec.records
    with crm.session() as s:
        user = get_user(s, "admin")
        (record_id,) = store.create_many(s, [{"last_name": "Lovelace", "email": "a@example.com"}],
                                         user)
        results = store.update_many(s, [(record_id, {"email": "b@example.com"}),
                                        (record_id, {"email": "c@example.com", "title": "Countess"}),
                                        (record_id, {"email": "d@example.com"})], user)
    assert results == [None, None, None]
    with crm.session() as s:
        values = store.get_many(s, [record_id])[record_id].values
        assert (values["email"], values["title"]) == ("d@example.com", "Countess")
        assert store.find_by_email(s, ["d@example.com"]) == {"d@example.com": [record_id]}


def test_the_email_lookup_column_is_written_only_when_the_email_changes(env):
    """An update that leaves the email alone does not write ``email_normalised`` (an indexed
    column: writing it costs an index update per row even with the same value); one that
    changes the email writes it, so matching by email follows."""
    from sqlalchemy import event

    from crmcore.users import get_user

    crm = env.crm()
    store = crm.plugins.modules["contacts"].spec.records
    with crm.session() as s:
        user = get_user(s, "admin")
        ids = store.create_many(s, [{"last_name": "Lovelace", "email": "ada@example.com"},
                                    {"last_name": "Hopper", "email": "grace@example.com"}], user)
    updates: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE CONTACT"):
            updates.append(statement)

    event.listen(crm.engine, "before_cursor_execute", seen)
    try:
        with crm.session() as s:
            user = get_user(s, "admin")
            assert store.update_many(s, [(ids[0], {"title": "Countess"}),
                                         (ids[1], {"email": "Amazing.Grace@Example.com"})],
                                     user) == [None, None]
    finally:
        event.remove(crm.engine, "before_cursor_execute", seen)
    assert len(updates) == 2, updates
    title_only = [u for u in updates if "title" in u]
    email = [u for u in updates if "email =" in u or "email=" in u]
    assert len(title_only) == 1 and "email_normalised" not in title_only[0]
    assert len(email) == 1 and "email_normalised" in email[0]
    with crm.session() as s:
        assert store.find_by_email(s, ["amazing.grace@example.com", "ada@example.com"]) == {
            "amazing.grace@example.com": [ids[1]], "ada@example.com": [ids[0]]}
