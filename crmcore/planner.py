"""Planner settings for the bulk reads of a sync or an import, on PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

__all__ = ["index_scans_only", "refresh_statistics"]

_SEQSCAN = select(func.current_setting("enable_seqscan"))
_SET_SEQSCAN = select(func.set_config("enable_seqscan", bindparam("value"), True))


@contextmanager
def index_scans_only(session: Session) -> Iterator[None]:
    """On PostgreSQL, no sequential scans for the statements run inside the block; elsewhere
    nothing changes. Before its first ANALYZE, a table that an import or a sync is filling looks
    empty to the planner, so a lookup of hundreds of keys at once (``IN`` or ``= ANY``) reads the
    whole table and compares every row with every key: 70 ms a lookup at 10,000 rows, where the
    index answers in about one. The setting is the transaction's own (``set_config(...,
    true)``, as ``SET LOCAL``) and is put back when the block ends."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    before = connection.execute(_SEQSCAN).scalar()
    connection.execute(_SET_SEQSCAN, {"value": "off"})
    try:
        yield
    except BaseException:
        # a failed statement leaves the transaction refusing every other one until its
        # rollback, which drops the setting anyway: the block's own error is what propagates
        with suppress(SQLAlchemyError):
            connection.execute(_SET_SEQSCAN, {"value": before})
        raise
    connection.execute(_SET_SEQSCAN, {"value": before})


def refresh_statistics(crm: Any, table: str) -> bool:
    """On PostgreSQL, ``ANALYZE`` ``table`` (a name of our own schema, never user input) in a
    transaction of its own, so the planner knows how many rows it now holds: a table filled by
    a first sync or an import looks empty until autovacuum comes round, and the planner then
    reads all of it for each lookup. Returns whether it ran; elsewhere, or when the database
    refuses (a role that does not own the table), nothing happens: the statistics only make
    lookups faster, and autovacuum still brings them up to date later."""
    engine = crm.engine
    if engine.dialect.name != "postgresql":
        return False
    try:
        with engine.begin() as connection:
            connection.execute(text(f'ANALYZE "{table}"'))
    except SQLAlchemyError:
        return False
    return True
