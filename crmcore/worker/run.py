"""Run one ``crm worker`` process: a procrastinate worker with the CRM's tasks."""
from __future__ import annotations

import asyncio
import logging
import socket
import os
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from crmcore.app import CRM
from crmcore.errors import CrmError
from crmcore.worker import schema
from crmcore.worker.queue import QUEUE, Timing, build_app

DEFAULT_CONCURRENCY = 4
SCHEMA_LOCK = 0x63726D71  # "crmq": the advisory lock held while the job queue's tables are made


def ensure_queue_schema(crm: CRM) -> bool:
    """Create the job queue's tables if they are missing; True when it created them. (The core's
    migrations apply them with :func:`crmcore.worker.schema.apply_schema`; this covers a database
    set up before that revision.)"""
    with crm.engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # two workers starting at once: one creates
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        return schema.apply_schema(connection)


class _FailedRunsWithoutTraceback(logging.Filter):
    """A failed sync is an outcome told in the Sync Log, not a crash: log its message only."""

    def filter(self, record: logging.LogRecord) -> bool:
        from crmcore.worker.jobs import SyncFailed

        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, SyncFailed):
            record.msg = f"{record.getMessage()} ({error})"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


def worker_name() -> str:
    """This process as procrastinate's worker name: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(crm: CRM, concurrency: int = DEFAULT_CONCURRENCY, timing: Timing = Timing(),
               install_signal_handlers: bool = True) -> None:
    """Run a worker until SIGINT or SIGTERM: ``concurrency`` syncs at once, each in its own
    thread (a sync is blocking I/O), plus the every-minute tick and the stalled-job recovery.

    Raises :class:`CrmError` when the database is not PostgreSQL or procrastinate is missing."""
    crm.engine  # built once, before the job threads share it
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    logging.getLogger("procrastinate.worker").addFilter(_FailedRunsWithoutTraceback())
    app = build_app(crm, timing, pool=3)  # fetch, heartbeat, finish: the syncs use the CRM pool

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=concurrency + 2,
                                                     thread_name_prefix="crm-job"))
        async with app.open_async():
            await app.run_worker_async(
                queues=[QUEUE], concurrency=concurrency, name=worker_name(),
                delete_jobs="successful", update_heartbeat_interval=timing.heartbeat,
                stalled_worker_timeout=timing.stalled_after,
                install_signal_handlers=install_signal_handlers)

    asyncio.run(main())
