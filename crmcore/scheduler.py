"""Background sync: run each enabled, signed-in connection when its frequency says it is due.

One failing connection never stops the others. A connection that keeps failing is backed off
(twice the wait after each failure, at most a day) and the Sync window shows why. The unit of work
is :func:`crmcore.sync.runner.sync_connection`, a plain function any worker can call.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from crmcore.app import CRM
from crmcore.auth.models import SIGNED_IN, Connection
from crmcore.errors import CrmError
from crmcore.models import utcnow
from crmcore.sync import settings as sync_settings
from crmcore.sync.durations import frequency_span
from crmcore.sync.lock import AlreadyRunning
from crmcore.sync.models import SyncSettings
from crmcore.sync.runner import RunSummary, sync_connection

MAX_BACKOFF = timedelta(days=1)


@dataclass
class Due:
    connection_id: int
    connector: str
    frequency: timedelta


def due(crm: CRM, now: datetime) -> list[Due]:
    """Connections whose next run time has come (or never ran)."""
    found = []
    with crm.session() as session:
        for connection in session.exec(select(Connection).where(Connection.state == SIGNED_IN)
                                       .order_by(Connection.id)):
            settings = sync_settings.load(session, connection.id)
            span = frequency_span(settings.frequency)
            if span is None or not settings.contacts_enabled:
                continue
            if settings.next_run_at is None or settings.next_run_at <= now:
                found.append(Due(connection.id, connection.connector, span))
    return found


def backoff(frequency: timedelta, failures: int) -> timedelta:
    """The wait after ``failures`` failures in a row: the frequency, doubled per failure."""
    return min(frequency * (2 ** max(0, failures)), max(MAX_BACKOFF, frequency))


def _record(crm: CRM, item: Due, summary: RunSummary | None, error: str | None, now: datetime) -> None:
    with crm.session() as session:
        row = session.get(SyncSettings, item.connection_id)
        if summary is not None and summary.outcome in ("success", "skipped"):
            row.failures = 0
            row.last_error = None
            row.next_run_at = now + item.frequency
        else:
            row.failures += 1
            row.last_error = error
            row.next_run_at = now + backoff(item.frequency, row.failures)
        session.add(row)


def run_due(crm: CRM, now: datetime | None = None,
            runner: Callable[..., RunSummary] = sync_connection,
            echo: Callable[[str], None] = lambda line: None) -> list[tuple[int, RunSummary | None]]:
    """Run every due connection once; returns (connection id, summary or None) in order."""
    now = now or utcnow()
    results = []
    for item in due(crm, now):
        summary, error = None, None
        try:
            summary = runner(crm, item.connection_id, trigger="scheduler")
            if summary.outcome not in ("success", "skipped"):
                error = summary.error
        except AlreadyRunning:  # a manual run or another worker has it: not a failure
            echo(f"connection {item.connection_id} ({item.connector}): already running, skipped")
            continue
        except CrmError as exc:  # connector gone, ...
            error = exc.message
        except Exception as exc:  # one connection's bug must not stop the others
            error = f"{type(exc).__name__}: {exc}"
        _record(crm, item, summary, error, now)
        outcome = summary.outcome if summary else "failed"
        echo(f"connection {item.connection_id} ({item.connector}): {outcome}"
             + (f": {error}" if error else ""))
        results.append((item.connection_id, summary))
    return results


def run_forever(crm: CRM, poll_seconds: float = 30.0, echo: Callable[[str], None] = print,
                stop: Callable[[], bool] = lambda: False) -> None:
    """Check for due connections every ``poll_seconds`` until ``stop()`` says so."""
    while not stop():
        run_due(crm, echo=echo)
        deadline = time.monotonic() + poll_seconds
        while time.monotonic() < deadline and not stop():
            time.sleep(min(1.0, poll_seconds))
