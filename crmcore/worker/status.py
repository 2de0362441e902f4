"""``crm worker status``: the job queue seen per connection, and the workers alive."""
from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import select

from crmcore.app import CRM
from crmcore.auth.models import Connection
from crmcore.models import User
from crmcore.sync import settings as sync_settings
from crmcore.worker import schema
from crmcore.worker.queue import SYNC_TASK

STATES = {"todo": "queued", "doing": "running", "failed": "failed"}


def job_counts(crm: CRM) -> dict[int, dict[str, Any]]:
    """Per connection id: {"queued": n, "running": n, "failed": n, "retrying": n,
    "last_failed_at": datetime | None} from the job queue (empty without one)."""
    counts: dict[int, dict[str, Any]] = {}
    with crm.engine.connect() as connection:
        if not schema.has_schema(connection):
            return counts
        rows = connection.execute(text(
            "SELECT (j.args->>'connection_id')::int AS cid, j.status::text AS status, "
            "count(*) AS n, sum(CASE WHEN j.attempts > 0 THEN 1 ELSE 0 END) AS retrying, "
            "max(e.at) AS last_at "
            "FROM procrastinate_jobs j LEFT JOIN LATERAL (SELECT max(at) AS at "
            "  FROM procrastinate_events WHERE job_id = j.id) e ON true "
            "WHERE j.task_name = :task AND j.status::text IN ('todo', 'doing', 'failed') "
            "GROUP BY 1, 2"), {"task": SYNC_TASK}).all()
    for cid, status, n, retrying, last_at in rows:
        entry = counts.setdefault(cid, {"queued": 0, "running": 0, "failed": 0, "retrying": 0,
                                        "last_failed_at": None})
        entry[STATES[status]] = n
        if status == "todo":
            entry["retrying"] = int(retrying or 0)
        if status == "failed":
            entry["last_failed_at"] = last_at
    return counts


def workers(crm: CRM) -> list[dict[str, Any]]:
    """The registered workers: id and last heartbeat (UTC), newest first."""
    with crm.engine.connect() as connection:
        if not schema.has_schema(connection):
            return []
        rows = connection.execute(text(
            "SELECT id, last_heartbeat FROM procrastinate_workers ORDER BY last_heartbeat DESC"))
        return [{"id": r.id, "last_heartbeat": r.last_heartbeat} for r in rows]


def overview(crm: CRM, actor: User) -> list[dict[str, Any]]:
    """One row per connection the actor may see (an admin: all; a user: their own) with its job
    counts, when it is next due and its last error (the same back-off as the Sync window)."""
    counts = job_counts(crm)
    found = []
    with crm.session() as session:
        query = select(Connection, User).where(Connection.user_id == User.id)
        if not actor.is_admin:
            query = query.where(Connection.user_id == actor.id)
        for connection, owner in session.exec(query.order_by(Connection.id)):
            settings = sync_settings.load(session, connection.id)
            jobs = counts.get(connection.id, {"queued": 0, "running": 0, "failed": 0,
                                              "retrying": 0, "last_failed_at": None})
            found.append({"connection": connection.id, "user": owner.name,
                          "connector": connection.connector, "state": connection.state,
                          **jobs, "next_run_at": settings.next_run_at,
                          "failures": settings.failures, "last_error": settings.last_error})
    return found
