"""'crm db upgrade' shows its migration steps: a bar with the count on a terminal, the plain
per-step lines otherwise. The real 'crm' in a subprocess; the terminal is a pseudo-terminal."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crmcore.migrations.runner import core_lineage, downgrade_lineage
from crmcore.migrations import service
from crmcore.testing.terminal import run_on_terminal


def _crm() -> str:
    return shutil.which("crm", path=str(Path(sys.executable).parent)) or "crm"


def _behind(env) -> int:
    """The core lineage taken back to its first revision; returns how many steps are pending."""
    crm = env.crm()
    try:
        downgrade_lineage(crm.engine, core_lineage(), core_lineage().first())
        return sum(len(r) for r in service.pending(crm).values())
    finally:
        crm.close()


def _steps_done(env) -> bool:
    crm = env.crm()
    try:
        return service.pending(crm) == {}
    finally:
        crm.close()


@pytest.mark.slow
def test_plain_step_lines_off_a_terminal(crm_env):
    steps = _behind(crm_env)
    assert steps >= 2
    done = subprocess.run([_crm(), "db", "upgrade", "--no-backup"], env=crm_env.environ(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    upgraded = [line for line in done.stdout.splitlines() if line.startswith("core: upgraded")]
    assert len(upgraded) == steps
    assert "\x1b[" not in done.stdout + done.stderr and done.stderr == ""
    assert _steps_done(crm_env)


@pytest.mark.slow
def test_a_bar_over_the_steps_on_a_terminal(crm_env):
    pytest.importorskip("pty")
    steps = _behind(crm_env)
    run = run_on_terminal([_crm(), "db", "upgrade", "--no-backup"], crm_env.environ())
    assert run.returncode == 0, run.drawn
    text = run.text
    assert re.search(rf"Upgrading the database.*\b0/{steps}\s+steps", text), text
    assert re.search(rf"Upgrading the database.*\b{steps}/{steps}\s+steps", text), text
    assert len(re.findall(r"core: upgraded", text)) >= steps  # each step's line, above the bar
    assert "Upgraded: core." in text
    assert _steps_done(crm_env)
