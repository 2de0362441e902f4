"""A CSV import writes its batches whole: a few statements per batch, the same rows and changes as
contacts added one by one. (The row-by-row fallback gives the same results, only much slower, so
the statement count is what tells them apart.)"""
from __future__ import annotations

import csv
import io

from sqlalchemy import event, select

from crmcore.models import Change
from crm_contacts import csvimport, csvio
from crm_contacts.models import Contact

ROWS = 2 * csvimport.BATCH_ROWS + 200  # more than two batches


def _csv(rows: int) -> io.StringIO:
    lines = ["first_name,last_name,email,birthday,email_opt_out,mailing_street"]
    for i in range(rows):
        birthday = f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}" if i % 3 == 0 else ""
        lines.append(f"Ada{i},Lovelace,ada.{i}@example.org,{birthday},{'yes' if i % 2 else ''},"
                     f"\"{i} Main St\nFlat {i}\"")
    return io.StringIO("\n".join(lines) + "\n", newline="")


def _counting(session) -> list[str]:
    statements: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    return statements


def test_an_import_writes_each_batch_in_a_few_statements(store_session) -> None:
    session, store, user = store_session
    statements = _counting(session)
    report = csvimport.import_csv(session, user, _csv(ROWS))
    assert report.count("created") == ROWS and not report.errors
    assert len(statements) < 15 * (ROWS // csvimport.BATCH_ROWS + 1), statements[:20]

    statements.clear()
    again = csvimport.import_csv(session, user, _csv(ROWS))
    assert again.count("unchanged") == ROWS
    assert len(statements) < 10 * (ROWS // csvimport.BATCH_ROWS + 1), statements[:20]


def test_imported_contacts_are_stored_as_added_ones_are(store_session) -> None:
    session, store, user = store_session
    report = csvimport.import_csv(session, user, _csv(ROWS))
    ids = report.imported
    assert ids == sorted(ids) and len(set(ids)) == ROWS  # file order

    # the same values through the one-by-one path, for comparison
    expected_file = _csv(ROWS)
    header = next(expected_file).strip().split(",")
    rows = list(csv.reader(expected_file))
    for i in (0, 1, 3, ROWS - 1):
        values = {k: v for k, v in zip(header, rows[i]) if v}
        values["email"] = f"copy.{i}@example.org"
        reference = store.get_many(session, [store.create(session, values, user)])
        imported = store.get_many(session, [ids[i]])
        got, want = imported[ids[i]], next(iter(reference.values()))
        assert {**got.values, "email": None} == {**want.values, "email": None}
        assert got.owner_id == want.owner_id == user.id and not got.deleted
        contact = session.get(Contact, ids[i])
        assert contact.email_normalised == f"ada.{i}@example.org"
        assert contact.created_at == contact.modified_at and contact.created_at.tzinfo

    changes = session.execute(select(Change.record_id, Change.op, Change.seq, Change.user_id)
                              .where(Change.record_id.in_(ids)).order_by(Change.seq)).all()
    assert [c.record_id for c in changes] == ids
    assert {c.op for c in changes} == {"create"} and {c.user_id for c in changes} == {user.id}


def test_export_of_imported_contacts_gives_the_file_back(store_session) -> None:
    session, store, user = store_session
    csvimport.import_csv(session, user, _csv(300))
    out = io.StringIO()
    assert csvio.export(session, user, out) == 300
    out.seek(0)
    again = csvimport.import_csv(session, user, io.StringIO(out.getvalue(), newline=""))
    assert again.count("unchanged") == 300 and not again.errors


def test_two_rows_for_one_contact_in_a_batch_end_with_the_later_row(store_session) -> None:
    """A row compares with what the earlier rows of its batch wrote, as row by row would."""
    session, store, user = store_session
    first = io.StringIO("first_name,last_name,email,title\nAda,Lovelace,ada@example.org,X\n",
                        newline="")
    csvimport.import_csv(session, user, first)
    again = io.StringIO("first_name,last_name,email,title\n"
                        "Ada,Lovelace,ada@example.org,A\n"
                        "Ada,Lovelace,ada@example.org,X\n", newline="")
    report = csvimport.import_csv(session, user, again)
    assert [row.action for row in report.rows] == ["updated", "updated"]
    assert session.execute(select(Contact.title)).scalars().all() == ["X"]
