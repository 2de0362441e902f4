"""Printing for commands: aligned tables for people, JSON for scripts. Nothing else formats.

:func:`protect_standard_streams` makes a closed output pipe harmless for every command at once
(``crm sync now NAME 2>&1 | head -1``): once the reader has gone, further output is dropped and
the command carries on to its end and its own exit status.

Nothing printed can drive the terminal: control characters (ESC and the C1 controls that start
terminal escape sequences), bidi overrides and other invisible format characters in stored values
are shown as ``\\x1b``/``\\u202e`` escapes in tables and as ``\\u`` escapes in JSON.
"""
from __future__ import annotations

import io
import json
import os
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import click


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200c\u200d"


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep: str = "") -> str:
    """``text`` with control and invisible format characters written as escapes (``\\x1b``);
    characters in ``keep`` (e.g. a newline) stay as they are. ZWJ/ZWNJ stay: scripts need them."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if ch not in keep and _unsafe(ch) else ch for ch in text)


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """Print ``message`` to standard output (or error, with ``err``). A reader that has gone
    (``| head``) never fails the command: the ``crm`` entry point runs every command on streams
    made safe by :func:`protect_standard_streams`, so this is ``click.echo`` and no second
    mechanism."""
    click.echo(message, err=err, nl=nl)


def print_json(data: Any) -> None:
    """``data`` as indented JSON; characters that could drive a terminal as ``\\u`` escapes."""
    text = json.dumps(data, indent=2, default=_default, ensure_ascii=False)
    if not text.isprintable():
        text = "".join(_json_escape(ch) if ch != "\n" and _unsafe(ch) else ch for ch in text)
    echo(text)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (list, tuple)):
        return visible(", ".join(str(v) for v in value))
    return visible(str(value))


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]],
                empty: str = "Nothing to show.") -> None:
    """``columns`` are (key, heading) pairs; long cells are kept whole."""
    rows = list(rows)
    if not rows:
        echo(empty)
        return
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(head), *(len(r[i]) for r in cells)) for i, (_, head) in enumerate(columns)]
    echo("  ".join(head.ljust(w) for (_, head), w in zip(columns, widths)).rstrip())
    echo("  ".join("-" * w for w in widths))
    for r in cells:
        echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def json_option(func):
    """``--json``: print machine-readable output instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(func)


class _PipeSafeWriter(io.RawIOBase):
    """A raw writer on a file descriptor that, once the reader is gone (EPIPE), drops what it is
    given instead of raising: output is a side effect; the work it reports must go on."""

    def __init__(self, fd: int, name: str) -> None:
        super().__init__()
        self._fd = fd
        self.name = name  # what the replaced stream was called ("<stdout>"), as callers read it
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
            _PipeSafeBuffer(_PipeSafeWriter(fd, getattr(stream, "name", f"<{name}>"))),
            encoding=stream.encoding,
            errors=stream.errors, line_buffering=stream.line_buffering or name == "stderr",
            write_through=name == "stderr")
        setattr(sys, name, safe)


class _PipeSafeBuffer(io.BufferedWriter):
    """The buffered layer of a protected stream (a distinct type, so protecting twice is a no-op)."""


def confirm(question: str, hint: str = "Answer y, or add -y to skip the question.") -> None:
    """Ask ``question``; a no or a closed standard input ends the command with a CrmError
    saying nothing changed and how to go on (not click's bare "Aborted!")."""
    from crmcore.errors import CrmError

    try:
        click.confirm(question, abort=True)
    except click.Abort:
        click.echo(err=True)
        raise CrmError("Not confirmed: nothing was changed.", hint) from None
