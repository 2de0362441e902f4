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

from sqlalchemy import Select, literal_column, select
from sqlmodel import Session

from crmcore.api import User
from crm_contacts.fields import FIELD_NAMES
from crm_contacts.models import NAME_ORDER, Contact

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
IGNORED = ("id", "owner", "created_at", "modified_at", "deleted", "deleted_at")
EXPORT_COLUMNS = ("id", *FIELD_NAMES, "owner", "created_at", "modified_at")
_FETCH = 2000  # rows read from the database at a time


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


_GUARDED = frozenset(TRIGGERS) | {"'"}  # a cell starting with one of these may need a leading '


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is str:  # most cells: only a guarded first character needs escape()
        return escape(value) if value and value[0] in _GUARDED else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return escape(str(value))


def _query(session: Session, deleted: bool) -> Select:
    """Every contact's export columns (the owner's name by a join), live ones or the recycle
    bin's, in the order of ``crm contacts list``: last name, first name, id."""
    contact, users = Contact.__table__, User.__table__
    columns = [contact.c.id, *(contact.c[name] for name in FIELD_NAMES), users.c.name,
               contact.c.created_at, contact.c.modified_at]
    query = select(*columns).select_from(
        contact.outerjoin(users, users.c.id == contact.c.owner_id))
    if deleted:
        query = query.where(contact.c.deleted_at.is_not(None))
    elif session.get_bind().dialect.name == "sqlite":  # "+col": the name order's index, as list does
        query = query.where(literal_column(f"+{contact.name}.deleted_at").is_(None))
    else:
        query = query.where(contact.c.deleted_at.is_(None))
    return query.order_by(*NAME_ORDER)


def export(session: Session, user: User, out: IO[str], deleted: bool = False) -> int:
    """Write every live contact (the recycle bin when ``deleted``) to ``out``; returns the count.

    Rows are read from the database and written in batches of :data:`_FETCH` (a plain query, no
    objects per contact), so memory stays flat whatever the number of contacts."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    result = session.execute(_query(session, deleted), execution_options={"yield_per": _FETCH})
    for rows in result.partitions():
        writer.writerows([[_cell(value) for value in row] for row in rows])
        count += len(rows)
    return count
