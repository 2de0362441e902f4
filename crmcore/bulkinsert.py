"""Writing many rows of one table at once, the cheapest way each database offers (the change
log, the Contacts store and the sync's own tables all use it; plugins reach it through
:mod:`crmcore.api`).

SQLite gets one driver-level ``executemany`` of plain tuples and PostgreSQL (psycopg) a ``COPY``:
both spare the per-row parameter handling of a Core executemany (a dict per row, each value's
type processing looked up again), and ``COPY`` also the driver's per-row statement handling.
Any other database gets the driver-level ``executemany`` too. Values are bound as SQLAlchemy binds
them (each column type's bind processing), and a database refusing the rows raises SQLAlchemy's
errors, as a Core statement would.
"""
from __future__ import annotations

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
        _copy(connection, f"COPY {preparer.format_table(table)} ({names}) FROM STDIN", rows)
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


def _copy(connection: Connection, statement: str, rows: list[tuple]) -> None:
    dialect = connection.dialect
    error = dialect.loaded_dbapi.Error
    try:
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(statement) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
    except error as exc:  # as SQLAlchemy raises it for a statement it runs
        raise DBAPIError.instance(statement, None, exc, error, dialect=dialect) from exc
