"""What one sync job does: the same plain functions the SQLite scheduler and Sync Now call.

A scheduled job re-checks that its connection is still due (a job queued while the previous
run was finishing finds it synced and does nothing), runs it with :func:`crmcore.scheduler.run_one`
and records the next due time exactly as ``crm scheduler run`` does. Outcomes map onto the job
queue like this:

- success, skipped, "already running" (a Sync Now holds the connection), "not due": the job
  succeeds;
- a failed or stopped run: it is a failed run in the Sync Log, backed off as usual, and the job
  ends failed with :class:`SyncFailed`, which is never retried (no retry storm);
- an infrastructure error (the CRM's database unreachable, a dropped connection): raised before
  anything is recorded, so the job queue retries the job with a growing wait.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from crmcore import scheduler
from crmcore.app import CRM
from crmcore.errors import CrmError, DatabaseUnavailable
from crmcore.models import utcnow
from crmcore.sync.lock import AlreadyRunning
from crmcore.sync.runner import sync_connection

SCHEDULED = "scheduler"
MANUAL = "manual"
TRIGGERS = (SCHEDULED, MANUAL)

# Errors of the machinery, not of the connection: the job is retried with backoff (an
# IntegrityError is two workers creating the same bookkeeping row at once: the retry finds it).
INFRASTRUCTURE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, IntegrityError,
                                               DatabaseUnavailable, ConnectionError)


class SyncFailed(Exception):
    """The run failed and is in the Sync Log; the job ends failed and is not retried."""


def run_sync_job(crm: CRM, connection_id: int, trigger: str = SCHEDULED,
                 now: datetime | None = None) -> str:
    """Sync one connection as a job; returns its outcome ("success", "skipped",
    "already running", "not due").

    Raises :class:`SyncFailed` for a failed or stopped run (already recorded), and the
    :data:`INFRASTRUCTURE` errors unrecorded, for the job queue to retry."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}; expected one of {TRIGGERS}")
    if trigger == MANUAL:
        try:
            summary = sync_connection(crm, connection_id, trigger=MANUAL)
        except AlreadyRunning:
            return "already running"
        except INFRASTRUCTURE:
            raise
        except CrmError as exc:  # signed out or connector gone since the click: told, not retried
            raise SyncFailed(exc.message) from None
        if summary.outcome in ("failed", "stopped"):
            raise SyncFailed(f"run {summary.run_id} {summary.outcome}: {summary.error}")
        return summary.outcome
    now = now or utcnow()
    item = scheduler.still_due(crm, connection_id, now)
    if item is None:
        return "not due"
    outcome = scheduler.run_one(crm, item, now, reraise=INFRASTRUCTURE)
    if outcome.failed:
        run = outcome.summary.run_id if outcome.summary else None
        raise SyncFailed(f"run {run} {outcome.outcome}: {outcome.error}")
    return outcome.outcome
