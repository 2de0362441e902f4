"""CSV import that keeps what the user means: one row, one contact, whatever happens on the way.

Each row is reported by the line it starts on; a bad row is never partly saved and never stops
the rows after it (see :mod:`crm_contacts.csvrows` for what a bad row is). Rows are written and
committed in batches of :data:`BATCH_ROWS` (:mod:`crm_contacts.csvbatch`).

Duplicates. A row whose email (trimmed, case-folded) belongs to a live contact is that contact;
a row without an email is the live contact without an email whose fields equal every non-empty
cell of the row. ``on_duplicate`` decides what such a row does:

- ``update`` (the default): the non-empty cells are written to that contact (empty cells change
  nothing, so a partial file never erases data; the email keeps its stored spelling); reported
  ``updated`` or ``unchanged``;
- ``skip``: nothing is written; reported ``skipped``;
- ``create``: a new contact all the same; reported ``created``.

So running the same file twice creates nothing the second time, and an import that stopped part
way (:class:`ImportStopped`: a database error, a full disk; or a killed process) is finished by
running it again. The columns ``id``, ``owner``, ``created_at``, ``modified_at``, ``deleted`` and
``deleted_at`` of an export are accepted and ignored: new contacts are owned by the importing user.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from crmcore.api import CrmError, ValidationError, gc_frozen
from crmcore.api import User
from crm_contacts.csvbatch import RowResult, save_many, save_one
from crm_contacts.csvio import unescape
from crm_contacts.csvrows import DELIMITERS, Record, detect_delimiter, records
from crm_contacts.fields import BY_NAME, FIELD_NAMES

IGNORED = ("id", "owner", "created_at", "modified_at", "deleted", "deleted_at")
_IGNORED = frozenset(IGNORED)
ON_DUPLICATE = ("update", "skip", "create")
# Rows per commit: a killed import loses at most this many (running it again finishes it). Each
# commit writes every page the batch changed, and new contacts land all over the email and name
# indexes, so on SQLite fewer, larger commits write the same index pages fewer times.
BATCH_ROWS = 2000
PAGE_CACHE_KIB = 65_536  # SQLite's page cache while importing (its default is 2 MiB)
# SQLite copies the write-ahead log into the database file (a checkpoint, with two fsyncs) once
# the log passes this many pages (its default is 1000, about one batch): while importing, once
# every few batches instead, so an index page changed by several batches is copied once.
CHECKPOINT_PAGES = 10_000

Progress = Callable[[int, int], None]  # (lines read, lines in the file)


@dataclass
class ImportReport:
    """Every row's result in file order, the separator used and, when it stopped, where."""

    rows: list[RowResult] = field(default_factory=list)
    delimiter: str = ","
    saved_through: int = 1  # the last line whose row is saved (or decided); 1 is the header
    stopped: str | None = None  # why the import stopped part way, or None when it read every row

    def count(self, action: str) -> int:
        """How many rows ended as ``action`` (created, updated, unchanged, skipped, failed)."""
        return sum(1 for r in self.rows if r.action == action)

    @property
    def imported(self) -> list[int]:
        """The ids of the contacts the import created."""
        return [r.id for r in self.rows if r.action == "created"]

    @property
    def errors(self) -> list[tuple[int, str]]:
        """``(line, reason)`` of every row that failed."""
        return [(r.line, r.reason or "") for r in self.rows if r.action == "failed"]

    @property
    def saved(self) -> int:
        """How many rows were written (created or updated)."""
        return sum(1 for r in self.rows if r.action in ("created", "updated"))

    def as_dict(self) -> dict[str, Any]:
        """``imported``/``ids``: new contacts; ``rows``: every row's line, action, id, reason."""
        return {"imported": self.count("created"), "updated": self.count("updated"),
                "unchanged": self.count("unchanged"), "skipped": self.count("skipped"),
                "failed": self.count("failed"), "ids": self.imported,
                "errors": [{"line": line, "reason": reason} for line, reason in self.errors],
                "rows": [r.as_dict() for r in self.rows], "delimiter": self.delimiter,
                "complete": self.stopped is None, "saved_through_line": self.saved_through,
                "stopped": self.stopped}


