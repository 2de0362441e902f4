"""Writing imported rows: one at a time (:func:`save_one`) or a batch at once (:func:`save_many`).

Both decide each row the same way (see :mod:`crm_contacts.csvimport` for the rules on
duplicates) and neither commits. :func:`save_many` looks up a batch's emails at once
(``ContactStore.find_by_email`` and ``get_many``), inserts its new contacts together and writes
its updates with one ``update_many``, each with one change-sequence allocation; :func:`save_one`
is what a batch falls back to, row by row in savepoints, when the database refuses the batch.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column
from sqlmodel import Session, select

from crmcore.api import CrmError, ValidationError
from crmcore.api import User
from crmcore.api import record_changes, utcnow
from crm_contacts import MODULE
from crm_contacts.models import NAME_ORDER, Contact
from crm_contacts.records import _insert_rows, new_row, values_of
from crm_contacts.service import STORE
from crm_contacts.validation import clean, normalise_email


@dataclass
class RowResult:
    """What became of one row: ``action`` is created, updated, unchanged, skipped or failed."""

    line: int
    action: str
    id: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row's report as JSON-ready data (``crm contacts import --json``)."""
        return {"line": self.line, "action": self.action, "id": self.id, "reason": self.reason}


Item = tuple[int, "dict[str, str] | RowResult"]  # (line, non-empty cells by field, or the failure)


def _given(values: dict[str, str]) -> dict[str, Any]:
    """The row's values cleaned (as ``ContactStore.normalise`` does), empty ones left out;
    CrmError when one is invalid."""
    cleaned = clean(values)
    if None in cleaned.values():  # rare: a cell of spaces and a ', say
        return {k: v for k, v in cleaned.items() if v is not None}
    return cleaned


def _same_fields_no_email(session: Session, given: dict[str, Any]) -> int | None:
    """The first live contact without an email whose fields equal every given value.

    The names are also compared as the list-order index holds them (``NAME_ORDER``: lowered,
    which equal names are too), so the database reads the few contacts of that name from the
    index, in id order, instead of every live contact. On SQLite the names' own comparisons are
    written ``+contact.last_name`` (given ``last_name = ?``, SQLite would put the value into
    ``lower(last_name)`` as well, which then no longer matches the index's expression), and so
    is ``deleted_at`` (without statistics, SQLite would rather read every live contact through
    the ``deleted_at`` index)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    query = select(Contact.id).where(_plain("deleted_at", sqlite).is_(None),
                                     Contact.email.is_(None))
    for name, value in given.items():
        query = query.where((_plain(name, sqlite) if name in _NAMES else getattr(Contact, name))
                            == value)
    if "last_name" in given:
        query = query.where(NAME_ORDER[0] == func.lower(given["last_name"]))
        if "first_name" in given:
            query = query.where(NAME_ORDER[1] == func.lower(given["first_name"]))
    return session.exec(query.order_by(Contact.id).limit(1)).first()


_NAMES = ("last_name", "first_name")  # the columns of NAME_ORDER's expressions


def _plain(name: str, sqlite: bool) -> Any:
    """Column ``name`` of the contact table, written ``+contact.<name>`` on SQLite: a plain
    value there, which SQLite neither reads through an index of its own nor puts into an
    expression of the column."""
    column = getattr(Contact, name)
    if not sqlite:
        return column
    return literal_column(f"+{Contact.__tablename__}.{name}", column.type)


Write = Callable[[int, dict[str, Any]], None]  # (contact id, cleaned values to set)


def _duplicate(session: Session, user: User, line: int, found: int, given: dict[str, Any],
               on_duplicate: str, current: dict[str, Any] | None = None,
               write: Write | None = None) -> RowResult:
    """Apply ``on_duplicate`` (update or skip) to contact ``found``, whose field values are
    ``current`` (read when not given). The update goes through ``write`` when given (a batch
    writes its updates together), else ``ContactStore.update`` at once."""
    if on_duplicate == "skip":
        return RowResult(line, "skipped", found, f"same as contact {found}; --on-duplicate skip")
    if current is None:
        current = values_of(STORE.get(session, found))
    given = dict(given)
    if normalise_email(current.get("email")) == normalise_email(given.get("email")):
        given.pop("email", None)  # the same address: its stored spelling stays
    for k, v in given.items():
        if current.get(k) != v:
            break
    else:
        return RowResult(line, "unchanged", found, f"same as contact {found}")
    if write is None:
        STORE.update(session, found, given, user)
    else:
        write(found, given)
    current.update(given)  # a later row of the batch for the same contact compares with these
    return RowResult(line, "updated", found, f"same email as contact {found}")


def save_one(session: Session, user: User, line: int, values: dict[str, str],
             on_duplicate: str) -> RowResult:
    """Write one row (not committed); CrmError for a bad row."""
    given = _given(values)
    found = None
    if on_duplicate != "create":
        email = normalise_email(given.get("email"))
        found = ((STORE.find_by_email(session, [email]).get(email) or [None])[0] if email
                 else _same_fields_no_email(session, given))
    if found is None:
        return RowResult(line, "created", STORE.create(session, values, user))
    return _duplicate(session, user, line, found, given, on_duplicate)


class _Creates:
    """New contacts of a batch, inserted together; flushed early when a later row of the same
    batch may be their duplicate."""

    def __init__(self, session: Session, user: User, results: list, known: dict[str, int],
                 current: dict[int, dict[str, Any]]) -> None:
        self.session, self.user, self.results = session, user, results
        self.known, self.current = known, current
        self.pending: list[tuple[int, int, dict[str, Any]]] = []
        self.emails: set[str] = set()
        self.without_email = False

    def add(self, index: int, line: int, given: dict[str, Any], email: str | None) -> None:
        """Queue row ``index`` (cleaned non-empty values ``given``, normalised email ``email``),
        or fail it when a mandatory field is empty."""
        try:
            row = new_row(given)
        except ValidationError as exc:
            self.results[index] = RowResult(line, "failed", None, exc.message.rstrip("."))
            return
        self.pending.append((index, line, row))
        if email:
            self.emails.add(email)
        else:
            self.without_email = True

    def flush(self) -> None:
        """Insert the queued contacts and record their creation."""
        if not self.pending:
            return
        ids = _insert_rows(self.session, [row for _, _, row in self.pending], self.user.id,
                           utcnow())
        record_changes(self.session, MODULE, ids, "create", self.user.id)
        for (index, line, row), new_id in zip(self.pending, ids):
            self.results[index] = RowResult(line, "created", new_id)
            email = row["email_normalised"]
            if email and email not in self.known:
                self.known[email] = new_id
                self.current[new_id] = row  # as it reads back (and email_normalised)
        self.pending.clear()
        self.emails.clear()
        self.without_email = False


class _Updates:
    """Updates of a batch's duplicates, written together by ``ContactStore.update_many`` once
    every row of the batch is decided."""

    def __init__(self) -> None:
        self.pending: list[tuple[int, dict[str, Any]]] = []
        self.rows: list[tuple[int, int]] = []  # (index, line) of each pending update

    def queue(self, index: int, line: int) -> Write:
        """The ``write`` of row ``index`` for :func:`_duplicate`."""
        def write(found: int, given: dict[str, Any]) -> None:
            self.pending.append((found, given))
            self.rows.append((index, line))
        return write

    def flush(self, session: Session, user: User, results: list) -> None:
        """Write the queued updates; a row whose update is refused ends ``failed``."""
        if not self.pending:
            return
        outcomes = STORE.update_many(session, self.pending, user)
        for (index, line), outcome in zip(self.rows, outcomes):
            if outcome is not None:
                reason = getattr(outcome, "message", str(outcome)).rstrip(".")
                results[index] = RowResult(line, "failed", None, reason)


def _live_by_email(session: Session, emails: set[str]) -> tuple[dict[str, int], dict[int, dict]]:
    """The first (smallest id) live contact of each normalised email that has one, and those
    contacts' field values by id."""
    known = {email: ids[0] for email, ids in STORE.find_by_email(session, emails).items()}
    found = STORE.get_many(session, known.values())
    return known, {record_id: snap.values for record_id, snap in found.items()}


