"""Writing many rows of one table at once, the cheapest way each database offers (the change
log, the Contacts store and the sync's own tables all use it; plugins reach it through
:mod:`crmcore.api`).

SQLite gets one driver-level ``executemany`` of plain tuples and PostgreSQL (psycopg) a ``COPY``:
both spare the per-row parameter handling of a Core executemany (a dict per row, each value's
type processing looked up again), and ``COPY`` also the driver's per-row statement handling.
The ``COPY`` is in PostgreSQL's binary format with each column's type given (a third of the text
format's client CPU per row here) when every column's type, as the database has it, is one whose
binary form it knows and every value is of the Python type that form takes; in text otherwise.
Any other database gets the driver-level ``executemany`` too. Values are bound as SQLAlchemy binds
them (each column type's bind processing), and a database refusing the rows raises SQLAlchemy's
errors, as a Core statement would.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError


def column_binder(connection: Connection, table: Table, column: str) -> Callable[[Any], Any] | None:
    """How ``column`` of ``table`` binds a Python value on ``connection``'s database (None: as is)."""
    dialect = connection.dialect
    return table.c[column].type.dialect_impl(dialect).bind_processor(dialect)


def insert_tuples(connection: Connection, table: Table, columns: tuple[str, ...],
                  rows: list[tuple]) -> None:
    """Insert ``rows``, each a tuple of values for ``columns`` in that order, already bound as
    the columns bind them (see :func:`column_binder`), in one statement (fastest with ``columns`` in
    the table's order, which positional drivers bind them in). Raises SQLAlchemy's
    ``DBAPIError`` subclasses when the database refuses a row (the caller then rolls back)."""
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.quote(name) for name in columns)
        types = _binary_types(connection, table, columns, rows)
        options = " (FORMAT BINARY)" if types else ""
        _copy(connection, f"COPY {preparer.format_table(table)} ({names}) FROM STDIN{options}",
              rows, types)
        return
    key = (dialect.name, dialect.driver, table.name, columns)
    if key not in _STATEMENTS:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns),
                                         for_executemany=True)
        order = tuple(compiled.positiontup) if dialect.positional else columns
        pick = None if order == columns else itemgetter(*(columns.index(k) for k in order))
        _STATEMENTS[key] = (str(compiled), pick)
    statement, pick = _STATEMENTS[key]
    if pick is not None:  # the statement binds the columns in the table's order
        rows = [pick(row) for row in rows]
    if not dialect.positional:
        rows = [dict(zip(columns, row)) for row in rows]
    connection.exec_driver_sql(statement, rows)


# (database, driver, table, columns) -> the INSERT, and how to order a row's values for it
_STATEMENTS: dict[tuple, tuple[str, Callable[[tuple], tuple] | None]] = {}


# (engine URL, schema, table, columns) -> the PostgreSQL type of each column as the database
# has it (pg_type.typname), or None for a column with a type the binary COPY leaves to text
_COPY_TYPES: dict[tuple, list[str] | None] = {}


def _is_int(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: value.__class__ is int and low <= value <= high


# what a binary COPY takes for each type: only the values its binary dumper writes as the text
# format's parsing would store them (anything else sends the whole COPY as text, as before)
_BINARY_TAKES: dict[str, Callable[[Any], bool]] = {
    "int2": _is_int(-2 ** 15, 2 ** 15 - 1),
    "int4": _is_int(-2 ** 31, 2 ** 31 - 1),
    "int8": _is_int(-2 ** 63, 2 ** 63 - 1),
    "bool": lambda value: value.__class__ is bool,
    "text": lambda value: isinstance(value, str),
    "varchar": lambda value: isinstance(value, str),
    "date": lambda value: value.__class__ is date,
    "timestamptz": lambda value: value.__class__ is datetime and value.tzinfo is not None,
    "float8": lambda value: value.__class__ is float,
    # JSON text (stored as it is, see _json_texts_as_they_are) or psycopg's own wrapper
    "json": lambda value: isinstance(value, str) or type(value).__name__ == "Json",
    "jsonb": lambda value: isinstance(value, str) or type(value).__name__ == "Jsonb",
}
_JSON_TYPES = ("json", "jsonb")


def _column_types(connection: Connection, table: Table, columns: tuple[str, ...]) -> list[str] | None:
    """Each column's type as the database has it (not as the model says: a migration may have
    made it another), read once per database, table and columns; None when one of them has a
    type :data:`_BINARY_TAKES` does not know."""
    key = (connection.engine.url, table.schema, table.name, columns)
    if key not in _COPY_TYPES:
        qualified = connection.dialect.identifier_preparer.format_table(table)
        found = dict(connection.exec_driver_sql(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
            " WHERE a.attrelid = CAST(%(table)s AS regclass) AND a.attnum > 0"
            " AND NOT a.attisdropped", {"table": qualified}).all())
        types = [found.get(column) for column in columns]
        _COPY_TYPES[key] = types if all(t in _BINARY_TAKES for t in types) else None
    return _COPY_TYPES[key]


def _binary_types(connection: Connection, table: Table, columns: tuple[str, ...],
                  rows: list[tuple]) -> list[str] | None:
    """The column types for a binary ``COPY`` of ``rows``, or None when it must go as text: a
    column of a type left to text, or a value the binary format would not store as the text
    format does (an int for a text column, a str for an int one, a naive time: PostgreSQL
    parses those itself from text, or refuses them with its own error)."""
    types = _column_types(connection, table, columns)
    if types is None:
        return None
    for i, name in enumerate(types):
        takes = _BINARY_TAKES[name]
        for row in rows:
            value = row[i]
            if value is not None and not takes(value):
                return None
    return types


def _copy(connection: Connection, statement: str, rows: list[tuple],
          types: list[str] | None = None) -> None:
    dialect = connection.dialect
    error = dialect.loaded_dbapi.Error
    try:
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(statement) as copy:
                if types:
                    copy.set_types(types)
                    texts = [i for i, name in enumerate(types) if name in _JSON_TYPES]
                    if texts:
                        rows = _json_texts_as_they_are(rows, texts)
                write = copy.write_row
                for row in rows:
                    write(row)
    except error as exc:  # as SQLAlchemy raises it for a statement it runs
        raise DBAPIError.instance(statement, None, exc, error, dialect=dialect) from exc


def _json_texts_as_they_are(rows: list[tuple], columns: list[int]) -> list[tuple]:
    """``rows`` with each str of a JSON column (JSON text already, as a sync stores again what it
    read) wrapped so that psycopg sends it as it is: a binary ``COPY`` dumps by the column's type,
    and its JSON dumper would otherwise write the text as a JSON string."""
    from psycopg.types.json import Json

    out = []
    for row in rows:
        if any(isinstance(row[i], str) for i in columns):
            row = list(row)
            for i in columns:
                if isinstance(row[i], str):
                    row[i] = Json(row[i], dumps=_as_is)
        out.append(row)
    return out


def _as_is(text: str) -> str:
    return text
