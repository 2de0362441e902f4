"""A closed output pipe never fails a command: the real 'crm' with its output read by a reader
that leaves after the first line, as 'crm sync now constant-contact 2>&1 | head -1' does."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crmcore.models import User
from crmcore.sync.models import SyncRun


def _first_line_then_close(world, args: list[str], stderr=subprocess.STDOUT) -> tuple[str, int]:
    exe = shutil.which("crm", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen([exe, *args], stdout=subprocess.PIPE, stderr=stderr,
                            env=world.env.environ(), text=True)
    try:
        first = proc.stdout.readline()
        proc.stdout.close()  # the reader is gone, like head after its line
        err = proc.stderr.read() if proc.stderr else ""
        code = proc.wait(timeout=120)
    finally:
        proc.kill()
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    return first, code


@pytest.mark.slow
def test_sync_now_piped_into_head_still_syncs_everything(world):
    world.seed(*[world.contact(f"r{i}@example.com", "Remote", f"R{i}") for i in range(3)])
    for i in range(3):
        world.add(first_name="Local", last_name=f"L{i}", email=f"l{i}@example.com")
    world.sandbox.faults.latency = 0.3  # output keeps coming after the reader has left
    first, code = _first_line_then_close(world, ["sync", "now", "constant-contact"])
    assert first.strip(), first
    assert code == 0
    with world.crm.session() as s:
        run = s.get(SyncRun, 1)
        assert run.outcome == "success", (run.error, run.hint)
    assert all(world.by_email(f"r{i}@example.com") for i in range(3))
    assert all(world.remote(f"l{i}@example.com") for i in range(3))


@pytest.mark.slow
def test_a_long_listing_piped_into_head_exits_cleanly(world):
    with world.crm.session() as s:
        user = s.get(User, world.user.id)
        for i in range(1500):
            world.store.create(s, {"first_name": "Person", "last_name": f"Number {i:05d}",
                                   "email": f"person{i}@example.com",
                                   "organization": "A company with quite a long name"}, user)
    first, code = _first_line_then_close(world, ["contacts", "list"], stderr=subprocess.PIPE)
    assert first.strip() and code == 0
    first, code = _first_line_then_close(world, ["contacts", "list", "--json"],
                                         stderr=subprocess.PIPE)
    assert first.strip() == "[" and code == 0
    first, code = _first_line_then_close(world, ["contacts", "export", "-"], stderr=subprocess.PIPE)
    assert first.startswith("id,") and code == 0  # a CSV to standard output, cut by the reader
