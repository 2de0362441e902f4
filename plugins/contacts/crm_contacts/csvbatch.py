"""Writing imported rows: one at a time (:func:`save_one`) or a batch at once (:func:`save_many`).

Both decide each row the same way (see :mod:`crm_contacts.csvimport` for the rules on
duplicates) and neither commits. :func:`save_many` looks up a batch's emails in one query and
inserts its new contacts in one statement; :func:`save_one` is what a batch falls back to, row by
row in savepoints, when the database refuses the batch.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from crmcore.api import CrmError, ValidationError
from crmcore.api import User
from crm_contacts.models import Contact
from crm_contacts.records import values_of
from crm_contacts.service import STORE
from crm_contacts.validation import normalise_email


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
    """The row's values cleaned, empty ones left out; CrmError when one is invalid."""
    return {k: v for k, v in STORE.normalise(values).items() if v is not None}


def _same_fields_no_email(session: Session, given: dict[str, Any]) -> int | None:
    """The first live contact without an email whose fields equal every given value."""
    query = select(Contact.id).where(Contact.deleted_at.is_(None), Contact.email.is_(None))
    for name, value in given.items():
        query = query.where(getattr(Contact, name) == value)
    return session.exec(query.order_by(Contact.id).limit(1)).first()


def _duplicate(session: Session, user: User, line: int, found: int, given: dict[str, Any],
               on_duplicate: str, current: dict[str, Any] | None = None) -> RowResult:
    """Apply ``on_duplicate`` (update or skip) to contact ``found``."""
    if on_duplicate == "skip":
        return RowResult(line, "skipped", found, f"same as contact {found}; --on-duplicate skip")
    if current is None:
        current = values_of(STORE.get(session, found))
    given = dict(given)
    if normalise_email(current.get("email")) == normalise_email(given.get("email")):
        given.pop("email", None)  # the same address: its stored spelling stays
    if all(current.get(k) == v for k, v in given.items()):
        return RowResult(line, "unchanged", found, f"same as contact {found}")
    STORE.update(session, found, given, user)
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

    def __init__(self, session: Session, user: User, results: list, known: dict[str, int]) -> None:
        self.session, self.user, self.results, self.known = session, user, results, known
        self.pending: list[tuple[int, int, dict[str, str]]] = []
        self.emails: set[str] = set()
        self.without_email = False

    def add(self, index: int, line: int, values: dict[str, str], email: str | None) -> None:
        self.pending.append((index, line, values))
        if email:
            self.emails.add(email)
        else:
            self.without_email = True

    def flush(self) -> None:
        if not self.pending:
            return
        slots = STORE.create_many(self.session, [v for _, _, v in self.pending], self.user)
        for (index, line, values), slot in zip(self.pending, slots):
            if isinstance(slot, ValidationError):
                self.results[index] = RowResult(line, "failed", None, slot.message.rstrip("."))
                continue
            self.results[index] = RowResult(line, "created", slot)
            email = normalise_email(values.get("email"))
            if email:
                self.known.setdefault(email, slot)
        self.pending.clear()
        self.emails.clear()
        self.without_email = False


def save_many(session: Session, user: User, items: Sequence[Item],
              on_duplicate: str) -> list[RowResult]:
    """Write a batch of rows (not committed), in order; each row's result. A bad row is a
    ``failed`` result; a database error propagates (the caller rolls the batch back)."""
    results: list[Any] = [None] * len(items)
    matching = on_duplicate != "create"
    emails = {normalise_email(v.get("email")) for _, v in items if isinstance(v, dict)}
    emails.discard(None)
    known = ({e: ids[0] for e, ids in STORE.find_by_email(session, emails).items()}
             if matching and emails else {})
    current = {i: s.values for i, s in STORE.get_many(session, known.values()).items()}
    creates = _Creates(session, user, results, known)
    for index, (line, values) in enumerate(items):
        if isinstance(values, RowResult):
            results[index] = values
            continue
        email = normalise_email(values.get("email"))
        if not matching:
            creates.add(index, line, values, email)
            continue
        try:
            if email:
                if email in creates.emails:
                    creates.flush()  # an earlier row of this batch creates it
                found, given = known.get(email), None
                if found is not None:
                    given = _given(values)
            else:
                if creates.without_email:
                    creates.flush()
                given = _given(values)
                found = _same_fields_no_email(session, given)
            if found is None:
                creates.add(index, line, values, email)
                continue
            results[index] = _duplicate(session, user, line, found, given, on_duplicate,
                                        current.get(found))
        except CrmError as exc:
            results[index] = RowResult(line, "failed", None, exc.message.rstrip("."))
    creates.flush()
    return results
