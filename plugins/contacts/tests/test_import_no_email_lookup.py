"""An imported row without an email is the live contact without an email whose fields equal its
cells: found with exactly the same comparison as before, read from the list-order index (the
table has no index on ``last_name`` of its own since contacts 0003)."""
from __future__ import annotations

from sqlalchemy import event, text

from crm_contacts.csvbatch import _same_fields_no_email


def _plan(session, given: dict) -> str:
    """The database's plan of the lookup for ``given``, as one line."""
    executed: list[tuple] = []
    conn = session.connection()

    def seen(conn, cursor, statement, parameters, context, executemany):
        executed.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", seen)
    try:
        _same_fields_no_email(session, given)
    finally:
        event.remove(conn, "before_cursor_execute", seen)
    statement, parameters = executed[-1]
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return " | ".join(r[-1] for r in rows)
    conn.execute(text("SET LOCAL enable_seqscan = off"))  # a small table: only usable matters
    rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
    return " | ".join(r[0] for r in rows)


def test_the_lookup_finds_equal_fields_only(store_session):
    session, store, user = store_session
    ada = store.create(session, {"first_name": "Ada", "last_name": "Lovelace"}, user)
    orsted = store.create(session, {"first_name": "Hans", "last_name": "Ørsted",
                                    "title": "Physicist"}, user)
    store.create(session, {"last_name": "Lovelace", "email": "ada@example.com"}, user)
    gone = store.create(session, {"first_name": "Alan", "last_name": "Turing"}, user)
    store.delete(session, gone, user)
    assert _same_fields_no_email(session, {"first_name": "Ada", "last_name": "Lovelace"}) == ada
    assert _same_fields_no_email(session, {"last_name": "Lovelace"}) == ada
    assert _same_fields_no_email(session, {"first_name": "Ada"}) == ada
    assert _same_fields_no_email(session, {"first_name": "ada", "last_name": "Lovelace"}) is None
    assert _same_fields_no_email(session, {"last_name": "LOVELACE"}) is None
    assert _same_fields_no_email(session, {"last_name": "Ørsted", "title": "Physicist"}) == orsted
    assert _same_fields_no_email(session, {"last_name": "ørsted"}) is None
    assert _same_fields_no_email(session, {"last_name": "Ørsted", "title": "Chemist"}) is None
    assert _same_fields_no_email(session, {"first_name": "Alan", "last_name": "Turing"}) is None


def test_the_lookup_reads_the_list_order_index(store_session):
    session, store, user = store_session
    for i in range(30):
        store.create(session, {"first_name": f"Ada{i}", "last_name": f"Lovelace{i % 3}"}, user)
    for given in ({"first_name": "Ada1", "last_name": "Lovelace1", "title": "Countess"},
                  {"last_name": "Lovelace2"}):
        plan = _plan(session, given)
        assert "ix_contact_name_order" in plan, plan
