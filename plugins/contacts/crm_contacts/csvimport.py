"""CSV import that keeps what the user means: one row, one contact, whatever happens on the way.

Each row is written in a savepoint of its own and reported by the line it starts on; a bad row is
never partly saved and never stops the rows after it. Rows are committed in batches (every
:data:`BATCH_ROWS` rows or :data:`BATCH_SECONDS`) (see :mod:`crm_contacts.csvrows` for what a bad row is).

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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from crmcore.api import CrmError, ValidationError
from crmcore.api import User
from crm_contacts.csvio import unescape
from crm_contacts.csvrows import DELIMITERS, Record, detect_delimiter, records
from crm_contacts.fields import BY_NAME, FIELD_NAMES
from crm_contacts.models import Contact
from crm_contacts.records import values_of
from crm_contacts.service import STORE
from crm_contacts.validation import normalise_email

IGNORED = ("id", "owner", "created_at", "modified_at", "deleted", "deleted_at")
ON_DUPLICATE = ("update", "skip", "create")
BATCH_ROWS = 500  # rows per commit: a killed import loses at most this many (or BATCH_SECONDS)
BATCH_SECONDS = 2.0

Progress = Callable[[int, int], None]  # (lines read, lines in the file)


@dataclass
class RowResult:
    """What became of one row: ``action`` is created, updated, unchanged, skipped or failed."""

    line: int
    action: str
    id: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "action": self.action, "id": self.id, "reason": self.reason}


@dataclass
class ImportReport:
    """Every row's result in file order, the separator used and, when it stopped, where."""

    rows: list[RowResult] = field(default_factory=list)
    delimiter: str = ","
    saved_through: int = 1  # the last line whose row is saved (or decided); 1 is the header
    stopped: str | None = None  # why the import stopped part way, or None when it read every row

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def imported(self) -> list[int]:
        return [r.id for r in self.rows if r.action == "created"]

    @property
    def errors(self) -> list[tuple[int, str]]:
        return [(r.line, r.reason or "") for r in self.rows if r.action == "failed"]

    @property
    def saved(self) -> int:
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


def _duplicate_of(session: Session, given: dict[str, Any]) -> int | None:
    """The live contact this row names: by email, else by equal fields and no email."""
    email = normalise_email(given.get("email"))
    if email:
        return (STORE.find_by_email(session, [email]).get(email) or [None])[0]
    query = select(Contact.id).where(Contact.deleted_at.is_(None), Contact.email.is_(None))
    for name, value in given.items():
        query = query.where(getattr(Contact, name) == value)
    return session.exec(query.order_by(Contact.id).limit(1)).first()


def _save(session: Session, user: User, line: int, values: dict[str, str],
          on_duplicate: str) -> RowResult:
    """Write one row (not committed); CrmError for a bad row."""
    given = {k: v for k, v in STORE.normalise(values).items() if v is not None}
    found = _duplicate_of(session, given) if on_duplicate != "create" else None
    if found is None:
        return RowResult(line, "created", STORE.create(session, values, user))
    if on_duplicate == "skip":
        return RowResult(line, "skipped", found, f"same as contact {found}; --on-duplicate skip")
    current = values_of(STORE.get(session, found))
    if normalise_email(current.get("email")) == normalise_email(given.get("email")):
        given.pop("email", None)  # the same address: its stored spelling stays
    if all(current.get(k) == v for k, v in given.items()):
        return RowResult(line, "unchanged", found, f"same as contact {found}")
    STORE.update(session, found, given, user)
    return RowResult(line, "updated", found, f"same email as contact {found}")


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
    batch = _Batch(session, report)
    for record in rows:
        if progress:
            progress(record.last_line, total)
        if not record.blank:
            report.rows.append(_row(session, user, record, header, on_duplicate, batch))
        batch.done(record.last_line)
    batch.commit()
    if progress:
        progress(total, total)
    return report


class _Batch:
    """Commits every :data:`BATCH_ROWS` rows or :data:`BATCH_SECONDS`, whichever comes first;
    each row has a savepoint of its own, so a bad row is undone alone."""

    def __init__(self, session: Session, report: ImportReport) -> None:
        self.session, self.report = session, report
        self.rows_committed = 0  # how many of report.rows are committed
        self.line = report.saved_through  # the last line read
        self.since = time.monotonic()

    def done(self, line: int) -> None:
        self.line = line
        if (len(self.report.rows) - self.rows_committed >= BATCH_ROWS
                or time.monotonic() - self.since >= BATCH_SECONDS):
            self.commit()

    def commit(self) -> None:
        self.session.commit()
        self.rows_committed = len(self.report.rows)
        self.report.saved_through = self.line
        self.since = time.monotonic()

    def stop(self, line: int, reason: str) -> ImportStopped:
        """Keep what can be kept of the rows before ``line``, then the error to raise."""
        try:
            self.commit()
        except (SQLAlchemyError, OSError):
            self.session.rollback()
            del self.report.rows[self.rows_committed:]  # not saved after all
        self.report.stopped = reason
        return ImportStopped(self.report, line, reason)


def _row(session: Session, user: User, record: Record, header: list[str], on_duplicate: str,
         batch: _Batch) -> RowResult:
    if record.problem:
        return RowResult(record.line, "failed", None, record.problem)
    if len(record.cells) > len(header):
        return RowResult(record.line, "failed", None,
                         f"{len(record.cells)} cells but the header has {len(header)}")
    values = {name: unescape(cell) for name, cell in zip(header, record.cells)
              if name not in IGNORED and cell.strip()}
    try:
        with session.begin_nested():  # undone alone when the row is bad
            return _save(session, user, record.line, values, on_duplicate)
    except CrmError as exc:
        return RowResult(record.line, "failed", None, exc.message.rstrip("."))
    except (SQLAlchemyError, OSError) as exc:
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or [type(exc).__name__])[0]
        raise batch.stop(record.line, reason) from None


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
