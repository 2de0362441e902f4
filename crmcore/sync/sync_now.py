"""Sync Now from the web: the one place that decides whether and how a run starts.

:func:`start_sync_now` refuses a second start while a run of the connection is going (in this
process, or holding the run lock anywhere), then hands the run to the *dispatcher*. The default,
:func:`dispatch`, queues a job when ``crm worker`` processes serve this database
(:mod:`crmcore.worker.defer`), and otherwise runs :func:`crmcore.sync.runner.sync_connection`
in a background thread of this process, keeping its progress messages in memory. A queued run's
progress is read from the Sync Log: :func:`status` falls back to the connection's latest run.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from crmcore.app import CRM
from crmcore.errors import CrmError
from crmcore.sync.models import SyncCheckpoint, SyncRun

MAX_MESSAGES = 50


@dataclass
class SyncNowState:
    """What a Sync Now is doing: progress lines, and once ``done`` its outcome."""

    connection_id: int
    started_at: float = field(default_factory=time.time)
    messages: list[str] = field(default_factory=list)
    done: bool = False
    run_id: int | None = None
    outcome: str | None = None  # success | failed | stopped | skipped
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None
    hint: str | None = None

    def say(self, message: str) -> None:
        """Add a progress ``message``, keeping the latest few only."""
        self.messages.append(message)
        del self.messages[:-MAX_MESSAGES]


Dispatcher = Callable[[CRM, int, SyncNowState], None]

_states: dict[tuple[str, int], SyncNowState] = {}
_guard = threading.Lock()


def _key(crm: CRM, connection_id: int) -> tuple[str, int]:
    return crm.engine.url.render_as_string(hide_password=True), connection_id


def run_in_thread(crm: CRM, connection_id: int, state: SyncNowState) -> None:
    """The default dispatcher: a daemon thread of this process runs the sync."""
    threading.Thread(target=run_now, args=(crm, connection_id, state),
                     name=f"crm-sync-now-{connection_id}", daemon=True).start()


def run_now(crm: CRM, connection_id: int, state: SyncNowState) -> None:
    """Run the sync, recording progress and the outcome in ``state``; never raises."""
    from crmcore.sync.runner import sync_connection

    try:
        summary = sync_connection(crm, connection_id, trigger="manual", progress=state.say)
        state.run_id, state.outcome, state.counts = summary.run_id, summary.outcome, summary.counts
        state.error, state.hint = summary.error, summary.hint
    except CrmError as exc:  # already running elsewhere, connector gone...
        state.outcome, state.error, state.hint = "skipped", exc.message, exc.hint
    except Exception as exc:  # noqa: BLE001 - the page must end, whatever happened
        state.outcome, state.error = "failed", f"Unexpected error: {type(exc).__name__}."
        state.hint = "See the Sync Log; run Sync Now again."
    finally:
        state.done = True


def dispatch(crm: CRM, connection_id: int, state: SyncNowState) -> None:
    """Queue the run for the workers when any serve this database, else run it in a thread.

    A queued run ends ``state`` at once with outcome ``"queued"`` (``run_id`` None): the worker's
    run then shows in the Sync Log, where :func:`status` reads it."""
    from crmcore.worker.defer import defer_sync, workers_running

    if not workers_running(crm):
        run_in_thread(crm, connection_id, state)
        return
    job = defer_sync(crm, connection_id)
    state.say("Queued for the background workers." if job is not None else
              "A sync of this connection is queued for the background workers already.")
    state.outcome, state.done = "queued", True


_dispatcher: Dispatcher = dispatch


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    """Hand Sync Now to another executor (tests); None restores :func:`dispatch`."""
    global _dispatcher
    _dispatcher = dispatcher or dispatch


def _held_by(crm: CRM, connection_id: int) -> int | None:
    with crm.session() as session:
        row = session.exec(select(SyncCheckpoint).where(
            SyncCheckpoint.connection_id == connection_id,
            SyncCheckpoint.running_run_id.is_not(None))).first()
        return row.running_run_id if row else None


def start_sync_now(crm: CRM, connection_id: int) -> tuple[bool, SyncNowState]:
    """Start a run of ``connection_id`` unless one is going. Returns (started, state): with
    started False, ``state`` is the run already going. The caller checked the user's right to
    the connection (:func:`crmcore.sync.runner.connection_for`)."""
    key = _key(crm, connection_id)
    with _guard:
        current = _states.get(key)
        if current is not None and not current.done:
            return False, current
        running = _held_by(crm, connection_id)
        if running is not None:
            other = SyncNowState(connection_id, run_id=running)
            other.say(f"Run {running} of this connection is already going (started elsewhere).")
            return False, other
        state = SyncNowState(connection_id)
        state.say("Starting the sync.")
        _states[key] = state
    _dispatcher(crm, connection_id, state)
    if state.outcome == "queued":  # a worker runs it: its progress is read from the Sync Log
        with _guard:
            _states.pop(key, None)
    return True, state


def status(crm: CRM, connection_id: int) -> SyncNowState | None:
    """The latest Sync Now of this process for the connection, else its latest run in the log."""
    state = _states.get(_key(crm, connection_id))
    if state is not None:
        return state
    with crm.session() as session:
        run = session.exec(select(SyncRun).where(SyncRun.connection_id == connection_id)
                           .order_by(SyncRun.id.desc()).limit(1)).first()
        if run is None:
            return None
        found = SyncNowState(connection_id, run_id=run.id, done=run.outcome != "running",
                             outcome=None if run.outcome == "running" else run.outcome,
                             counts=run.counts or {}, error=run.error, hint=run.hint)
    found.say(f"Run {run.id} is {'going' if not found.done else 'finished'}.")
    return found


def as_dict(state: SyncNowState) -> dict[str, Any]:
    """The state as JSON-ready data."""
    return dict(state.__dict__)