class ImportStopped(CrmError):
    """The import could not go on (the database refused a write, the disk is full); carries the
    report of the rows done so far. Every row before ``report.saved_through`` is saved."""

    def __init__(self, report: ImportReport, line: int, reason: str) -> None:
        saved = report.saved
        super().__init__(
            f"The import stopped at line {line}: {reason}. {saved} row{'' if saved == 1 else 's'} "
            f"{'was' if saved == 1 else 'were'} saved, up to line {report.saved_through}.",
            "Fix the cause (free some disk space, check the database), then run the same import "
            "again: rows already saved are recognised by email (or by equal fields) and not "
            "added twice.")
        self.report = report


def _header(cells: list[str]) -> list[str]:
    header = [c.strip() for c in cells]
    if "" in header:
        raise ValidationError(f"Column {header.index('') + 1} of the CSV header has no name; "
                              "nothing was imported.", "Name every column, or remove the empty one.")
    unknown = [c for c in header if c not in BY_NAME and c not in IGNORED]
    other = [d for d in "|:^~" if len(header) == 1 and d in header[0]]
    if other:  # one cell holding the field names: another separator
        raise ValidationError(f"The CSV header's cells seem separated by {other[0]!r}, which the "
                              "import does not read; nothing was imported.",
                              "Save the file with commas, semicolons or tabs between cells.")
    if unknown:
        raise ValidationError(f"Unknown column {unknown[0]!r} in the CSV header; nothing was "
                              "imported.",
                              "The header names the fields: " + ", ".join(FIELD_NAMES) + ".")
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise ValidationError(f"Column {dupes[0]!r} appears twice in the CSV header; nothing was "
                              "imported.", "Keep one column per field.")
    missing = [f for f in FIELD_NAMES if BY_NAME[f].mandatory and f not in header]
    if missing:
        raise ValidationError(f"The CSV header has no {missing[0]!r} column; nothing was imported.",
                              f"Add a {missing[0]} column (it is mandatory).")
    return header


def import_csv(session: Session, user: User, text: IO[str], on_duplicate: str = "update",
               progress: Progress | None = None) -> ImportReport:
    """Import the rows of ``text`` (opened with ``newline=""``) as the module docstring says.

    Raises ValidationError when the header is unusable (nothing imported) and
    :class:`ImportStopped` when the database refuses a write part way.
    """
    if on_duplicate not in ON_DUPLICATE:
        raise ValueError(f"on_duplicate must be one of {ON_DUPLICATE}")
    lines = list(text)
    report = ImportReport()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ValidationError("The CSV file is empty.", "The first line must name the columns.")
    report.delimiter = detect_delimiter(lines[first])
    rows = records(lines, report.delimiter, first)
    head: Record = next(rows)
    if head.problem:
        raise ValidationError(f"The CSV header (line {head.line}) cannot be read: {head.problem}; "
                              "nothing was imported.", "Fix the first line and import again.")
    header = _header(head.cells)
    report.saved_through = head.last_line
    total = len(lines)
    chunk: list[Record] = []
    # the batches' objects outlive many young collections: the collector need not walk
    # everything that existed before the import each time they reach the oldest generation
    with _sqlite_settings(session), gc_frozen():
        for record in rows:
            if progress:
                progress(record.last_line, total)
            if not record.blank:
                chunk.append(record)
            if len(chunk) >= BATCH_ROWS:
                _write(session, user, chunk, header, on_duplicate, report)
                chunk = []
                report.saved_through = record.last_line
        _write(session, user, chunk, header, on_duplicate, report)
    report.saved_through = max(report.saved_through, len(lines))
    if progress:
        progress(total, total)
    return report


