"""The run lock: a holder on this host is judged by its process (a reused PID does not block) and
by its heartbeat; a killed run shows as interrupted once its lock is taken over. A read timeout
gets its own hint."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from crmcore.api import set_http_options
from crmcore.models import utcnow
from crmcore.sync import lock
from crmcore.sync.models import SyncCheckpoint, SyncRun


def _hold(world, holder: str, heartbeat_age: timedelta = timedelta(0)) -> int:
    """Record a run that holds the lock as ``holder`` (as a run in another process would)."""
    with world.crm.session() as s:
        run = SyncRun(connection_id=world.connection_id, module="contacts", direction="both")
        s.add(run)
        s.flush()
        point = lock.checkpoint(s, world.connection_id, "contacts")
        point.running_run_id, point.lock_holder = run.id, holder
        point.heartbeat_at = utcnow() - heartbeat_age
        s.add(point)
        return run.id


def _runs(world) -> dict[int, dict]:
    out = world.env.invoke(["sync", "log", "constant-contact", "--json"])
    assert out.exit_code == 0, out.output
    return {r["run"]: r for r in json.loads(out.output)}


@pytest.mark.parametrize("holder, age", [
    # a PID now used by another process (this test's), recorded as the old format "host:pid"
    (f"{socket.gethostname()}:{os.getpid()}", timedelta(hours=2)),
    # the same PID, but a process that started at another time: reused, taken over at once
    (f"{socket.gethostname()}:{os.getpid()}@12345", timedelta(0)),
    # a process that is gone
    (f"{socket.gethostname()}:999999999@1", timedelta(0)),
], ids=["reused-pid-old-format-stale-heartbeat", "reused-pid", "process-gone"])
def test_a_dead_or_reused_holder_on_this_host_does_not_block_the_next_run(world, holder, age):
    old = _hold(world, holder, age)
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    out = world.env.run(["sync", "now", "constant-contact"])
    assert out.returncode == 0, out.stderr
    assert world.remote("ada@example.com")
    runs = _runs(world)
    assert runs[old]["outcome"] == "interrupted"
    assert "took over" in runs[old]["error"] and runs[old + 1]["outcome"] == "success"


def test_a_live_holder_with_a_fresh_heartbeat_still_blocks(world):
    old = _hold(world, lock.holder_id())  # this very process, as it started
    out = world.env.run(["sync", "now", "constant-contact"])
    assert out.returncode == 1 and f"already running (run {old})" in out.stderr
    assert _runs(world)[old]["outcome"] == "running"


@pytest.mark.slow
def test_a_killed_run_shows_as_interrupted_once_its_lock_is_taken_over(world, held):
    for i in range(3):
        world.add(first_name="Local", last_name=f"L{i}", email=f"l{i}@example.com")
    # the run's first read of contacts is held: it is killed holding its lock, mid-run, however
    # slowly the machine gets there
    world.sandbox.faults.hang_next(1, seconds=held.seconds, path="/v3/contacts")
    exe = shutil.which("crm", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen([exe, "sync", "now", "constant-contact"], env=world.env.environ(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while world.sandbox.faults.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        assert world.sandbox.faults.pending == 0, "the run never read the contacts"
        with world.crm.session() as s:
            point = s.get(SyncCheckpoint, (world.connection_id, "contacts"))
            assert point is not None and point.running_run_id, "the run read without its lock"
    finally:
        proc.kill()
        proc.wait()
        held.set()
    world.sync()
    runs = _runs(world)
    assert runs[1]["outcome"] == "interrupted" and runs[2]["outcome"] == "success"
    assert all(world.remote(f"l{i}@example.com") for i in range(3))


def test_a_read_timeout_gets_its_own_hint(world):
    set_http_options(world.crm, world.connection_id, timeout=0.3, max_retries=0)
    world.sandbox.faults.latency = 1.0
    out = world.env.run(["sync", "now", "constant-contact"])
    assert out.returncode == 1, out.stderr
    assert "sent no answer to GET /account/summary within 0.3 s (read timeout" in out.stderr
    assert "Nothing listens there" not in out.stderr and "slow or hanging" in out.stderr
