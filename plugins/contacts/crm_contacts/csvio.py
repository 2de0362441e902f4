"""CSV import and export. The header names are the field names.

Export writes the id, every field, the owner's name and the times. A cell a spreadsheet would run as
a formula (starting with ``= + - @``, tab or carriage return) is written with a leading ``'``; so is
a cell whose import would otherwise lose a leading ``'``. Import removes that one ``'`` again, so
export then import gives back the same values.

Import lives in :mod:`crm_contacts.csvimport`.
"""
from __future__ import annotations

import csv
from datetime import date
from typing import IO, Any

from sqlmodel import Session

from crmcore.api import User
from crm_contacts.fields import FIELD_NAMES
from crm_contacts.service import list_contacts

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
