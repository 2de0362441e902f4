"""Reading a CSV file record by record, each with the line it starts on, so one bad row costs one row.

The text is split into records before the :mod:`csv` module parses them, following the module's own
quoting rules (a ``"`` opens a quoted cell only at the start of a cell; ``""`` inside one is a
quote). That is what lets a problem stay local:

- a quoted cell that is never closed is reported on the line it opens, and the lines after it are
  read again as rows of their own instead of being swallowed into that cell. A cell that runs over
  several lines and "closes" with text right after the quote (``"a\nb"c``) counts as never
  closed: its quote was paired with the opening quote of a later row;
- a row holding a NUL byte, or a cell longer than :data:`MAX_CELL` characters, is refused alone.

The cell separator is taken from the header line: ``,`` when it has one, else ``;`` or a tab (as
spreadsheets in many locales write them), else ``,``. Trailing empty cells (spreadsheets pad rows
to the widest one) are dropped.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

MAX_CELL = 131_072  # characters in one cell (the csv module's own limit): no contact field is longer
MAX_RECORD = 1_048_576  # characters a quoted cell may run over several lines before it counts as open
DELIMITERS = {",": "','", ";": "';'", "\t": "a tab"}

_START, _PLAIN, _QUOTED, _QUOTE_SEEN = range(4)


@dataclass(slots=True)
class Record:
    """One row of the file: its first line, its cells, or why it cannot be read."""

    line: int
    cells: list[str]
    problem: str | None = None
    last_line: int = 0  # the line the row ends on

    @property
    def blank(self) -> bool:
        """Whether the row is readable and every cell empty (skipped without a report)."""
        return self.problem is None and not "".join(self.cells).strip()


def _state_after(line: str, delimiter: str, state: int) -> tuple[int, bool]:
    """The quoting state at the end of ``line`` given the state at its start, and whether a
    quoted cell closed with text right after its closing quote (``"a"b``: not well formed)."""
    if state == _START and '"' not in line:
        return _START, False
    odd = False
    for ch in line:
        if state == _QUOTED:
            if ch == '"':
                state = _QUOTE_SEEN
        elif ch == delimiter or ch in "\r\n":
            state = _START
        elif state == _START:
            state = _QUOTED if ch == '"' else _PLAIN
        elif state == _QUOTE_SEEN:
            odd = odd or ch != '"'
            state = _QUOTED if ch == '"' else _PLAIN
    return (_QUOTED if state == _QUOTED else _START), odd


def detect_delimiter(first_line: str) -> str:
    """The cell separator the header line uses: ``,``, else ``;`` or a tab, else ``,``."""
    if "," in first_line:
        return ","
    found = [d for d in (";", "\t") if d in first_line]
    return found[0] if found else ","


def _parse(text: str, delimiter: str, line: int, last: int) -> Record:
    if '"' not in text and "\x00" not in text and len(text) <= MAX_CELL:
        # no quoting: the csv module would split at each separator and drop the line ending
        cells = text.rstrip("\r\n").split(delimiter)
        while cells and not cells[-1].strip():
            cells.pop()  # trailing empty cells, as spreadsheets write them
        return Record(line, cells, None, last)
    if "\x00" in text:
        return Record(line, [], "the row contains a NUL byte (\\0); remove it and import the row "
                      "again", last)
    try:
        cells = next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error as exc:
        if "field larger" in str(exc):
            return Record(line, [], f"a cell is longer than {MAX_CELL:,} characters", last)
        return Record(line, [], f"the row cannot be read: {exc}", last)
    while cells and not cells[-1].strip():
        cells.pop()  # trailing empty cells, as spreadsheets write them
    return Record(line, cells, None, last)


def records(lines: list[str], delimiter: str, start: int = 0) -> Iterator[Record]:
    """The records of ``lines`` (physical lines with their endings) from index ``start``.

    Line numbers count from 1. A quoted cell still open at the end of the file, or after
    :data:`MAX_RECORD` characters, yields a problem record on its first line and reading goes on
    with the next line.
    """
    i, n = start, len(lines)
    while i < n:
        first = i
        line = lines[i]
        if '"' not in line:  # most lines: a row of its own, split directly (see _parse)
            i += 1
            if "\x00" not in line and len(line) <= MAX_CELL:
                cells = line.rstrip("\r\n").split(delimiter)
                while cells and not cells[-1].strip():
                    cells.pop()  # trailing empty cells, as spreadsheets write them
                yield Record(i, cells, None, i)
            else:
                yield _parse(line, delimiter, i, i)
            continue
        state, _ = _state_after(line, delimiter, _START)
        if state == _START:
            i += 1
            yield _parse(line, delimiter, first + 1, first + 1)
            continue
        parts, size, odd = [line], len(line), False
        i += 1
        while state == _QUOTED and i < n and size <= MAX_RECORD:
            parts.append(lines[i])
            size += len(lines[i])
            state, line_odd = _state_after(lines[i], delimiter, _QUOTED)
            odd = odd or line_odd
            i += 1
        if state == _QUOTED or odd:  # never closed, or "closed" by the opening quote of a later row
            yield Record(first + 1, [], "a quoted cell opens here and is never closed (a \" is "
                         "missing); the lines after it were read as rows of their own",
                         first + 1)
            i = first + 1  # read the following lines again, on their own
            continue
        yield _parse("".join(parts), delimiter, first + 1, i)

