"""One run per connection and module at a time.

The lock is a column of the checkpoint row, taken with a conditional UPDATE (atomic on every
backend). The holder is recorded as ``host:pid@start`` (the process's start time, so a PID the
system handed to another process is not mistaken for the holder). A holder that died is
recognised so a killed run never blocks the next one: on this host, its process is gone or is
another process under the same PID; on any host, its heartbeat is older than ``STALE_AFTER``.
The run whose lock is taken over is marked "interrupted" in the Sync Log.
"""
from __future__ import annotations

import os
import socket
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import or_, update
from sqlmodel import Session

from crmcore.errors import CrmError
from crmcore.models import utcnow
from crmcore.sync.models import SyncCheckpoint, SyncRun

# A holder is presumed dead after this long without a heartbeat, on this host or another; it
# must exceed the longest step between two commits (a bulk activity may be polled for 15
# minutes). On this host a dead or replaced process is recognised at once.
STALE_AFTER = timedelta(hours=1)
INTERRUPTED = "interrupted"  # the outcome of a run whose lock was taken over


class AlreadyRunning(CrmError):
    """Another run of the same connection holds the lock."""


def _start_time(pid: int) -> str | None:
    """A process's start time (hundredths of a second since the epoch), or None when no such
    process runs."""
    import psutil  # imported by the first run, not by every command that loads this module

    try:
        return str(int(psutil.Process(pid).create_time() * 100))
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    except psutil.Error:  # exists but cannot be inspected (another user's): unknown start
        return ""


@lru_cache(maxsize=1)
def _own_start() -> str:
    return _start_time(os.getpid()) or ""


def holder_id() -> str:
    """``host:pid@start`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}@{_own_start()}"


def _holder_is_dead(holder: str | None) -> bool:
    """Whether a holder on this host is certainly gone: no process with its PID, or a process
    that started at another time (the PID was reused). Holders elsewhere: never certain."""
    if not holder:
        return True
    host, _, rest = holder.rpartition(":")
    pid, _, started = rest.partition("@")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    now_started = _start_time(int(pid))
    if now_started is None:
        return True
    return bool(started and now_started and started != now_started)


def checkpoint(session: Session, connection_id: int, module: str) -> SyncCheckpoint:
    """The checkpoint row of a connection's module (added to ``session``, empty, when there is none
    yet)."""
    row = session.get(SyncCheckpoint, (connection_id, module))
    if row is None:
        row = SyncCheckpoint(connection_id=connection_id, module=module)
        session.add(row)
        session.flush()
    return row


def acquire(session: Session, connection_id: int, module: str, run_id: int, hint: str) -> None:
    """Take the lock for ``run_id`` or raise :class:`AlreadyRunning` (commit follows the caller)."""
    row = checkpoint(session, connection_id, module)
    now = utcnow()
    previous = row.running_run_id
    stale = previous is not None and (
        _holder_is_dead(row.lock_holder)
        or row.heartbeat_at is None or now - row.heartbeat_at > STALE_AFTER)
    condition = [SyncCheckpoint.running_run_id.is_(None)]
    if stale:
        condition.append(SyncCheckpoint.running_run_id == row.running_run_id)
    result = session.execute(
        update(SyncCheckpoint)
        .where(SyncCheckpoint.connection_id == connection_id, SyncCheckpoint.module == module,
               or_(*condition))
        .values(running_run_id=run_id, lock_holder=holder_id(), heartbeat_at=now))
    if result.rowcount != 1:
        session.refresh(row)
        raise AlreadyRunning(f"A sync of this connection is already running (run {row.running_run_id}).",
                             hint)
    session.expire(row)
    if stale and previous != run_id:
        _mark_interrupted(session, previous, run_id, now)


def _mark_interrupted(session: Session, old_run_id: int, new_run_id: int, now) -> None:
    """The run whose lock was taken over never finished: say so in the Sync Log."""
    session.execute(
        update(SyncRun).where(SyncRun.id == old_run_id, SyncRun.outcome == "running")
        .values(outcome=INTERRUPTED, finished_at=now,
                error=f"The run stopped without finishing (its process was killed or lost); "
                      f"run {new_run_id} took over.",
                hint="Nothing is lost: the run saved its work as it went, and the next run "
                     "went on from there."))


def heartbeat(session: Session, connection_id: int, module: str, run_id: int) -> None:
    """Mark run ``run_id`` as alive now, if it still holds the lock."""
    session.execute(update(SyncCheckpoint)
                    .where(SyncCheckpoint.connection_id == connection_id,
                           SyncCheckpoint.module == module,
                           SyncCheckpoint.running_run_id == run_id)
                    .values(heartbeat_at=utcnow()))


def release(session: Session, connection_id: int, module: str, run_id: int) -> None:
    """Release the run lock, if run ``run_id`` still holds it."""
    session.execute(update(SyncCheckpoint)
                    .where(SyncCheckpoint.connection_id == connection_id,
                           SyncCheckpoint.module == module,
                           SyncCheckpoint.running_run_id == run_id)
                    .values(running_run_id=None, lock_holder=None, heartbeat_at=None))
