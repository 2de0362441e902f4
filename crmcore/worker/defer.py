"""What Sync Now calls when workers may be running: are they, and queue a sync for them.

A web request that finds :func:`workers_running` true calls :func:`defer_sync` and answers at
once ("queued"); otherwise it runs :func:`crmcore.sync.runner.sync_connection` in-process as
before. Both share the connection's lock, so a queued job and an in-process run never overlap.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from crmcore.app import CRM
from crmcore.worker import schema

# A worker is taken as running if it sent a heartbeat this recently (it sends one every 10 s).
ALIVE_WITHIN = timedelta(seconds=60)


def workers_running(crm: CRM, within: timedelta = ALIVE_WITHIN) -> bool:
    """True when this CRM's database is PostgreSQL with the job queue and at least one
    ``crm worker`` sent a heartbeat within ``within``; never raises for SQLite."""
    if crm.engine.dialect.name != "postgresql":
        return False
    with crm.engine.connect() as connection:
        if not schema.has_schema(connection):
            return False
        seconds = within.total_seconds()
        found = connection.execute(text(
            "SELECT 1 FROM procrastinate_workers "
            "WHERE last_heartbeat > now() - make_interval(secs => :seconds) LIMIT 1"),
            {"seconds": seconds}).first()
    return found is not None


def defer_sync(crm: CRM, connection_id: int) -> int | None:
    """Queue a Sync Now of ``connection_id`` for the workers; returns the job id, or None when a
    sync of this connection is queued already (that one will run; nothing more to do).

    Raises :class:`~crmcore.errors.CrmError` when the database is not PostgreSQL or the
    ``postgres`` extra is missing."""
    from crmcore.worker.jobs import MANUAL
    from crmcore.worker.queue import build_app, defer

    app = build_app(crm, sync=True, pool=1)
    with app.open():
        return defer(app, connection_id, MANUAL)
