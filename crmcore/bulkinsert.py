"""Writing many rows of one table at once, the cheapest way each database offers (the change
log, the Contacts store and the sync's own tables all use it; plugins reach it through
:mod:`crmcore.api`).

SQLite gets one driver-level ``executemany`` of plain tuples and PostgreSQL (psycopg) a ``COPY``:
both spare the per-row parameter handling of a Core executemany (a dict per row, each value's
type processing looked up again), and ``COPY`` also the driver's per-row statement handling.
The ``COPY`` is in PostgreSQL's binary format with each column's type given (a third of the text
format's client CPU per row here) when psycopg knows every column's type by name, in text otherwise.
Any other database gets the driver-level ``executemany`` too. Values are bound as SQLAlchemy binds
them (each column type's bind processing), and a database refusing the rows raises SQLAlchemy's
errors, as a Core statement would.
"""
from __future__ import annotations

import re
from collections.abc import Callable
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
        types = _copy_types(connection, table, columns)
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


# (table, columns) -> the PostgreSQL type name of each column, or None: not all known to psycopg
_COPY_TYPES: dict[tuple[str, tuple[str, ...]], list[str] | None] = {}
_JSON_TYPES = ("json", "jsonb")
_LENGTH = re.compile(r"\(.*\)")  # VARCHAR(64) -> VARCHAR


def _copy_types(connection: Connection, table: Table, columns: tuple[str, ...]) -> list[str] | None:
    """The PostgreSQL type of each column (psycopg's name), for a binary ``COPY``; None when
    psycopg knows one of them by no name (that ``COPY`` then goes in text, which PostgreSQL
    parses itself)."""
    key = (table.name, columns)
    if key not in _COPY_TYPES:
        dialect = connection.dialect
        known = connection.connection.driver_connection.adapters.types
        names: list[str] | None = []
        for column in columns:
            declared = _LENGTH.sub("", table.c[column].type.compile(dialect=dialect)).strip().lower()
            info = known.get(declared)
            if info is None:
                names = None
                break
            names.append(info.name)
        _COPY_TYPES[key] = names
    return _COPY_TYPES[key]


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
