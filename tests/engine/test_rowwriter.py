"""RowWriter stores exactly what SQLAlchemy's own INSERT and UPDATE store, on both backends."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import (JSON, Boolean, Column, Integer, MetaData, String, Table, Text, text,
                        UniqueConstraint, bindparam, cast, insert, select, update)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from crmcore.db import make_engine
from crmcore.models import UTCDateTime
from crmcore.sync.rowwriter import RawValue, RowReader, RowWriter

FIELDS = ("name", "data", "at", "flag", "note")


def _table(metadata: MetaData, name: str) -> Table:
    return Table(name, metadata, Column("id", Integer, primary_key=True),
                 Column("owner", Integer, nullable=False), Column("name", String(64)),
                 Column("data", JSON), Column("at", UTCDateTime), Column("flag", Boolean),
                 Column("note", Text), Column("stamp", UTCDateTime),
                 UniqueConstraint("owner", "name", name=f"uq_{name}"))


ROWS = [
    ("ä plain", {"b": [1, 2.5, None], "a": "é\u2028"}, datetime(2026, 3, 1, 12, 0, 0, 5,
                                                               tzinfo=timezone.utc), True, None),
    ("zoned", None, datetime(2026, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))), False, "x"),
    ("no time", {}, None, None, "it's \"quoted\" %s %(x)s"),
]
STAMP = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)


def _dump(session: Session, table: Table) -> list[tuple]:
    """Every row as the database holds it (JSON as its text), ids left out."""
    rows = session.execute(select(table.c.owner, table.c.name, cast(table.c.data, Text),
                                  cast(table.c.at, Text), table.c.flag, table.c.note,
                                  cast(table.c.stamp, Text)).order_by(table.c.id))
    return [tuple(row) for row in rows]


@pytest.fixture
def tables(database_url):
    engine = make_engine(database_url)
    metadata = MetaData()
    ours, theirs = _table(metadata, "rw_ours"), _table(metadata, "rw_theirs")
    metadata.create_all(engine)
    try:
        yield engine, ours, theirs
    finally:
        engine.dispose()


def test_insert_and_update_store_what_sqlalchemy_stores(tables):
    engine, ours, theirs = tables
    inserter = RowWriter(ours, FIELDS, shared=("stamp", "owner"))
    updater = RowWriter(ours, ("data", "at", "flag"), shared=("stamp",), key="id")
    with Session(engine) as session:
        inserter.run(session, ROWS, (STAMP, 7))
        inserter.run(session, [], (STAMP, 7))  # nothing to write: no statement
        session.execute(insert(theirs), [{**dict(zip(FIELDS, row)), "stamp": STAMP, "owner": 7}
                                         for row in ROWS])
        session.commit()
        assert _dump(session, ours) == _dump(session, theirs)
        assert len(_dump(session, ours)) == 3

        later = STAMP + timedelta(days=1)
        changes = [({"new": True}, None, True), (None, STAMP, False)]
        ids = [1, 3]
        updater.run(session, [(*change, i) for change, i in zip(changes, ids)], (later,))
        session.execute(update(theirs).where(theirs.c.id == bindparam("k"))
                        .values(data=bindparam("d"), at=bindparam("a"), flag=bindparam("f"),
                                stamp=bindparam("s")),
                        [{"d": d, "a": a, "f": f, "s": later, "k": i}
                         for (d, a, f), i in zip(changes, ids)])
        session.commit()
        assert _dump(session, ours) == _dump(session, theirs)
        assert _dump(session, ours)[0][2] is not None and "new" in _dump(session, ours)[0][2]


def test_raw_json_text_is_stored_as_it_is(tables):
    engine, ours, _ = tables
    inserter = RowWriter(ours, FIELDS, shared=("stamp", "owner"))
    with Session(engine) as session:
        inserter.run(session, [ROWS[0]], (STAMP, 1))
        session.commit()
        text = session.execute(select(cast(ours.c.data, Text))).scalar_one()
        inserter.run(session, [("copy", RawValue(text), None, None, None)], (STAMP, 1))
        session.commit()
        texts = session.execute(select(cast(ours.c.data, Text)).order_by(ours.c.id)).scalars().all()
        assert texts[1] == texts[0]  # not a JSON string holding the text
        assert session.execute(select(ours.c.data).where(ours.c.name == "copy")).scalar_one() \
            == ROWS[0][1]


def test_a_refused_row_raises_sqlalchemy_errors_and_writes_nothing(tables):
    engine, ours, _ = tables
    inserter = RowWriter(ours, FIELDS, shared=("stamp", "owner"))
    with Session(engine) as session:
        with pytest.raises(IntegrityError):
            inserter.run(session, [ROWS[0], ROWS[1], ROWS[0]], (STAMP, 1))
        session.rollback()
        assert _dump(session, ours) == []


def test_a_naive_time_is_refused_as_before(tables):
    engine, ours, _ = tables
    inserter = RowWriter(ours, FIELDS, shared=("stamp", "owner"))
    with Session(engine) as session, pytest.raises(ValueError, match="naive"):
        inserter.run(session, [("n", None, datetime(2026, 1, 1), None, None)], (STAMP, 1))


def test_row_reader_reads_what_sqlalchemy_reads(tables):
    engine, ours, _ = tables
    statement = select(ours.c.id, ours.c.name, ours.c.data, cast(ours.c.data, Text).label("t"),
                       ours.c.at, ours.c.flag, ours.c.stamp).where(
        ours.c.owner == bindparam("o"), ours.c.name.in_([bindparam("a"), bindparam("b")]))
    reader = RowReader(statement, ["b", "o", "a"])
    with Session(engine) as session:
        RowWriter(ours, FIELDS, shared=("stamp", "owner")).run(session, ROWS, (STAMP, 7))
        session.commit()
        for names in (["ä plain", "zoned"], ["no time", "no time"], ["zoned", "nobody"]):
            expected = [tuple(row) for row in session.execute(
                statement, {"o": 7, "a": names[0], "b": names[1]})]
            got = reader.run(session, [names[1], 7, names[0]])
            assert sorted(got, key=str) == sorted(expected, key=str)
            assert got and all(isinstance(row[4], datetime) or row[4] is None for row in got)
        assert reader.run(session, ["zoned", 8, "ä plain"]) == []


def test_row_reader_never_leaves_a_prepared_statement_on_postgresql(tables):
    """psycopg prepares a query it has run five times; PostgreSQL then soon plans it once for
    any values, and an IN list of parameters becomes a one-by-one comparison per row."""
    engine, ours, _ = tables
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    statement = select(ours.c.id).where(ours.c.owner == bindparam("o"),
                                        ours.c.name.in_([bindparam("a"), bindparam("b")]))
    reader = RowReader(statement, ["o", "a", "b"])
    with Session(engine) as session:
        RowWriter(ours, FIELDS, shared=("stamp", "owner")).run(session, ROWS, (STAMP, 7))
        for _ in range(12):
            assert len(reader.run(session, [7, "zoned", "no time"])) == 2
        prepared = session.execute(text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%rw_ours%'")).scalar()
        assert prepared == 0

