"""Progress of a long command on standard error, in the form the reader can use.

- a terminal: a progress bar with the counts and the time left (rich);
- not a terminal (a log file, a pipe): a plain line at each tenth of the work, for files of at
  least :data:`PLAIN_FROM` lines, so a log shows the command is alive without flooding it;
- ``--json`` or ``--quiet``: nothing.

A reader that has gone away (a closed pipe) stops the reports, never the work.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from collections.abc import Callable, Iterator

from crmcore.api import echo

PLAIN_FROM = 1000  # lines: smaller files finish before a progress line would help


@contextmanager
def progress_reporter(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A ``report(done, total)`` callback for the chosen form, or None when ``enabled`` is False."""
    if not enabled:
        yield None
        return
    stream = sys.stderr
    if stream.isatty():
        with _bar(label) as report:
            yield report
        return
    state = {"next": 0}

    def plain(done: int, total: int) -> None:
        state["next"] = state["next"] or max(total // 10, 1)
        if total < PLAIN_FROM or done < state["next"] or done >= total:
            return
        echo(f"{label}: line {done:,} of {total:,} ({done * 100 // total}%)", err=True)
        state["next"] = done + max(total // 10, 1)

    yield plain


@contextmanager
def _bar(label: str) -> Iterator[Callable[[int, int], None]]:
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("lines"), TimeRemainingColumn())
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=None)
    alive = {"ok": True}

    def report(done: int, total: int) -> None:
        if alive["ok"]:
            try:
                bar.update(task, completed=done, total=total)
            except OSError:
                alive["ok"] = False

    try:
        bar.start()
    except OSError:
        alive["ok"] = False
    try:
        yield report
    finally:
        try:
            bar.stop()
        except OSError:
            pass
