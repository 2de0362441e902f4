"""'crm contacts export' shows how far it is: plain lines on standard error off a terminal, a bar
on one; the CSV itself is untouched. The real 'crm' in a subprocess."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from crmcore.testing.terminal import run_on_terminal

COUNT = 1200


def _crm() -> str:
    return shutil.which("crm", path=str(Path(sys.executable).parent)) or "crm"


def _many(env, count: int) -> None:
    from crmcore.users import get_user
    from crm_contacts.records import ContactStore

    crm = env.crm()
    try:
        with crm.session() as session:
            ContactStore().create_many(session, [
                {"first_name": "Person", "last_name": f"N{i:05d}", "email": f"p{i}@example.com"}
                for i in range(count)], get_user(session, "admin"))
    finally:
        crm.close()


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


@pytest.mark.slow
def test_plain_lines_off_a_terminal_and_the_file_unchanged(env, tmp_path):
    _many(env, COUNT)
    out = tmp_path / "all.csv"
    done = subprocess.run([_crm(), "contacts", "export", str(out)], env=env.environ(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("Exporting: ")]
    assert lines and lines[0] == "Exporting: contact 250 of 1,200 (20%)", done.stderr
    assert all(re.fullmatch(r"Exporting: contact [\d,]+ of 1,200 \(\d+%\)", line) for line in lines)
    assert _rows(out) == COUNT and f"Exported {COUNT} contacts" in done.stdout


@pytest.mark.slow
def test_a_bar_on_a_terminal(env, tmp_path):
    pytest.importorskip("pty")
    _many(env, COUNT)
    out = tmp_path / "all.csv"
    run = run_on_terminal([_crm(), "contacts", "export", str(out)], env.environ())
    assert run.returncode == 0, run.drawn
    text = run.text
    assert re.search(r"Exporting.*\b\d[\d,]*/1200\s+contacts", text), text
    assert _rows(out) == COUNT
