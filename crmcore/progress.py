"""Progress of a long command on standard error, in the form the reader can use.

- a terminal: a progress bar per step with the counts and the time left (rich), and the
  command's messages printed above it; the bars go away when the command ends;
- not a terminal (a log file, a pipe): the messages as plain lines, and for a step whose total is
  known and at least ``plain_from``, a plain line at each tenth of it, so a log shows the command
  is alive without flooding it (with ``plain_end``, also one when each step is complete);
- disabled (``--json`` or ``--quiet``): nothing at all.

A reader that has gone away (a closed pipe) stops the reports, never the work.

    with ProgressDisplay(enabled=not (quiet or as_json), unit="records") as shown:
        shown.message("Reading the remote side.")
        shown("Pulling", 500, None)       # a step, its count so far, its total (None: unknown)
        shown("Pushing", 1_000, 10_000)

:func:`progress_reporter` is the single-step form: a ``report(done, total)`` callback.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click

#: Steps smaller than this finish before a plain progress line would help (items).
PLAIN_FROM = 1000
#: The plain line at each tenth of a step (fields: label, done, total, percent, unit).
PLAIN_FORMAT = "{label}: {done:,} of {total:,} {unit} ({percent}%)"

#: ``report(step, done, total)``: ``done`` items of the step so far, ``total`` None when unknown.
StepReport = Callable[[str, int, "int | None"], None]
#: ``report(done, total)`` for a command of a single step.
Report = Callable[[int, int], None]


class ProgressDisplay:
    """Progress of a command of one or more steps; a context manager (see the module docstring).

    ``unit`` names the items ("records", "lines") in the bar and the plain lines;
    ``plain_format`` is the plain line (:data:`PLAIN_FORMAT`'s fields); ``plain_end`` adds a
    plain line when a step reaches its total, whatever its size; ``stream`` defaults to
    standard error, and is a terminal or not as it says (``isatty``). Calls on a disabled display,
    or after its reader has gone, do nothing and never raise.
    """

    def __init__(self, enabled: bool = True, unit: str = "records", *,
                 plain_from: int = PLAIN_FROM, plain_format: str = PLAIN_FORMAT,
                 plain_end: bool = False, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.unit = unit
        self.plain_from = plain_from
        self.plain_format = plain_format
        self.plain_end = plain_end
        self._ended: set[str] = set()
        self._stream = stream
        self._bar: Any = None  # rich.progress.Progress on a terminal
        self._tasks: dict[str, Any] = {}
        self._next_line: dict[str, int] = {}  # plain form: the count of the next line, per step
        self._alive = True

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    @property
    def is_terminal(self) -> bool:
        """True when the display draws bars (an enabled display on a terminal)."""
        return self._bar is not None

    def __enter__(self) -> ProgressDisplay:
        if self.enabled and stream_is_terminal(self.stream):
            self._bar = _start_bar(self.stream, self.unit)
            if self._bar is None:
                self._alive = False
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            try:
                self._bar.stop()
            except (OSError, ValueError):
                pass

    def __call__(self, step: str, done: int, total: int | None = None) -> None:
        """Report ``done`` items of ``step`` (of ``total``, None when not known)."""
        if not (self.enabled and self._alive):
            return
        if self._bar is not None:
            self._guarded(self._update_bar, step, done, total)
        else:
            self._plain(step, done, total)


    def message(self, text: str) -> None:
        """A line for the reader: above the bars on a terminal, a plain line otherwise."""
        if not (self.enabled and self._alive):
            return
        if self._bar is not None:
            self._guarded(lambda: self._bar.console.print(text, markup=False, highlight=False,
                                                          emoji=False, soft_wrap=True))
        else:
            self._echo(text)

    def _update_bar(self, step: str, done: int, total: int | None) -> None:
        task = self._tasks.get(step)
        if task is not None and done < self._task(task).completed:
            self._bar.remove_task(task)  # the step starts over (another run): a bar of its own
            del self._tasks[step]
            task = None
        if task is None:
            for other in self._tasks.values():  # an earlier step is over: its bar shows it full
                finished = self._task(other)
                self._bar.update(other, total=finished.completed, refresh=False)
            task = self._tasks[step] = self._bar.add_task(step, total=total)
            fresh = True
        else:
            fresh = False
        # drawn at once when a step starts or ends (else at the bar's own pace, 10 times a second)
        self._bar.update(task, completed=done, total=total,
                         refresh=fresh or (total is not None and done >= total))

    def _task(self, task_id: Any) -> Any:
        return next(t for t in self._bar.tasks if t.id == task_id)

    def _plain(self, step: str, done: int, total: int | None) -> None:
        if total is None:
            return
        if done >= total:
            if self.plain_end and step not in self._ended:
                self._ended.add(step)
                self._echo(self.plain_format.format(label=step, done=done, total=total,
                                                    percent=100, unit=self.unit))
            return
        if total < self.plain_from:
            return
        tenth = max(total // 10, 1)
        next_line = self._next_line.setdefault(step, tenth)
        if done < next_line:
            return
        self._echo(self.plain_format.format(label=step, done=done, total=total,
                                            percent=done * 100 // total, unit=self.unit))
        self._next_line[step] = done + tenth

    def _echo(self, text: str) -> None:
        try:
            click.echo(text, file=self.stream)
        except (OSError, ValueError):  # an unprotected stream whose reader has gone
            self._alive = False

    def _guarded(self, action: Callable[..., None], *args: Any) -> None:
        try:
            action(*args)
        except (OSError, ValueError):
            self._alive = False


def stream_is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal; False for a closed, replaced or odd stream."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _start_bar(stream: TextIO, unit: str) -> Any:
    """A started rich progress display on ``stream``, or None when the stream refuses it."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    # the bar takes the width the counts and the time left do not need
    columns = (TextColumn("{task.description}"), BarColumn(bar_width=None), MofNCompleteColumn(),
               TextColumn(unit), TimeRemainingColumn(), TextColumn("left"))
    # the console writes to this stream object, so another stream standing in for sys.stderr
    # later changes nothing; standard output is the command's own (a CSV, a table), not ours
    bar = Progress(*columns, console=Console(file=stream), transient=True, expand=True,
                   redirect_stdout=False, redirect_stderr=False)
    try:
        bar.start()
    except (OSError, ValueError):
        return None
    return bar


@contextmanager
def progress_reporter(label: str, enabled: bool = True, unit: str = "lines",
                      plain_format: str = "{label}: line {done:,} of {total:,} ({percent}%)",
                      plain_from: int = PLAIN_FROM) -> Iterator[Report | None]:
    """A ``report(done, total)`` callback for a command of one step called ``label``, or None
    when ``enabled`` is False (see :class:`ProgressDisplay` for the forms)."""
    if not enabled:
        yield None
        return
    with ProgressDisplay(unit=unit, plain_format=plain_format, plain_from=plain_from) as shown:
        yield lambda done, total: shown(label, done, total)
