"""crmcore.bulkinsert.insert_tuples: rows stored as SQLAlchemy's own INSERT stores them, on both
backends; on PostgreSQL a binary COPY when psycopg knows every column's type, text otherwise."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import (JSON, Boolean, Column, Date, Float, Integer, MetaData, String, Table,
                        Text, cast, insert, select)
from sqlalchemy.exc import IntegrityError

from crmcore import bulkinsert
from crmcore.bulkinsert import column_binder, insert_tuples
from crmcore.db import make_engine
from crmcore.models import UTCDateTime
from crmcore.sync.rowwriter import RawValue

COLUMNS = ("id", "name", "born", "at", "flag", "data", "note")
ROWS = [
    (1, "ä plain", date(2000, 2, 29), datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=timezone.utc), True,
     {"b": [1, 2.5, None], "a": "é\u2028"}, "it's \"quoted\" \\ %s\ttab\nline"),
    (2, None, None, None, None, None, None),
    (3, "raw json", None, None, False, RawValue('{"kept":  "as it is"}'), ""),
]


def _table(metadata: MetaData, name: str, *extra: Column) -> Table:
    return Table(name, metadata, Column("id", Integer, primary_key=True),
                 Column("name", String(64), unique=True), Column("born", Date),
                 Column("at", UTCDateTime), Column("flag", Boolean), Column("data", JSON),
                 Column("note", Text), *extra)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _bound(connection, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> list[tuple]:
    binders = [column_binder(connection, table, name) for name in columns]
    return [tuple(v if b is None or isinstance(v, RawValue) else b(v) for b, v in zip(binders, row))
            for row in rows]


def _stored(connection, table: Table) -> list[tuple]:
    return [tuple(row) for row in connection.execute(
        select(*[cast(c, Text) if c.name == "data" else c for c in table.c]).order_by(table.c.id))]


def test_rows_are_stored_as_sqlalchemy_stores_them(engine):
    metadata = MetaData()
    ours, theirs = _table(metadata, "bi_ours"), _table(metadata, "bi_theirs")
    metadata.create_all(engine)
    with engine.begin() as connection:
        insert_tuples(connection, ours, COLUMNS, _bound(connection, ours, COLUMNS, ROWS))
        connection.execute(insert(theirs), [dict(zip(COLUMNS, row)) for row in ROWS[:2]])
        connection.execute(insert(theirs).values(id=3, name="raw json", flag=False, note="",
                                                 data={"kept": "as it is"}))
        mine, sqlalchemys = _stored(connection, ours), _stored(connection, theirs)
    assert mine[:2] == sqlalchemys[:2]
    assert mine[2][:5] == sqlalchemys[2][:5]
    assert mine[2][5] == '{"kept":  "as it is"}'  # JSON text already: stored as it is, not quoted
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            bound = _bound(connection, ours, COLUMNS, ROWS)
            assert bulkinsert._binary_types(connection, ours, COLUMNS, bound) == [
                "int4", "varchar", "date", "timestamptz", "bool", "json", "text"]


def test_a_float_column_is_stored_too(engine):
    metadata = MetaData()
    table = _table(metadata, "bi_float", Column("score", Float))
    metadata.create_all(engine)
    columns = (*COLUMNS, "score")
    rows = [(*ROWS[0], 2.5), (*ROWS[1], None)]
    with engine.begin() as connection:
        insert_tuples(connection, table, columns, _bound(connection, table, columns, rows))
        scores = connection.execute(select(table.c.score).order_by(table.c.id)).scalars().all()
        if engine.dialect.name == "postgresql":  # float8 and the others: binary
            bound = _bound(connection, table, columns, rows)
            assert bulkinsert._binary_types(connection, table, columns, bound) is not None
    assert scores == [2.5, None]


def test_a_refused_row_raises_sqlalchemys_error(engine):
    metadata = MetaData()
    table = _table(metadata, "bi_refused")
    metadata.create_all(engine)
    with pytest.raises(IntegrityError):
        with engine.begin() as connection:
            insert_tuples(connection, table, COLUMNS,
                          _bound(connection, table, COLUMNS, [ROWS[0], ROWS[0]]))
    with engine.connect() as connection:
        assert connection.execute(select(table.c.id)).all() == []


def test_the_database_s_own_column_types_count_not_the_model_s(engine):
    """A migration made the column wider than the model says: stored all the same."""
    metadata = MetaData()
    table = _table(metadata, "bi_drift")
    metadata.create_all(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE bi_drift ALTER COLUMN id TYPE bigint, "
                                       "ALTER COLUMN flag TYPE varchar(5) USING flag::text")
    with engine.begin() as connection:
        insert_tuples(connection, table, ("id", "name"), [(2 ** 40, "wide"), (7, "small")])
        assert connection.execute(select(table.c.id).order_by(table.c.id)).scalars().all() == [
            7, 2 ** 40]


def test_values_of_another_python_type_are_stored_as_the_text_format_stores_them(engine):
    """A connector's int version in a text column, an id as text: PostgreSQL parses them, as
    before (a binary COPY would refuse them)."""
    metadata = MetaData()
    table = _table(metadata, "bi_loose")
    metadata.create_all(engine)
    with engine.begin() as connection:
        insert_tuples(connection, table, ("id", "name", "note"), [(1, "a", 42), ("2", "b", None)])
        rows = connection.execute(select(table.c.id, table.c.note).order_by(table.c.id)).all()
    assert [tuple(row) for row in rows] == [(1, "42"), (2, None)]
