"""Many rows in one statement, compiled once: what the sync writes per record (links, log rows).

SQLAlchemy's ``session.execute(insert(table), rows)`` builds and type-processes a parameter set
per row (``construct_params``); for the thousands of link and log rows of a large sync that is
a sizeable share of the run's CPU. :class:`RowWriter` compiles its statement once per dialect,
applies the very bind processors SQLAlchemy would (so what is stored is the same, byte for
byte), processes the values every row shares once, and hands the rows to the driver in the
session's transaction: an UPDATE as one ``executemany``, an INSERT through
:func:`crmcore.bulkinsert.insert_tuples` (SQLite's ``executemany``, which runs in C, or
through psycopg a ``COPY ... FROM STDIN``, as its executemany costs a statement per row).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, Table, bindparam, update
from sqlmodel import Session

from crmcore.bulkinsert import insert_tuples

# a pyformat placeholder as the psycopg dialect compiles it: %(name)s
_PYFORMAT = re.compile(r"%\((\w+)\)s")


class RawValue(str):
    """A value already in the form the database stores (a JSON column's text as read back):
    passed to the driver as it is, without the column's bind processor."""

    __slots__ = ()


class _Plan:
    """What one dialect needs: per value, its column's bind processor (None: none needed) and,
    for an UPDATE, the statement's SQL with positional placeholders (an INSERT's is made by
    :func:`crmcore.bulkinsert.insert_tuples`)."""

    def __init__(self, sql: str, processors: list[Callable[[Any], Any] | None],
                 permutation: list[int] | None) -> None:
        self.sql = sql
        self.processors = processors
        self.permutation = permutation  # parameter i is value permutation[i] (None: in order)


class RowWriter:
    """An INSERT of ``columns`` into ``table`` or, with ``key``, an UPDATE of ``columns`` of the
    row whose ``key`` column equals the row's last value, run over many rows at once.

    Rows are sequences of Python values in the order ``columns`` (then ``shared``, then
    ``key``); ``shared`` columns take one value for every row of a call (processed once).
    """

    def __init__(self, table: Table, columns: Sequence[str], shared: Sequence[str] = (),
                 key: str | None = None) -> None:
        self.table = table
        self.columns = [*columns, *shared]
        self.row_width = len(columns)
        self.shared = list(shared)
        self.key = key
        self._names = tuple(self.columns)
        self._plans: dict[tuple[str, str], _Plan] = {}

    def _plan(self, dialect: Any) -> _Plan:
        plan = self._plans.get((dialect.name, dialect.driver))
        if plan is not None:
            return plan
        table = self.table
        names = [*self.columns, *([self.key] if self.key else [])]
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
        if self.key is None:  # crmcore.bulkinsert.insert_tuples makes and runs the INSERT
            plan = _Plan("", processors, None)
            self._plans[(dialect.name, dialect.driver)] = plan
            return plan
        # bind names of their own: an UPDATE may not bind a column's own name
        statement = (update(table).where(table.c[self.key] == bindparam("_k_" + self.key))
                     .values({name: bindparam("_v_" + name) for name in self.columns}))
        compiled = statement.compile(dialect=dialect)
        bound = {**{"_v_" + name: name for name in self.columns}, "_k_" + self.key: self.key}
        sql = compiled.string
        order: list[str]
        if compiled.positiontup is not None:  # qmark and the like
            order = list(compiled.positiontup)
        else:  # pyformat: named placeholders, made positional (%s) in their order
            order = _PYFORMAT.findall(sql)
            sql = _PYFORMAT.sub("%s", sql)
        order = [bound[name] for name in order]
        if sorted(order) != sorted(names):
            raise RuntimeError(f"unexpected parameters {order} in {sql!r}")
        index = {name: i for i, name in enumerate(names)}
        plan = _Plan(sql, processors, None if order == names else [index[name] for name in order])
        self._plans[(dialect.name, dialect.driver)] = plan
        return plan

    def run(self, session: Session, rows: Sequence[Sequence[Any]],
            shared: Sequence[Any] = ()) -> None:
        """Write ``rows`` (each: the ``columns`` values, then for an UPDATE the key's) with the
        ``shared`` values, in ``session``'s transaction. Database errors propagate as
        SQLAlchemy's :class:`~sqlalchemy.exc.DBAPIError` subclasses."""
        if not rows:
            return
        connection = session.connection()
        plan = self._plan(connection.dialect)
        width = self.row_width
        processors = plan.processors
        shared_done = tuple(
            value if processors[width + i] is None or value.__class__ is RawValue
            else processors[width + i](value) for i, value in enumerate(shared))
        steps = [(i, p) for i, p in enumerate(processors[:width]) if p is not None]
        if self.key is not None and processors[-1] is not None:
            steps.append((len(processors) - 1, processors[-1]))
        out = []
        for row in rows:
            if self.key is None:
                values = [*row, *shared_done]
            else:
                values = [*row[:width], *shared_done, row[width]]
            for i, process in steps:
                value = values[i]
                if value.__class__ is not RawValue:
                    values[i] = process(value)
            out.append(values)
        if self.key is None:
            insert_tuples(connection, self.table, self._names, out)
            return
        permutation = plan.permutation
        if permutation is not None:
            out = [[values[i] for i in permutation] for values in out]
        connection.exec_driver_sql(plan.sql, [tuple(values) for values in out])


class RowReader:
    """A SELECT compiled once per dialect and run with positional values through the driver,
    its columns read with SQLAlchemy's own result processors. For a statement run many times
    with many parameters (an IN list of hundreds of ids), where SQLAlchemy would build a cache
    key over every parameter of every execution. ``params``: the names of the statement's bound
    parameters, in the order :meth:`run` takes their values."""

    def __init__(self, statement: Select, params: Sequence[str]) -> None:
        self.statement = statement
        self.params = list(params)
        self._plans: dict[tuple[str, str], tuple[str, list[int], list]] = {}

    def _plan(self, dialect: Any) -> tuple[str, list[int], list]:
        plan = self._plans.get((dialect.name, dialect.driver))
        if plan is not None:
            return plan
        compiled = self.statement.compile(dialect=dialect)
        sql = compiled.string
        if compiled.positiontup is not None:
            order = list(compiled.positiontup)
        else:
            order = _PYFORMAT.findall(sql)
            sql = _PYFORMAT.sub("%s", sql)
        if sorted(order) != sorted(self.params):
            raise RuntimeError(f"unexpected parameters {order} in {sql!r}")
        index = {name: i for i, name in enumerate(self.params)}
        processors = [column.type._cached_result_processor(dialect, None)
                      for column in self.statement.selected_columns]
        plan = (sql, [index[name] for name in order], processors)
        self._plans[(dialect.name, dialect.driver)] = plan
        return plan

    def run(self, session: Session, values: Sequence[Any]) -> list[tuple]:
        """The rows for ``values`` (one per name of ``params``), as tuples in the statement's
        column order, in ``session``'s transaction. Values go to the driver as they are (no bind
        processor): ids and strings."""
        connection = session.connection()
        sql, order, processors = self._plan(connection.dialect)
        params = tuple(values[i] for i in order)
        if connection.dialect.driver == "psycopg":
            rows = _unprepared(connection, sql, params)
        else:
            rows = connection.exec_driver_sql(sql, params).fetchall()
        steps = [(i, p) for i, p in enumerate(processors) if p is not None]
        if not steps:
            return [tuple(row) for row in rows]
        out = []
        for row in rows:
            row = list(row)
            for i, process in steps:
                row[i] = process(row[i])
            out.append(tuple(row))
        return out


def _unprepared(connection: Any, sql: str, params: tuple) -> list[tuple]:
    """Run ``sql`` through psycopg without ever preparing it. psycopg prepares a query it has
    run five times, and PostgreSQL then soon keeps one generic plan for it, in which an ``IN``
    list of parameters is not a known value: every row is compared with every key, one by one (50 to
    70 ms a lookup of 500 links among 10,000, against 2 ms when planned with the values)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, params, prepare=False)
        return cursor.fetchall()
    finally:
        cursor.close()