@contextmanager
def _sqlite_settings(session: Session) -> Iterator[None]:
    """On SQLite, for the import's connection, a page cache of :data:`PAGE_CACHE_KIB` and a
    checkpoint every :data:`CHECKPOINT_PAGES` pages of log, both put back after: a batch's new
    contacts go all over the email and name indexes, which past the default 2 MiB SQLite would
    read again from the file for every batch, and copy into the file at every commit.

    Neither setting touches durability: every commit is in the write-ahead log as before (with
    ``synchronous=NORMAL``, :mod:`crmcore.db`), a checkpoint only comes later, and a crash
    before it is recovered from the log when the database is next opened."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    pragmas = {"cache_size": -PAGE_CACHE_KIB, "wal_autocheckpoint": CHECKPOINT_PAGES}
    before = {name: int(connection.exec_driver_sql(f"PRAGMA {name}").scalar())
              for name in pragmas}
    for name, value in pragmas.items():
        connection.exec_driver_sql(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        try:
            for name, value in before.items():
                session.connection().exec_driver_sql(f"PRAGMA {name} = {value}")
        except SQLAlchemyError:  # the session is failing already; the import reports why
            pass


def _values(record: Record, header: list[str]) -> dict[str, str] | RowResult:
    """The row's non-empty cells by field, or its failure."""
    if record.problem:
        return RowResult(record.line, "failed", None, record.problem)
    if len(record.cells) > len(header):
        return RowResult(record.line, "failed", None,
                         f"{len(record.cells)} cells but the header has {len(header)}")
    return {name: unescape(cell) if cell[0] == "'" else cell  # only a leading ' is undone
            for name, cell in zip(header, record.cells) if name not in _IGNORED and cell.strip()}


def _write(session: Session, user: User, chunk: list[Record], header: list[str],
           on_duplicate: str, report: ImportReport) -> None:
    """Save one batch and commit it. Fast path: one lookup and one insert for the batch. When
    the database refuses it, the batch is written again row by row (a savepoint each), so the
    rows before the failing one are kept and the error names its line."""
    items = [(record.line, _values(record, header)) for record in chunk]
    try:
        results = save_many(session, user, items, on_duplicate)
        session.commit()
    except (SQLAlchemyError, OSError):
        session.rollback()
    else:
        report.rows.extend(results)
        return
    for record, (line, values) in zip(chunk, items):
        if isinstance(values, RowResult):
            report.rows.append(values)
            continue
        try:
            with session.begin_nested():  # undone alone when the row is bad
                report.rows.append(save_one(session, user, line, values, on_duplicate))
        except CrmError as exc:
            report.rows.append(RowResult(line, "failed", None, exc.message.rstrip(".")))
        except (SQLAlchemyError, OSError) as exc:
            orig = getattr(exc, "orig", None) or exc
            reason = (str(orig).strip().splitlines() or [type(exc).__name__])[0]
            raise _stop(session, report, len(report.rows), record.line, reason) from None
        report.saved_through = record.last_line
    session.commit()


def _stop(session: Session, report: ImportReport, keep: int, line: int,
          reason: str) -> ImportStopped:
    """Commit the rows before ``line`` when the database still can, then the error to raise."""
    committed = report.saved_through
    try:
        session.commit()
    except (SQLAlchemyError, OSError):
        session.rollback()
        del report.rows[keep:]
        report.saved_through = committed
    report.stopped = reason
    return ImportStopped(report, line, reason)


def delimiter_name(delimiter: str) -> str:
    """``','`` / ``';'`` / ``a tab``, for messages."""
    return DELIMITERS.get(delimiter, repr(delimiter))


def read_text(data: bytes) -> io.StringIO:
    """Decode a CSV file's bytes (UTF-8, with or without a byte-order mark)."""
    try:
        return io.StringIO(data.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"The CSV file is not UTF-8 text (byte {exc.start}).",
                              "Save it as 'CSV UTF-8' and import again.") from None
