"""Printing for commands: aligned tables for people, JSON for scripts. Nothing else formats.

Nothing printed can drive the terminal: control characters (ESC and the C1 controls that start
terminal escape sequences), bidi overrides and other invisible format characters in stored values
are shown as ``\\x1b``/``\\u202e`` escapes in tables and as ``\\u`` escapes in JSON. A reader
that goes away (``crm ... | head -1``) never fails the command: see :func:`echo`.
"""
from __future__ import annotations

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
    """``click.echo`` that survives a closed pipe: once the reader has gone, later output is
    dropped (standard output is pointed at ``os.devnull``) and the command carries on."""
    try:
        click.echo(message, err=err, nl=nl)
    except BrokenPipeError:
        stream = sys.stderr if err else sys.stdout
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass  # not a real file (a test runner's buffer): nothing more to do


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
