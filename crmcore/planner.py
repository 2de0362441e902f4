"""Planner settings for the bulk reads of a sync or an import, on PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

__all__ = ["index_scans_only"]

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
    finally:
        connection.execute(_SET_SEQSCAN, {"value": before})
