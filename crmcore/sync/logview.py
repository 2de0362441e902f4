"""Reading the Sync Log and the Debug Log: runs, their records, CSV export.

A user sees their own connections' logs; an admin sees everyone's (the caller resolves the
connection with :func:`crmcore.sync.runner.connection_for`, which enforces that).
"""
from __future__ import annotations

import csv
from typing import Any, TextIO

from sqlmodel import Session, select

from crmcore.csvsafe import neutralise
from crmcore.errors import NotFound
from crmcore.sync.models import DebugEntry, SyncRun, SyncRunItem
from crmcore.sync.settings import direction_for_user

ITEM_COLUMNS = ("side", "action", "module", "record_name", "record_id", "remote_id", "reason")


def runs(session: Session, connection_id: int, connector_name: str, limit: int = 50) -> list[dict[str, Any]]:
    """The latest ``limit`` runs of a connection, newest first, as :func:`run_dict` gives them."""
    rows = session.exec(select(SyncRun).where(SyncRun.connection_id == connection_id)
                        .order_by(SyncRun.id.desc()).limit(limit))
    return [run_dict(run, connector_name) for run in rows]


def run_dict(run: SyncRun, connector_name: str) -> dict[str, Any]:
    """A run as JSON-ready data: times (UTC), module, direction as a person reads it, trigger,
    outcome, error and hint, note, per-side counts and request count."""
    return {"run": run.id, "started_at": run.started_at, "finished_at": run.finished_at,
            "module": run.module, "direction": direction_for_user(run.direction, connector_name),
            "trigger": run.trigger, "outcome": run.outcome, "error": run.error, "hint": run.hint, "note": run.note,
            "counts": run.counts, "requests": run.requests}


def get_run(session: Session, connection_id: int, run_id: int) -> SyncRun:
    """Run ``run_id`` of the connection. Raises :class:`NotFound` (naming 'crm sync log') when it
    is not one of this connection's runs."""
    run = session.get(SyncRun, run_id)
    if run is None or run.connection_id != connection_id:
        raise NotFound(f"No sync run {run_id} for this connection.",
                       "See the run numbers with 'crm sync log NAME'.")
    return run


def items(session: Session, run_id: int, side: str | None = None,
          action: str | None = None) -> list[dict[str, Any]]:
    """The records of a run, optionally of one ``side`` and one ``action``, in log order."""
    query = select(SyncRunItem).where(SyncRunItem.run_id == run_id)
    if side:
        query = query.where(SyncRunItem.side == side)
    if action:
        query = query.where(SyncRunItem.action == action)
    return [{c: getattr(row, c) for c in ITEM_COLUMNS}
            for row in session.exec(query.order_by(SyncRunItem.id))]


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    """Write ``rows`` as CSV to ``out``, each cell neutralised against spreadsheet formulas."""
    writer = csv.writer(out)
    writer.writerow(ITEM_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in ITEM_COLUMNS])


def debug_entries(session: Session, connection_id: int, run_id: int | None,
                  limit: int = 200) -> list[dict[str, Any]]:
    """The Debug Log of a connection (one run's when ``run_id`` is given), newest first, at most
    ``limit`` entries, secrets already scrubbed."""
    query = select(DebugEntry).where(DebugEntry.connection_id == connection_id)
    if run_id is not None:
        query = query.where(DebugEntry.run_id == run_id)
    rows = session.exec(query.order_by(DebugEntry.id.desc()).limit(limit))
    return [{"id": r.id, "run": r.run_id, "at": r.at, "method": r.method, "url": r.url,
             "status": r.status, "elapsed_ms": r.elapsed_ms, "request": r.request,
             "response": r.response} for r in reversed(list(rows))]
