"""One run per connection and module at a time.

The lock is a column of the checkpoint row, taken with a conditional UPDATE (atomic on every
backend). A holder that died is recognised (same host, process gone; or a heartbeat older than
``STALE_AFTER``) so a killed run never blocks the next one.
"""
from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session

from crmcore.errors import CrmError
from crmcore.models import utcnow
from crmcore.sync.models import SyncCheckpoint

# A holder on another host is presumed dead after this long without a heartbeat; it must exceed
# the longest step between two commits (a bulk activity may be polled for 15 minutes). A holder
# on this host is judged by whether its process still runs.
STALE_AFTER = timedelta(hours=1)


class AlreadyRunning(CrmError):
    """Another run of the same connection holds the lock."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_local(holder: str | None) -> bool:
    return bool(holder) and holder.rpartition(":")[0] == socket.gethostname()


def _holder_is_dead(holder: str | None) -> bool:
    if not holder:
        return True
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def checkpoint(session: Session, connection_id: int, module: str) -> SyncCheckpoint:
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
    stale = row.running_run_id is not None and (
        _holder_is_dead(row.lock_holder) or (
            not _holder_is_local(row.lock_holder) and row.heartbeat_at
            and now - row.heartbeat_at > STALE_AFTER))
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


def heartbeat(session: Session, connection_id: int, module: str, run_id: int) -> None:
    session.execute(update(SyncCheckpoint)
                    .where(SyncCheckpoint.connection_id == connection_id,
                           SyncCheckpoint.module == module,
                           SyncCheckpoint.running_run_id == run_id)
                    .values(heartbeat_at=utcnow()))


def release(session: Session, connection_id: int, module: str, run_id: int) -> None:
    session.execute(update(SyncCheckpoint)
                    .where(SyncCheckpoint.connection_id == connection_id,
                           SyncCheckpoint.module == module,
                           SyncCheckpoint.running_run_id == run_id)
                    .values(running_run_id=None, lock_holder=None, heartbeat_at=None))
