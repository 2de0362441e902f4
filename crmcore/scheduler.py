"""Background sync: run each enabled, signed-in connection when its frequency says it is due.

One failing connection never stops the others, and one hung remote never holds them up: due
connections run side by side on a small thread pool, so a run stuck on a silent server keeps one
slot while the rest go on. A connection that keeps failing is backed off (twice the wait after
each failure, at most a day) and the Sync window shows why. The unit of work is
:func:`crmcore.sync.runner.sync_connection`, a plain function any worker can call; the
procrastinate jobs of ``crm worker`` (:mod:`crmcore.worker`) call :func:`run_one` as well.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import select

from crmcore.app import CRM
from crmcore.errors import CrmError, PermissionDenied
from crmcore.models import User, utcnow
from crmcore.sync.durations import frequency_span

if TYPE_CHECKING:  # the sync modules are imported when a run starts, not with the command line
    from crmcore.auth.models import Connection
    from crmcore.sync.runner import RunSummary

MAX_BACKOFF = timedelta(days=1)
DEFAULT_POOL = 4  # connections synced at once by one scheduler process

Runner = Callable[..., "RunSummary"]


@dataclass
class Due:
    """A connection due for a background run: its id, connector name, Background Sync Frequency and
    user name."""
    connection_id: int
    connector: str
    frequency: timedelta
    user: str = ""


@dataclass
class Outcome:
    """What one scheduled run of one connection came to.

    ``outcome`` is the run's (success, skipped, failed, stopped), ``"already running"`` when
    another run held the connection's lock (not a failure), or ``"not due"`` when a worker's job
    found the connection already synced in this period."""

    item: Due
    outcome: str
    summary: RunSummary | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        """Whether the run failed or was stopped (counts towards the exit status of ``--once``)."""
        return self.outcome in ("failed", "stopped")

    def line(self) -> str:
        """One line for the scheduler's output: connection, connector, user, outcome and error."""
        who = f" of {self.item.user}" if self.item.user else ""
        return (f"connection {self.item.connection_id} ({self.item.connector}{who}): {self.outcome}"
                + (f": {self.error}" if self.error else ""))


def due(crm: CRM, now: datetime, user_id: int | None = None) -> list[Due]:
    """Connections whose next run time has come (or never ran), oldest connection first;
    only ``user_id``'s when given."""
    from crmcore.auth.models import SIGNED_IN, Connection

    found = []
    with crm.session() as session:
        query = select(Connection, User).where(Connection.state == SIGNED_IN,
                                               Connection.user_id == User.id)
        if user_id is not None:
            query = query.where(Connection.user_id == user_id)
        for connection, owner in session.exec(query.order_by(Connection.id)):
            item = due_item(session, connection, owner, now, _module_of(crm, connection.connector))
            if item is not None:
                found.append(item)
    return found


def _module_of(crm: CRM, connector_name: str) -> str | None:
    info = crm.plugins.connectors.get(connector_name)
    return info.connector.module if info is not None else None


def due_item(session, connection: Connection, owner: User, now: datetime,
             module: str | None = None) -> Due | None:
    """``connection`` as a :class:`Due` if it is enabled (for ``module``, its connector's),
    scheduled and due at ``now``."""
    from crmcore.auth.models import SIGNED_IN
    from crmcore.sync import settings as sync_settings

    settings = sync_settings.load(session, connection.id)
    span = frequency_span(settings.frequency)
    if span is None or connection.state != SIGNED_IN or (
            module is not None and not sync_settings.module_enabled(settings, module)):
        return None
    if settings.next_run_at is not None and settings.next_run_at > now:
        return None
    return Due(connection.id, connection.connector, span, owner.name)


def still_due(crm: CRM, connection_id: int, now: datetime) -> Due | None:
    """The connection as a :class:`Due` if it is (still) due at ``now``, else None."""
    from crmcore.auth.models import Connection

    with crm.session() as session:
        connection = session.get(Connection, connection_id)
        if connection is None:
            return None
        return due_item(session, connection, session.get(User, connection.user_id), now,
                        _module_of(crm, connection.connector))


def backoff(frequency: timedelta, failures: int) -> timedelta:
    """The wait after ``failures`` failures in a row: the frequency, doubled per failure."""
    return min(frequency * (2 ** max(0, failures)), max(MAX_BACKOFF, frequency))


def _record(crm: CRM, item: Due, summary: RunSummary | None, error: str | None, now: datetime) -> None:
    from crmcore.sync.models import SyncSettings

    with crm.session() as session:
        row = session.get(SyncSettings, item.connection_id)
        if row is None:
            return
        if summary is not None and summary.outcome in ("success", "skipped"):
            row.failures = 0
            row.last_error = None
            row.next_run_at = now + item.frequency
        else:
            row.failures += 1
            row.last_error = error
            row.next_run_at = now + backoff(item.frequency, row.failures)
        session.add(row)


