"""A connection's sync status for the Sync window: last run, next background run, failures."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from crmcore.sync.models import SyncRun, SyncSettings


def sync_status(session: Session, connection_id: int, module: str | None = None,
                ready: bool = True) -> dict[str, Any]:
    """Last run, next background run and failures of a connection; ``enabled``: whether it
    syncs ``module`` (the connector's; None: any module at all); ``ready``: whether it can call
    its service now (signed in, or its credentials checked). A connection that is not ready has
    no next background run: the scheduler skips it until it is signed in again."""
    from crmcore.sync.settings import module_enabled

    settings = session.get(SyncSettings, connection_id)
    last = session.exec(select(SyncRun).where(SyncRun.connection_id == connection_id)
                        .order_by(SyncRun.id.desc()).limit(1)).first()
    status: dict[str, Any] = {
        "last_run": last.id if last else None,
        "last_outcome": last.outcome if last else None,
        "last_run_at": last.started_at if last else None,
        "frequency": settings.frequency if settings else "15m",
        "enabled": (module_enabled(settings, module) if module is not None
                    else not settings or any((settings.modules or {None: True}).values())
                    or not settings.modules),
        "next_run_at": settings.next_run_at if settings else None,
        "failures": settings.failures if settings else 0,
        "last_error": settings.last_error if settings else None,
        "ready": ready,
    }
    status["summary"] = describe(status)
    return status


def describe(status: dict[str, Any]) -> str:
    """One line a person reads in the Sync window."""
    if not status["enabled"]:
        return "sync off"
    parts = []
    if status["last_run"]:
        parts.append(f"last run {status['last_outcome']} {status['last_run_at']:%Y-%m-%d %H:%M}")
    else:
        parts.append("never synced")
    if not status.get("ready", True):
        parts.append("no background sync until signed in again")
    elif status["failures"]:
        until = status["next_run_at"]  # None: the frequency changed since, so it is due now
        when = f"backed off until {until:%Y-%m-%d %H:%M} UTC" if until else "retried when next due"
        parts.append(f"background sync failing ({status['failures']} in a row), {when}: "
                     f"{status['last_error']}")
    elif status["frequency"] == "off":
        parts.append("background sync off")
    elif status["next_run_at"]:
        parts.append(f"next {status['next_run_at']:%H:%M} UTC")
    else:
        parts.append(f"background every {status['frequency']}")
    return "; ".join(parts)
