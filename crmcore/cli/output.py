"""Printing for commands: aligned tables for people, JSON for scripts. Nothing else formats."""
from __future__ import annotations

import json
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