def _scrubbed(crm: CRM, connection_id: int, text: str) -> str:
    """``text`` without any secret of the connection (it is kept and shown as the last error)."""
    from crmcore.auth.models import Connection
    from crmcore.auth.tokens import connection_secrets
    from crmcore.redact import scrub

    try:
        with crm.session() as session:
            row = session.get(Connection, connection_id)
            secrets = connection_secrets(row, crm.vault) if row is not None else []
    except Exception:  # noqa: BLE001 - an unreadable vault: keep only the exception's type
        return text.split(":", 1)[0]
    return scrub(text, secrets)


def run_one(crm: CRM, item: Due, now: datetime, runner: Runner | None = None,
            reraise: tuple[type[BaseException], ...] = ()) -> Outcome:
    """Run ``item`` once with ``runner`` (default :func:`crmcore.sync.runner.sync_connection`)
    and record when it is next due (backed off after a failure).

    Never raises for a failed run: the outcome says why. An exception whose type is in
    ``reraise`` (a worker's infrastructure errors, retried by the job queue) is raised before
    anything is recorded; any other exception is recorded as a failure of this connection."""
    from crmcore.sync.lock import AlreadyRunning

    runner = runner if runner is not None else _sync_connection()
    summary, error = None, None
    try:
        summary = runner(crm, item.connection_id, trigger="scheduler")
        if summary.outcome not in ("success", "skipped"):
            error = summary.error
    except AlreadyRunning:  # a manual run or another worker has it: not a failure
        return Outcome(item, "already running")
    except reraise:
        raise
    except CrmError as exc:  # connector gone, ...
        error = _scrubbed(crm, item.connection_id, exc.message)
    except Exception as exc:  # one connection's bug must not stop the others
        error = _scrubbed(crm, item.connection_id, f"{type(exc).__name__}: {exc}")
    _record(crm, item, summary, error, now)
    return Outcome(item, summary.outcome if summary else "failed", summary, error)


def scope_for(crm: CRM, actor: User, everyone: bool) -> int | None:
    """The user id the scheduler is limited to: None (everyone) for an admin who asks for it;
    raises :class:`~crmcore.errors.PermissionDenied` for anyone else who does."""
    if everyone:
        if not actor.is_admin:
            raise PermissionDenied(
                f"Only an admin can run the background sync for every user; {actor.name!r} is "
                "not an admin.", "Run your own connections with 'crm scheduler run --mine', or "
                "ask an admin to run 'crm scheduler run'.")
        return None
    return actor.id


def run_due(crm: CRM, now: datetime | None = None, runner: Runner | None = None,
            echo: Callable[[str], None] = lambda line: None, user_id: int | None = None,
            pool: int = DEFAULT_POOL) -> list[Outcome]:
    """Run every due connection once (``pool`` at a time) with ``runner`` (default
    :func:`crmcore.sync.runner.sync_connection`); returns the outcomes in connection order,
    "already running" ones included."""
    runner = runner if runner is not None else _sync_connection()
    now = now or utcnow()
    items = due(crm, now, user_id)
    if not items:
        return []
    crm.engine  # built once, before the threads share it
    with ThreadPoolExecutor(max_workers=max(1, pool), thread_name_prefix="crm-sync") as executor:
        futures = [executor.submit(run_one, crm, item, now, runner) for item in items]
        results = []
        for future in futures:
            outcome = future.result()
            echo(outcome.line())
            results.append(outcome)
    return results


def run_forever(crm: CRM, poll_seconds: float = 30.0, echo: Callable[[str], None] = print,
                stop: Callable[[], bool] = lambda: False, user_id: int | None = None,
                pool: int = DEFAULT_POOL, runner: Runner | None = None) -> None:
    """Every ``poll_seconds`` until ``stop()`` says so, start the due connections that are not
    already running here, ``pool`` at a time, with ``runner`` (default
    :func:`crmcore.sync.runner.sync_connection`); a slow run never delays the next poll."""
    runner = runner if runner is not None else _sync_connection()
    crm.engine
    running: dict[int, Future] = {}
    executor = ThreadPoolExecutor(max_workers=max(1, pool), thread_name_prefix="crm-sync")
    try:
        while not stop():
            for connection_id, future in list(running.items()):
                if future.done():
                    del running[connection_id]
                    echo(future.result().line())
            now = utcnow()
            for item in due(crm, now, user_id):
                if item.connection_id not in running and len(running) < pool:
                    running[item.connection_id] = executor.submit(run_one, crm, item, now, runner)
            deadline = time.monotonic() + poll_seconds
            while time.monotonic() < deadline and not stop():
                if running:
                    wait(list(running.values()), timeout=min(1.0, poll_seconds),
                         return_when=FIRST_COMPLETED)
                    if any(f.done() for f in running.values()):
                        break
                else:
                    time.sleep(min(1.0, poll_seconds))
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def _sync_connection() -> Runner:
    """The default runner, :func:`crmcore.sync.runner.sync_connection` (imported on first use)."""
    from crmcore.sync.runner import sync_connection

    return sync_connection
