"""The worker's tasks on procrastinate's in-memory job queue, over a real CRM and sandbox (every
backend): the tick queues one job per due connection, a failed run ends its job failed without
a retry, a database outage is retried with a growing wait."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from procrastinate.testing import InMemoryConnector
from sqlalchemy.exc import OperationalError

from crmcore import scheduler
from crmcore.worker import jobs
from crmcore.worker.queue import SYNC_TASK, TICK_TASK, build_app, defer_async, lock_key


def _app(world):
    connector = InMemoryConnector()
    return build_app(world.crm, connector=connector), connector


def _drain(app) -> None:
    async def run():
        async with app.open_async():
            await app.run_worker_async(wait=False, install_signal_handlers=False,
                                       delete_jobs="never")
    asyncio.run(run())


def _tick(app) -> None:
    async def run():
        async with app.open_async():
            await app.tasks[TICK_TASK].defer_async(timestamp=0)
    asyncio.run(run())


def _sync_jobs(connector) -> list[dict]:
    return [j for j in connector.jobs.values() if j["task_name"] == SYNC_TASK]


def test_the_tick_queues_one_job_per_due_connection_and_the_job_syncs_it(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    app, connector = _app(world)

    async def defer_twice():
        async with app.open_async():
            return [await defer_async(app, world.connection_id, jobs.SCHEDULED) for _ in "ab"]

    first, second = asyncio.run(defer_twice())
    assert first is not None and second is None  # one queued job per connection at most
    connector.reset()
    _tick(app)
    _drain(app)
    (job,) = _sync_jobs(connector)
    assert (job["lock"], job["queueing_lock"]) == (lock_key(world.connection_id),) * 2
    assert job["args"] == {"connection_id": world.connection_id, "trigger": "scheduler"}
    assert job["status"] == "succeeded"
    assert world.remote("ada@example.com")
    _tick(app)  # synced this period: nothing is due, nothing queued
    _drain(app)
    assert len(_sync_jobs(connector)) == 1


def test_a_failed_run_fails_its_job_once_and_is_not_retried(world):
    world.sandbox.faults.fail_next(10_000, status=500)
    app, connector = _app(world)
    _tick(app)
    _drain(app)
    (job,) = _sync_jobs(connector)
    assert (job["status"], job["attempts"]) == ("failed", 1)


def test_a_database_outage_is_retried_with_a_growing_wait(world, monkeypatch):
    calls = []

    def down(crm, item, now, runner=None, reraise=()):
        calls.append(item.connection_id)
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(scheduler, "run_one", down)
    app, connector = _app(world)
    _tick(app)
    _drain(app)
    (job,) = _sync_jobs(connector)
    assert calls == [world.connection_id]
    assert job["status"] == "todo" and job["attempts"] == 1  # back in the queue, later
    wait = (job["scheduled_at"] - datetime.now(timezone.utc)).total_seconds()
    assert 0.5 < wait <= 2  # the first of a doubling wait: 2 s, 4 s, ...
