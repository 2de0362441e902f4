"""Printing for commands: aligned tables for people, JSON for scripts. Nothing else formats.

:func:`protect_standard_streams` makes a closed output pipe harmless for every command at once
(``crm sync now NAME 2>&1 | head -1``): once the reader has gone, further output is dropped and
the command carries on to its end and its own exit status.
"""
from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import click


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_default, ensure_ascii=False))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]],
                empty: str = "Nothing to show.") -> None:
    """``columns`` are (key, heading) pairs; long cells are kept whole."""
    rows = list(rows)
    if not rows:
        click.echo(empty)
        return
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(head), *(len(r[i]) for r in cells)) for i, (_, head) in enumerate(columns)]
    click.echo("  ".join(head.ljust(w) for (_, head), w in zip(columns, widths)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for r in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def json_option(func):
    """``--json``: print machine-readable output instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(func)


class _PipeSafeWriter(io.RawIOBase):
    """A raw writer on a file descriptor that, once the reader is gone (EPIPE), drops what it is
    given instead of raising: output is a side effect; the work it reports must go on."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self.reader_gone = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data) -> int:  # type: ignore[override]
        size = len(memoryview(data))
        if self.reader_gone:
            return size
        try:
            return os.write(self._fd, data)
        except BrokenPipeError:
            self.reader_gone = True
            return size

    def close(self) -> None:  # the descriptor belongs to the process, not to this object
        self.reader_gone = True
        super().close()


def protect_standard_streams() -> None:
    """Replace ``sys.stdout`` and ``sys.stderr`` (when they are real file descriptors) with text
    streams that ignore a closed pipe; same encoding, error handling and buffering as before."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(getattr(stream, "buffer", None), _PipeSafeBuffer):
            continue
        try:
            fd = stream.fileno()
            stream.flush()
        except (AttributeError, OSError, ValueError):
            continue  # not a file descriptor (a test runner's capture): leave it
        safe = io.TextIOWrapper(
            _PipeSafeBuffer(_PipeSafeWriter(fd)), encoding=stream.encoding,
            errors=stream.errors, line_buffering=stream.line_buffering or name == "stderr",
            write_through=name == "stderr")
        setattr(sys, name, safe)


class _PipeSafeBuffer(io.BufferedWriter):
    """The buffered layer of a protected stream (a distinct type, so protecting twice is a no-op)."""
