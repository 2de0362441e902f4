"""``crm worker`` on the real PostgreSQL server: real worker processes, one sandbox account per
connection. Each connection runs once per due period and never twice at once, a failed sync is
one failed run (no retry storm), a hung remote delays no one, a killed worker's job is retried
and ends clean. The job's mapping of outcomes runs on every backend, in process."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from crmcore.api import set_http_options
from crmcore.models import utcnow
from crmcore.sync import lock
from crmcore.sync.models import SyncCheckpoint, SyncRun, SyncSettings
from crmcore.worker import jobs
from crmcore.worker.queue import SYNC_TASK

FAST = ["--tick", "1", "--heartbeat", "0.5", "--stalled-after", "3"]

# Real worker processes on second-long ticks: under pytest-xdist these tests share one worker, so
# they never run at the same time as each other.
pytestmark = pytest.mark.xdist_group("crm-worker-processes")


def _postgres_only(env) -> None:
    if not env.database_url.startswith("postgresql"):
        pytest.skip("crm worker runs on PostgreSQL only")


def _start(env, log: Path, *args: str) -> subprocess.Popen:
    exe = Path(sys.executable).parent / "crm"
    return subprocess.Popen([str(exe), "worker", *FAST, *args], env=env.environ(),
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _stop(*procs: subprocess.Popen) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _runs(fleet) -> dict[int, list[SyncRun]]:
    with fleet.crm.session() as s:
        rows = list(s.exec(select(SyncRun).order_by(SyncRun.id)))
    return {cid: [r for r in rows if r.connection_id == cid] for cid in fleet.connection_ids}


def _finished(fleet, cid: int, n: int) -> bool:
    return sum(r.finished_at is not None for r in _runs(fleet)[cid]) >= n


@pytest.mark.slow
def test_two_workers_run_each_connection_once_per_period_and_a_hung_remote_delays_no_one(
        make_fleet, tmp_path, held):
    with make_fleet(4) as fleet:
        _postgres_only(fleet.env)
        hung, failing, *fine = fleet.connection_ids
        # held until the others are done, and never given up on meanwhile (a read timeout
        # would end the hung run early, whatever the others did)
        fleet.sandboxes[0].faults.hang_next(1, seconds=held.seconds, path="/v3/contacts")
        set_http_options(fleet.crm, hung, timeout=600)
        fleet.sandboxes[1].faults.fail_next(10_000, status=500)
        logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
        workers = [_start(fleet.env, logs[0], "--concurrency", "2"),
                   _start(fleet.env, logs[1], "--concurrency", "2")]
        try:
            _wait("the first period", lambda: all(_finished(fleet, c, 1) for c in fine + [failing]))
            runs = _runs(fleet)
            assert [r.outcome for r in runs[failing]] == ["failed"]
            # the fine ones were done while the hung remote still held its run
            assert fleet.sandboxes[0].faults.pending == 0, "the hung request never came"
            assert not _finished(fleet, hung, 1)
            held.set()  # the remote answers at last
            _wait("the hung connection", lambda: _finished(fleet, hung, 1))
            time.sleep(4)  # several ticks later: nothing ran again, the failure was not retried
            runs = _runs(fleet)
            assert {c: [r.outcome for r in rs] for c, rs in runs.items()} == {
                hung: ["success"], failing: ["failed"], fine[0]: ["success"], fine[1]: ["success"]}
            assert all(r.trigger == "scheduler" for rs in runs.values() for r in rs)
            status = fleet.env.run(["worker", "status", "--json"])
            rows = {r["connection"]: r for r in json.loads(status.stdout)["connections"]}
            assert (rows[failing]["failed"], rows[failing]["failures"]) == (1, 1)
            assert "500" in rows[failing]["last_error"] or "Injected" in rows[failing]["last_error"]
            assert all(rows[c]["failed"] == 0 and rows[c]["queued"] == 0 and rows[c]["running"] == 0
                       for c in [hung, *fine])
            assert len(json.loads(status.stdout)["workers"]) == 2

            # the next period comes for the healthy connections: each runs exactly once more
            with fleet.crm.session() as s:
                s.execute(update(SyncSettings).where(SyncSettings.connection_id.in_([hung, *fine]))
                          .values(next_run_at=utcnow()))
            _wait("the second period", lambda: all(_finished(fleet, c, 2) for c in [hung, *fine]))
            time.sleep(4)
            runs = _runs(fleet)
            assert [len(runs[c]) for c in [hung, failing, *fine]] == [2, 1, 2, 2]
        finally:
            _stop(*workers)
        output = "".join(log.read_text() for log in logs)
        assert "already running" not in output and "Traceback" not in output, output
        for cid, rows in _runs(fleet).items():  # never twice at once
            for before, after in zip(rows, rows[1:]):
                assert before.finished_at <= after.started_at, (cid, before, after)
        with fleet.crm.session() as s:  # contacts are shared: every account's reached the CRM once
            emails = sorted(s.execute(text("SELECT email FROM contact")).scalars())
        assert emails == sorted(f"p{i}@u{n}.example.com" for n in (0, 2, 3) for i in range(5))
        for sandbox in (fleet.sandboxes[0], *fleet.sandboxes[2:]):  # and went out once to each
            assert sorted(c["email_address"]["address"] for c in sandbox.contacts()) == emails


@pytest.mark.slow
def test_a_killed_workers_job_is_retried_and_ends_clean(make_fleet, tmp_path, held):
    with make_fleet(1, contacts_each=0) as fleet:
        _postgres_only(fleet.env)
        (cid,) = fleet.connection_ids
        from crmcore.models import User
        from crmcore.users import get_user
        store = fleet.crm.plugins.modules["contacts"].spec.records
        with fleet.crm.session() as s:
            owner = s.get(User, get_user(s, "u0").id)
            for i in range(40):  # a bulk import, then polls of its activity
                store.create(s, {"first_name": f"K{i}", "last_name": "Kill",
                                 "email": f"k{i}@example.com"}, owner)
        # the remote stalls on the import's status: the worker dies with the contacts created
        # there and not yet linked here
        fleet.sandboxes[0].faults.hang_next(1, seconds=held.seconds, path="/v3/activities")
        first = _start(fleet.env, tmp_path / "a.log", "--concurrency", "1")
        try:
            _wait("a run under way", lambda: any(r.finished_at is None for r in _runs(fleet)[cid]))
            # killed while the remote holds the import's first status poll
            _wait("the import's status poll", lambda: fleet.sandboxes[0].faults.pending == 0)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            _stop(first)
            held.set()
        assert [r.outcome for r in _runs(fleet)[cid]] == ["running"]
        second = _start(fleet.env, tmp_path / "b.log", "--concurrency", "1")
        try:
            _wait("the retried run", lambda: any(r.outcome == "success" for r in _runs(fleet)[cid]),
                  timeout=90)
        finally:
            _stop(second)
        log = (tmp_path / "b.log").read_text()
        # put back in the queue, or dropped for the job the tick queued meanwhile
        assert "of a dead worker is" in log, log
        runs = _runs(fleet)[cid]
        assert [r.outcome for r in runs] == ["interrupted", "success"]  # the killed one, then one clean
        emails = sorted(c["email_address"]["address"] for c in fleet.sandboxes[0].contacts())
        assert emails == sorted(f"k{i}@example.com" for i in range(40))  # none twice, none lost
        with fleet.crm.session() as s:
            checkpoint = s.get(SyncCheckpoint, (cid, "contacts"))
            assert checkpoint.running_run_id is None  # the lock was taken over, then released
            # no sync job stranded; a periodic tick or recovery queued as the worker stopped
            # is not one (the next worker runs it, and its queueing lock keeps it single)
            left = s.execute(text("SELECT count(*) FROM procrastinate_jobs "
                                  "WHERE status IN ('todo', 'doing') AND task_name = :sync"),
                             {"sync": SYNC_TASK}).scalar()
        assert left == 0


@pytest.mark.slow
def test_sync_now_defers_a_job_when_workers_run(make_fleet, tmp_path):
    from crmcore.sync.sync_now import start_sync_now
    from crmcore.worker.defer import workers_running

    with make_fleet(1) as fleet:
        _postgres_only(fleet.env)
        (cid,) = fleet.connection_ids
        off = fleet.env.invoke(["sync", "settings", "constant-contact", "--user", "u0",
                                "--frequency", "off"])  # only a Sync Now may run it
        assert off.exit_code == 0, off.output
        assert not workers_running(fleet.crm)
        worker = _start(fleet.env, tmp_path / "w.log")
        try:
            _wait("the worker", lambda: workers_running(fleet.crm))
            started, state = start_sync_now(fleet.crm, cid)  # the web's Sync Now
            assert started and state.outcome == "queued", state.messages
            _wait("the Sync Now run", lambda: _finished(fleet, cid, 1))
        finally:
            _stop(worker)
        assert [(r.trigger, r.outcome) for r in _runs(fleet)[cid]] == [("manual", "success")]
        assert not workers_running(fleet.crm)  # a stopped worker unregisters


# -- the job's outcomes, in process, on every backend ------------------------------------------

def test_a_job_finds_the_connection_held_by_a_sync_now_and_is_not_a_failure(world):
    with world.crm.session() as s:
        run = SyncRun(connection_id=world.connection_id, module="contacts", direction="both")
        s.add(run)
        s.flush()
        lock.acquire(s, world.connection_id, "contacts", run.id, "wait")
    assert jobs.run_sync_job(world.crm, world.connection_id) == "already running"
    assert jobs.run_sync_job(world.crm, world.connection_id, jobs.MANUAL) == "already running"
    with world.crm.session() as s:
        row = s.get(SyncSettings, world.connection_id)
        assert (row.failures, row.last_error, row.next_run_at) == (0, None, None)  # still due


def test_a_job_runs_once_per_period_and_a_failed_run_is_not_retried(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    assert jobs.run_sync_job(world.crm, world.connection_id) == "success"
    assert jobs.run_sync_job(world.crm, world.connection_id) == "not due"  # queued meanwhile
    with world.crm.session() as s:
        s.execute(update(SyncSettings).values(next_run_at=utcnow()))
    world.sandbox.faults.fail_next(1000, status=500)
    with pytest.raises(jobs.SyncFailed, match="failed"):
        jobs.run_sync_job(world.crm, world.connection_id)
    with world.crm.session() as s:
        row = s.get(SyncSettings, world.connection_id)
        assert row.failures == 1 and row.next_run_at > utcnow() + timedelta(minutes=20)
        outcomes = [r.outcome for r in s.exec(select(SyncRun).order_by(SyncRun.id))]
    assert outcomes == ["success", "failed"]
    assert jobs.run_sync_job(world.crm, world.connection_id) == "not due"  # backed off


def test_a_database_outage_is_raised_for_the_queue_to_retry(world):
    from sqlalchemy.exc import OperationalError

    def down(crm, connection_id, **kw):
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    from crmcore import scheduler
    item = scheduler.still_due(world.crm, world.connection_id, utcnow())
    with pytest.raises(OperationalError):
        scheduler.run_one(world.crm, item, utcnow(), runner=down, reraise=jobs.INFRASTRUCTURE)
    with world.crm.session() as s:
        assert s.get(SyncSettings, world.connection_id).failures == 0  # nothing recorded