def save_many(session: Session, user: User, items: Sequence[Item],
              on_duplicate: str) -> list[RowResult]:
    """Write a batch of rows (not committed), in order; each row's result. A bad row is a
    ``failed`` result; a database error propagates (the caller rolls the batch back).

    Each row is cleaned once; new contacts are inserted a batch at a time and updates written
    together, each with one change-sequence allocation, as ``ContactStore.create`` and
    ``update`` would write them one by one."""
    results: list[Any] = [None] * len(items)
    matching = on_duplicate != "create"
    row_emails = [normalise_email(v.get("email")) if isinstance(v, dict) else None
                  for _, v in items]
    emails = set(row_emails)
    emails.discard(None)
    known, current = _live_by_email(session, emails) if matching and emails else ({}, {})
    creates = _Creates(session, user, results, known, current)
    updates = _Updates()
    for index, (line, values) in enumerate(items):
        if isinstance(values, RowResult):
            results[index] = values
            continue
        email = row_emails[index]
        try:
            given = _given(values)
        except CrmError as exc:
            results[index] = RowResult(line, "failed", None, exc.message.rstrip("."))
            continue
        if not matching:
            creates.add(index, line, given, email)
            continue
        try:
            if email:
                if email in creates.emails:
                    creates.flush()  # an earlier row of this batch creates it
                found = known.get(email)
            else:
                if creates.without_email:
                    creates.flush()
                found = _same_fields_no_email(session, given)
            if found is None:
                creates.add(index, line, given, email)
                continue
            results[index] = _duplicate(session, user, line, found, given, on_duplicate,
                                        current.get(found), updates.queue(index, line))
        except CrmError as exc:
            results[index] = RowResult(line, "failed", None, exc.message.rstrip("."))
    creates.flush()
    updates.flush(session, user, results)
    return results
