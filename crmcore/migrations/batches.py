"""Moving data inside a revision in bounded memory: rows are read and rewritten a batch at a time.

Use it from a revision's ``upgrade()`` when the new values need Python (parsing, normalising,
splitting); when plain SQL can compute them, one ``op.execute("UPDATE ...")`` is faster still and
the database does the work without the rows passing through Python at all::

    from alembic import op
    from crmcore.api import update_in_batches

    def upgrade() -> None:
        with op.batch_alter_table("contact") as batch:
            batch.add_column(sa.Column("email_domain", sa.String(254), nullable=True))
        update_in_batches(op.get_bind(), "contact", ["email"],
                          lambda row: {"email_domain": domain_of(row["email"])})
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, column, table
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection

Transform = Callable[[Mapping[str, Any]], "Mapping[str, Any] | None"]


def update_in_batches(conn: Connection, table_name: str, columns: Sequence[str],
                      transform: Transform, *, key: str = "id", batch_size: int = 5000) -> int:
    """Rewrite the rows of ``table_name`` in ``key`` order, ``batch_size`` rows at a time.

    Each batch is read by keyset pagination (``WHERE key > last ORDER BY key LIMIT n``: no
    OFFSET, so every batch costs the same), ``transform(row)`` receives ``key`` and ``columns``
    and returns the new values ({column: value}) or None to leave the row alone, and the batch is
    written with one executemany ``UPDATE``. Memory holds one batch, whatever the table's size.
    ``key`` must be a unique, non-null, orderable column (the integer primary key).

    Returns the number of rows rewritten. Runs in the caller's transaction (the revision's).
    Raises whatever the database raises; the lineage's transaction then rolls back.
    """
    src = table(table_name, column(key), *(column(c) for c in columns if c != key))
    last: Any = None
    changed = 0
    while True:
        query = sa_select(src).order_by(src.c[key]).limit(batch_size)
        if last is not None:
            query = query.where(src.c[key] > last)
        rows = [dict(r) for r in conn.execute(query).mappings()]
        if not rows:
            return changed
        last = rows[-1][key]
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            new = transform(row)
            if new:
                names = tuple(sorted(new))
                groups.setdefault(names, []).append(
                    {**{f"new_{n}": new[n] for n in names}, "_key": row[key]})
        for names, updates in groups.items():
            target = table(table_name, column(key), *(column(n) for n in names))
            stmt = (target.update().where(target.c[key] == bindparam("_key"))
                    .values({n: bindparam(f"new_{n}") for n in names}))
            conn.execute(stmt, updates)
            changed += len(updates)
