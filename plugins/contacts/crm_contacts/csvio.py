"""CSV import and export. The header names are the field names.

Export writes the id, every field, the owner's name and the times. A cell a spreadsheet would run as
a formula (starting with ``= + - @``, tab or carriage return) is written with a leading ``'``; so is
a cell whose import would otherwise lose a leading ``'``. Import removes that one ``'`` again, so
export then import gives back the same values.

Import keeps the good rows (each committed on its own) and reports every bad row as
``line N: reason``; a bad row is never partly saved. The columns ``id``, ``owner``, ``created_at``,
``modified_at``, ``deleted`` and ``deleted_at`` of an export are accepted and ignored: imported
contacts are new contacts owned by the importing user.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from sqlmodel import Session

from crmcore.api import CrmError, ValidationError
from crmcore.api import User
from crm_contacts.fields import BY_NAME, FIELD_NAMES
from crm_contacts.service import STORE, list_contacts

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
IGNORED = ("id", "owner", "created_at", "modified_at", "deleted", "deleted_at")
EXPORT_COLUMNS = ("id", *FIELD_NAMES, "owner", "created_at", "modified_at")


def unescape(cell: str) -> str:
    """Undo the export's formula neutralisation: drop one leading ``'`` that guards a trigger."""
    if len(cell) > 1 and cell[0] == "'" and (cell[1] in TRIGGERS or cell[1] == "'"):
        return cell[1:]
    return cell


def escape(cell: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula; ``unescape(escape(x)) == x``."""
    if cell.startswith(TRIGGERS) or unescape(cell) != cell:
        return "'" + cell
    return cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return escape(str(value))


def export(session: Session, user: User, out: IO[str], deleted: bool = False) -> int:
    """Write every live contact (the recycle bin when ``deleted``) to ``out``; returns the count."""
    rows, _ = list_contacts(session, user, deleted=deleted)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in EXPORT_COLUMNS])
    return len(rows)


@dataclass
class ImportReport:
    imported: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    def as_dict(self) -> dict[str, Any]:
        return {"imported": len(self.imported), "failed": len(self.errors), "ids": self.imported,
                "errors": [{"line": line, "reason": reason} for line, reason in self.errors]}


def _rows(text: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, cells) for each non-blank data row; the header first."""
    reader = csv.reader(text)
    line = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            yield line, cells
        line = reader.line_num + 1


def _header(cells: list[str]) -> list[str]:
    header = [c.strip() for c in cells]
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


def import_csv(session: Session, user: User, text: IO[str]) -> ImportReport:
    """Import rows from ``text``; each good row is committed, each bad one reported by line."""
    report = ImportReport()
    rows = _rows(text)
    try:
        first = next(rows, None)
        if first is None:
            raise ValidationError("The CSV file is empty.", "The first line must name the columns.")
        header = _header(first[1])
        for line, cells in rows:
            if len(cells) > len(header):
                report.errors.append((line, f"{len(cells)} cells but the header has {len(header)}"))
                continue
            values = {name: unescape(cell) for name, cell in zip(header, cells)
                      if name not in IGNORED}
            try:
                record_id = STORE.create(session, values, user)
            except CrmError as exc:
                session.rollback()  # only this row: every earlier good row is committed
                report.errors.append((line, exc.message.rstrip(".")))
                continue
            session.commit()
            report.imported.append(record_id)
    except csv.Error as exc:
        raise ValidationError(f"The CSV file cannot be read: {exc}.",
                              "Check the quoting; rows before the problem were imported.") from None
    return report


def read_text(data: bytes) -> io.StringIO:
    """Decode a CSV file's bytes (UTF-8, with or without a byte-order mark)."""
    try:
        return io.StringIO(data.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"The CSV file is not UTF-8 text (byte {exc.start}).",
                              "Save it as 'CSV UTF-8' and import again.") from None
