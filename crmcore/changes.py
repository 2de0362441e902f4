"""The monotonic change sequence a sync reads from a checkpoint, without trusting wall clocks.

A module calls :func:`record_change` in the same transaction as the write it records. The next
number is taken by incrementing a counter row, which holds that row's lock until the transaction
commits: sequence numbers therefore become visible in order, and a reader that has seen seq N will
never later find a smaller one appear.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcore.bulkinsert import column_binder, insert_tuples
from crmcore.models import Change, Counter, utcnow

OPS = ("create", "update", "delete", "restore")


def _next_seq(session: Session, count: int = 1) -> int:
    """Reserve ``count`` numbers; returns the last one (the others precede it)."""
    result = session.execute(
        update(Counter).where(Counter.name == "change").values(value=Counter.value + count)
        .returning(Counter.value))
    value = result.scalar_one_or_none()
    if value is None:  # first change ever: create the counter row
        session.add(Counter(name="change", value=count))
        session.flush()
        return count
    return value


def record_change(session: Session, module: str, record_id: int, op: str,
                  user_id: int | None = None) -> int:
    """Record that ``record_id`` of ``module`` changed; returns the new sequence number."""
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}, not {op!r}")
    seq = _next_seq(session)
    session.add(Change(seq=seq, module=module, record_id=record_id, op=op, user_id=user_id))
    tracked = session.info.get(_TRACKED)
    if tracked is not None:
        tracked[seq] = record_id
    return seq


def record_changes(session: Session, module: str, record_ids: list[int], op: str,
                   user_id: int | None = None) -> list[int]:
    """:func:`record_change` for many records at once (one counter update, one insert); returns
    their sequence numbers, consecutive, in the order of ``record_ids``. Raises ValueError for an
    unknown ``op`` and SQLAlchemy's errors when the database refuses the rows."""
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}, not {op!r}")
    if not record_ids:
        return []
    last = _next_seq(session, len(record_ids))
    first = last - len(record_ids) + 1
    _insert_changes(session.connection(), first, module, record_ids, op, user_id, utcnow())
    tracked = session.info.get(_TRACKED)
    if tracked is not None:
        tracked.update(zip(range(first, last + 1), record_ids))
    return list(range(first, last + 1))


_TRACKED = "crmcore.changes.tracked"  # the session.info key of tracking()'s dict


@contextmanager
def tracking(session: Session) -> Iterator[dict[int, int]]:
    """While the block runs, every change recorded in ``session`` (by :func:`record_change` or
    :func:`record_changes`, whoever calls them: a module's store included) is added to the dict
    yielded, as ``{seq: record id}``. Blocks may nest; each sees the changes made while it is the
    innermost. The numbers are only real once the session's transaction commits.

    The sync engine uses it to tell its own writes apart from everyone else's in the change
    sequence, so its push need not read back the records its pull has just written."""
    tracked: dict[int, int] = {}
    outer = session.info.get(_TRACKED)
    session.info[_TRACKED] = tracked
    try:
        yield tracked
    finally:
        if outer is None:
            session.info.pop(_TRACKED, None)
        else:
            session.info[_TRACKED] = outer


_COLUMNS = ("seq", "module", "record_id", "op", "user_id", "at")


def _insert_changes(connection: Connection, first: int, module: str, record_ids: Sequence[int],
                    op: str, user_id: int | None, at: Any) -> None:
    """Write the change rows ``first, first + 1, ...`` of ``record_ids``, the time they share
    bound once, in one statement (:func:`crmcore.bulkinsert.insert_tuples`)."""
    table = Change.__table__
    bind = column_binder(connection, table, "at")
    at = bind(at) if bind else at
    insert_tuples(connection, table, _COLUMNS,
                  [(seq, module, record_id, op, user_id, at)
                   for seq, record_id in zip(range(first, first + len(record_ids)), record_ids)])


def current_seq(session: Session) -> int:
    """The newest sequence number (0 before any change)."""
    counter = session.get(Counter, "change")
    return counter.value if counter else 0


def changes_since(session: Session, module: str, after_seq: int,
                  batch_size: int = 1000) -> Iterator[list[Any]]:
    """Changes of ``module`` with seq > ``after_seq``, oldest first, in batches of rows with
    ``seq``, ``record_id``, ``op``, ``user_id`` and ``at`` (plain rows: a sync reads many)."""
    table = Change.__table__
    last = after_seq
    while True:
        batch = list(session.execute(
            sa_select(table.c.seq, table.c.record_id, table.c.op, table.c.user_id, table.c.at)
            .where(table.c.module == module, table.c.seq > last)
            .order_by(table.c.seq).limit(batch_size)))
        if not batch:
            return
        yield batch
        last = batch[-1].seq
