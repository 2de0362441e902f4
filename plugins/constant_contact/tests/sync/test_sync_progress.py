"""'crm sync now' tells a person how far it is: bars with counts on a terminal, plain lines off
it, nothing with --json or --quiet; the seconds per phase in the summary. The real 'crm' in a
subprocess against the sandbox over loopback; the terminal is a pseudo-terminal."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crmcore.models import User
from crmcore.sync.phases import PHASES
from crmcore.sync.models import SyncRun
from crmcore.testing.terminal import run_on_terminal

CRM_SIDE = 1200  # enough for plain lines at each tenth of the push (from 1,000 records)


def _crm() -> str:
    return shutil.which("crm", path=str(Path(sys.executable).parent)) or "crm"


def _local(world, count: int) -> None:
    with world.crm.session() as s:
        user = s.get(User, world.user.id)
        world.store.create_many(s, [{"first_name": "Local", "last_name": f"L{i:05d}",
                                     "email": f"local{i}@example.com"} for i in range(count)], user)


def _run(world, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([_crm(), "sync", "now", "constant-contact", *args], env=world.env.environ(),
                          capture_output=True, text=True, timeout=300)


def _synced(world, count: int) -> None:
    with world.crm.session() as s:
        run = s.get(SyncRun, 1)
        assert run.outcome == "success", (run.error, run.hint)
    assert len(world.sandbox.contacts()) >= count


@pytest.mark.slow
def test_plain_lines_off_a_terminal_with_the_push_total_and_the_phases(world):
    # changed an hour ago: the pull's cursor has settled, so the read-back reads exactly our
    # writes (with the remote's records changed just before the pull, the cursor's overlap
    # would read some of them again too: how many depends on how fast the machine got there)
    an_hour_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    world.seed(*[world.contact(f"r{i}@example.com", "Remote", f"R{i}", updated_at=an_hour_ago,
                               created_at=an_hour_ago) for i in range(5)])
    _local(world, CRM_SIDE)
    shown = _run(world)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stderr.splitlines()
    pushed = [line for line in lines if line.startswith("Pushing to Constant Contact: ")]
    assert pushed, shown.stderr
    for line in pushed:  # e.g. "Pushing to Constant Contact: 500 of 1,200 records (41%)"
        done, total, percent = re.fullmatch(
            r"Pushing to Constant Contact: ([\d,]+) of ([\d,]+) records \((\d+)%\)", line).groups()
        # every CRM record with a change to look at: ours, not the 5 the pull has just created
        # (their only change is the pull's own write)
        assert total == "1,200" and int(percent) == int(done.replace(",", "")) * 100 // 1200
    assert pushed[-1] == "Pushing to Constant Contact: 1,200 of 1,200 records (100%)"
    assert "Pulling from Constant Contact: 5 of 5 records (100%)" in lines
    assert "Reading back from Constant Contact: 1,200 of 1,200 records (100%)" in lines
    assert any(line.startswith("Read 5 changed records") for line in lines)  # the pull's messages
    assert "\x1b[" not in shown.stderr  # no terminal codes in a log
    timing = [line for line in shown.stdout.splitlines() if line.startswith("Time: ")]
    assert len(timing) == 1 and "push" in timing[0]
    _synced(world, CRM_SIDE + 5)


@pytest.mark.slow
def test_json_and_quiet_print_no_progress_and_json_has_the_phases(world):
    world.seed(*[world.contact(f"r{i}@example.com", "Remote", f"R{i}") for i in range(3)])
    _local(world, 20)
    as_json = _run(world, "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert as_json.stderr == ""
    summary = json.loads(as_json.stdout)
    phases = summary["phases"]
    assert {"pull", "push", "read_back", "apply", "commit", "settle_wait"} <= set(phases) <= set(PHASES)
    assert all(isinstance(s, float) and s >= 0 for s in phases.values())
    assert phases["settle_wait"] > 0.5  # the bulk creates were waited for before the read-back
    world.add(first_name="Another", last_name="One", email="another@example.com")
    quiet = _run(world, "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "" and "Time:" not in quiet.stdout and "success" in quiet.stdout
    assert world.remote("another@example.com") is not None


@pytest.mark.slow
def test_bars_with_counts_on_a_terminal_and_a_closed_pipe_never_fails_the_sync(world):
    pytest.importorskip("pty")
    world.seed(*[world.contact(f"r{i}@example.com", "Remote", f"R{i}") for i in range(40)])
    _local(world, CRM_SIDE)
    # the reader of the summary goes away at once, like `| head -0`
    run = run_on_terminal([_crm(), "sync", "now", "constant-contact"], world.env.environ(),
                          stdout_gone=True)
    assert run.returncode == 0, run.drawn
    assert "\x1b[" in run.drawn  # drawn with terminal codes (the bar), unlike the plain lines
    text = run.text
    assert "Traceback" not in text
    assert "Pulling from Constant Contact" in text and "Pushing to Constant Contact" in text
    assert re.search(r"Pulling from Constant Contact.*\b40/40\s+records", text), text[-3000:]
    # the push, of its total known from the start: our 1,200 (not the 40 the pull created,
    # whose only change is the pull's own write)
    assert re.search(r"Pushing to Constant Contact.*\b0/1200\s+records", text), text[-3000:]
    assert re.search(r"Pushing to Constant Contact.*\b1200/1200\s+records", text), text[-3000:]
    # the read-back's bar counts pages as they come, its total unknown until the end; the frames
    # in between come at the bar's refresh rate (a loaded machine may draw none of them), the
    # first and the last are drawn at once: 0 of an unknown total, then complete
    # (a bar's line alone: a redraw moves back over the frame, so with the terminal codes taken
    # out a line of one frame runs on into the first of the next)
    back = [line for line in re.split(r"[\r\n]", text)
            if line.startswith("Reading back from Constant Contact")]
    assert any(re.search(r"\b0/\?\s+records", line) for line in back), back
    assert any(re.search(r"\b(\d+)/\1\s+records", line) for line in back), back
    _synced(world, CRM_SIDE + 40)


@pytest.mark.slow
def test_plain_lines_into_a_reader_that_leaves_never_fail_the_sync(world):
    _local(world, CRM_SIDE)
    proc = subprocess.Popen([_crm(), "sync", "now", "constant-contact"], env=world.env.environ(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()
    proc.stderr.close()  # `2>&1 | head -1`: the progress has nowhere to go from here on
    assert first.strip()
    assert proc.wait(timeout=300) == 0
    _synced(world, CRM_SIDE)
