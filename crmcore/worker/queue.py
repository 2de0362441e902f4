"""The procrastinate app of ``crm worker``: its tasks, their locks and its connection.

Tasks (names are stable: jobs in the queue refer to them):

- ``crm.tick`` (periodic, every minute): finds the due connections with the scheduler's own due
  logic and defers one ``crm.sync_connection`` job each. Both the ``lock`` and the
  ``queueing_lock`` are :func:`lock_key` of the connection, so whatever the number of workers
  there is at most one running and one queued job per connection. procrastinate defers each
  periodic tick once across all workers.
- ``crm.sync_connection(connection_id, trigger)``: :func:`crmcore.worker.jobs.run_sync_job`,
  retried with exponential backoff on infrastructure errors only.
- ``crm.recover`` (periodic, every minute): jobs left "doing" by a worker whose heartbeat
  stopped (killed, machine lost) are put back in the queue (procrastinate's stalled-job
  recovery), and finished jobs older than a week are deleted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import make_url

from crmcore.app import CRM
from crmcore.errors import CrmError

log = logging.getLogger("crmcore.worker")

SYNC_TASK = "crm.sync_connection"
TICK_TASK = "crm.tick"
RECOVER_TASK = "crm.recover"
QUEUE = "crm-sync"
KEEP_FINISHED = timedelta(days=7)


def lock_key(connection_id: int) -> str:
    """The procrastinate ``lock`` and ``queueing_lock`` of a connection's sync jobs."""
    return f"crm-sync-connection-{connection_id}"


@dataclass(frozen=True)
class Timing:
    """How often the worker looks and how soon it declares a silent worker dead (seconds).

    ``tick_seconds`` 60 is the every-minute tick; tests use a few seconds. A job whose worker
    sent no heartbeat for ``stalled_after`` seconds is retried; ``heartbeat`` must be well
    below it."""

    tick_seconds: int = 60
    heartbeat: float = 10.0
    stalled_after: float = 60.0

    @property
    def cron(self) -> str:
        """The procrastinate cron of the periodic tasks (a sixth field for seconds under a minute).
        """
        if self.tick_seconds >= 60:
            return f"*/{max(1, self.tick_seconds // 60)} * * * *"
        return f"* * * * * */{max(1, self.tick_seconds)}"  # procrastinate's 6th field: seconds


def conninfo(crm: CRM) -> str:
    """The libpq connection string of the CRM's database (``CRM_DATABASE_URL``), options such as
    ``search_path`` included; raises :class:`CrmError` when it is not PostgreSQL."""
    url = make_url(crm.settings.database_url)
    if url.get_backend_name() != "postgresql":
        raise CrmError(
            f"'crm worker' needs PostgreSQL; this CRM's database is {url.get_backend_name()}.",
            "On SQLite the background sync is 'crm scheduler run' (it runs the due connections "
            "side by side in one process). To use workers, set CRM_DATABASE_URL to a PostgreSQL "
            "database (postgresql://user@host/db).")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _procrastinate():
    try:
        import procrastinate
    except ImportError:
        raise CrmError("'crm worker' needs the 'postgres' extra (procrastinate).",
                       "Install it with: pip install 'crm[postgres]'.") from None
    return procrastinate


def build_app(crm: CRM, timing: Timing = Timing(), *, sync: bool = False, pool: int = 2,
              connector: Any = None) -> Any:
    """A procrastinate ``App`` on the CRM's database with the CRM's tasks registered.

    ``sync=True`` gives an app for synchronous callers (a web request deferring a job, a status
    query): open it with ``app.open()``; a worker uses the default asynchronous one. ``pool`` is
    the most database connections the job queue itself holds (the syncs use the CRM's own).
    ``connector`` replaces the PostgreSQL one (tests: procrastinate's ``InMemoryConnector``)."""
    procrastinate = _procrastinate()
    from procrastinate import RetryStrategy

    from crmcore.worker import jobs

    if connector is None:
        connector_class = (procrastinate.SyncPsycopgConnector if sync
                           else procrastinate.PsycopgConnector)
        connector = connector_class(conninfo=conninfo(crm), min_size=1, max_size=max(1, pool))
    app = procrastinate.App(connector=connector, worker_defaults={"queues": [QUEUE]})
    retry = RetryStrategy(max_attempts=8, exponential_wait=2,  # 2 s, 4 s, ... 256 s
                          retry_exceptions=set(jobs.INFRASTRUCTURE))

    @app.task(name=SYNC_TASK, queue=QUEUE, retry=retry, pass_context=True)
    def sync_connection(context, connection_id: int, trigger: str = jobs.SCHEDULED) -> str:
        outcome = jobs.run_sync_job(crm, connection_id, trigger)
        log.info("connection %s (%s, job %s attempt %s): %s", connection_id, trigger,
                 context.job.id, context.job.attempts + 1, outcome)
        return outcome

    @app.periodic(cron=timing.cron)
    @app.task(name=TICK_TASK, queue=QUEUE, queueing_lock=TICK_TASK, priority=10)
    async def tick(timestamp: int) -> int:
        from asgiref.sync import sync_to_async

        from crmcore import scheduler
        from crmcore.models import utcnow

        deferred = 0
        for item in await sync_to_async(scheduler.due, thread_sensitive=False)(crm, utcnow()):
            if await defer_async(app, item.connection_id, jobs.SCHEDULED) is not None:
                deferred += 1
        return deferred

    @app.periodic(cron=timing.cron)
    @app.task(name=RECOVER_TASK, queue=QUEUE, queueing_lock=RECOVER_TASK, priority=10)
    async def recover(timestamp: int) -> int:
        manager = app.job_manager
        retried = 0
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=timing.stalled_after):
            try:
                await manager.retry_job(job)
                retried += 1
                log.warning("job %s (%s %s) of a dead worker is back in the queue", job.id,
                            job.task_name, job.task_kwargs)
            except procrastinate.exceptions.ConnectorException:
                # the same connection has a queued job already: that one runs instead
                await manager.finish_job(job, status=procrastinate.jobs.Status.ABORTED,
                                         delete_job=False)
                log.warning("job %s (%s %s) of a dead worker is dropped: a queued job of the "
                            "same connection runs instead", job.id, job.task_name, job.task_kwargs)
        await manager.delete_old_jobs(nb_hours=int(KEEP_FINISHED.total_seconds() // 3600),
                                      include_failed=True, include_cancelled=True,
                                      include_aborted=True)
        return retried

    return app


def _deferrer(app: Any, connection_id: int):
    key = lock_key(connection_id)
    return app.configure_task(SYNC_TASK, queue=QUEUE, lock=key, queueing_lock=key)


async def defer_async(app: Any, connection_id: int, trigger: str) -> int | None:
    """Queue a sync of the connection; the job id, or None when one is queued already."""
    from procrastinate.exceptions import AlreadyEnqueued

    try:
        return await _deferrer(app, connection_id).defer_async(connection_id=connection_id,
                                                               trigger=trigger)
    except AlreadyEnqueued:
        return None


def defer(app: Any, connection_id: int, trigger: str) -> int | None:
    """:func:`defer_async` for synchronous callers (an app built with ``sync=True``)."""
    from procrastinate.exceptions import AlreadyEnqueued

    try:
        return _deferrer(app, connection_id).defer(connection_id=connection_id, trigger=trigger)
    except AlreadyEnqueued:
        return None
