"""The progress display (crmcore.progress) and the phase clock (crmcore.sync.phases), each with
the real class on a real text stream; the terminal forms are tested through the real 'crm' under
a pseudo-terminal (tests/test_db_upgrade_progress.py, the sync and import tests)."""
from __future__ import annotations

import io

from crmcore.progress import ProgressDisplay, progress_reporter
from crmcore.sync.phases import PhaseClock


class _Gone(io.StringIO):
    """A stream whose reader has left: every write fails as a closed pipe does."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_plain_lines_at_each_tenth_of_a_known_total_per_step_and_at_its_end():
    out = io.StringIO()
    with ProgressDisplay(unit="records", plain_end=True, stream=out) as shown:
        assert not shown.is_terminal
        for done in range(0, 2001, 100):
            shown("Pushing", done, 2000)
        shown("Pulling", 300, None)  # no total: the messages tell the counts
        shown("Pulling", 700, 700)
        shown.message("Waiting 1.0 s.")
    lines = out.getvalue().splitlines()
    assert lines[0] == "Pushing: 200 of 2,000 records (10%)"
    assert lines[8] == "Pushing: 1,800 of 2,000 records (90%)"
    assert lines[9:] == ["Pushing: 2,000 of 2,000 records (100%)",
                         "Pulling: 700 of 700 records (100%)", "Waiting 1.0 s."]


def test_small_steps_print_no_tenths_and_a_disabled_display_nothing():
    out = io.StringIO()
    with ProgressDisplay(stream=out) as shown:
        for done in range(0, 999):
            shown("Importing", done, 999)
    assert out.getvalue() == ""
    with ProgressDisplay(enabled=False, stream=out) as shown:
        shown("Pushing", 5000, 10_000)
        shown.message("not shown")
    assert out.getvalue() == ""
    with progress_reporter("Importing", enabled=False) as report:
        assert report is None


def test_a_reader_that_has_gone_stops_the_reports_never_the_work():
    gone = _Gone()
    handled = 0
    with ProgressDisplay(stream=gone, plain_end=True) as shown:
        for done in range(0, 5001, 50):
            shown("Pushing", done, 5000)
            shown.message(f"at {done}")
            handled = done
    assert handled == 5000


def test_each_second_belongs_to_one_phase_nested_ones_are_not_their_parents():
    now = [0.0]
    clock = PhaseClock(clock=lambda: now[0])
    with clock.phase("pull"):
        now[0] += 2
        with clock.phase("commit"):
            now[0] += 0.5
        now[0] += 1
    with clock.phase("push"):
        now[0] += 1
        clock.timed("wait_for_activities", lambda: now.__setitem__(0, now[0] + 3))()
        with clock.phase("commit"):
            now[0] += 0.25
    assert clock.as_dict() == {"pull": 3.0, "push": 1.0, "wait_for_activities": 3.0,
                               "commit": 0.75}
    assert sum(clock.as_dict().values()) == now[0]


class _Terminal(io.StringIO):
    """A text stream that says it is a terminal, so the display draws its bars into it."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_step_that_starts_over_gets_a_fresh_bar():
    import re

    out = _Terminal()
    with ProgressDisplay(unit="records", stream=out) as shown:
        assert shown.is_terminal
        shown("Pulling", 0, None)
        shown("Pulling", 20, 20)
        shown("Pushing", 7, 7)
        shown("Pulling", 0, None)  # a second run: its total is not known yet
        shown("Pulling", 3, None)
        shown.message("between the runs")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    assert re.search(r"Pulling.*\b20/20\s+records", text)
    assert re.search(r"Pulling.*\b3/\?\s+records", text), text
    assert not re.search(r"\b[03]/20\s+records", text)  # not the last run's total
    assert "between the runs" in text
