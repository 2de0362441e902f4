"""Writing imported rows: one at a time (:func:`save_one`) or a batch at once (:func:`save_many`).

Both decide each row the same way (see :mod:`crm_contacts.csvimport` for the rules on
duplicates) and neither commits. :func:`save_many` looks up a batch's emails in one query and
inserts its new contacts with plain table inserts (a statement per :data:`_CHUNK` rows) and one
change-sequence allocation; :func:`save_one` is what a batch falls back to, row by row in
savepoints, when the database refuses the batch.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, select

from crmcore.api import CrmError, ValidationError
from crmcore.api import User
from crmcore.api import record_changes, utcnow
from crm_contacts import MODULE
from crm_contacts.fields import FIELD_NAMES
from crm_contacts.models import Contact
from crm_contacts.records import values_of
from crm_contacts.service import STORE
from crm_contacts.validation import check_complete, clean, normalise_email


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
    return {k: v for k, v in clean(values).items() if v is not None}


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


_EMPTY = dict.fromkeys(FIELD_NAMES)
_CHUNK = 500  # rows per INSERT statement
_SQLITE_MAX_ID = 2**63 - 1


def _new_row(given: dict[str, Any], email: str | None) -> dict[str, Any]:
    """The ``contact`` row of a new contact from its cleaned non-empty values and normalised
    email; ValidationError when a mandatory field is empty (as ``ContactStore.create`` refuses
    it)."""
    row = _EMPTY | given
    row["email_opt_out"] = bool(row["email_opt_out"])
    check_complete(row)
    row["email_normalised"] = email
    return row


def _new_ids(session: Session, count: int) -> list[int] | None:
    """``count`` unused contact ids, ascending, or None where the database must choose them.

    SQLite: the next ones after the largest, as SQLite itself chooses them (the table has no
    AUTOINCREMENT); should another writer take one first, the insert fails on the primary key
    and the caller writes the batch again row by row. PostgreSQL: taken from the id's sequence."""
    table = Contact.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        last = session.execute(select(func.max(table.c.id))).scalar() or 0
        return list(range(last + 1, last + 1 + count)) if last + count < _SQLITE_MAX_ID else None
    if dialect == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, table.c.id.name)
        return sorted(session.execute(select(func.nextval(sequence))
                                      .select_from(func.generate_series(1, count))).scalars())
    return None


def _executemany(session: Session, table: Any, rows: list[dict[str, Any]],
                 same: dict[str, Any]) -> None:
    """Insert ``rows`` (values by column, the same keys in each) plus the values ``same`` for
    every row, in one driver-level ``executemany``. Each value goes through its column type's
    bind processing as SQLAlchemy would do it; a value of ``same`` once for all rows."""
    connection = session.connection()
    dialect = connection.dialect
    keys = [c.key for c in table.c if c.key in rows[0] or c.key in same]
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup) if dialect.positional else keys
    processors = {c.key: c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.c}
    fixed = {k: processors[k](v) if processors[k] else v for k, v in same.items()}
    slots = [(k, processors[k], k in fixed) for k in order]
    params: list[Any] = [tuple([fixed[k] if is_fixed else process(row[k]) if process else row[k]
                                for k, process, is_fixed in slots]) for row in rows]
    if not dialect.positional:
        params = [dict(zip(order, values)) for values in params]
    connection.exec_driver_sql(str(compiled), params)


def _insert(session: Session, user: User, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new contacts (rows of the table but for their ids, owner and times) and record
    their creation; their ids in order. A driver-level ``executemany`` with ids chosen first
    (see :func:`_new_ids`; elsewhere a Core insert returning them), one change-sequence
    allocation."""
    now = utcnow()
    same = {"owner_id": user.id, "created_at": now, "modified_at": now}
    table = Contact.__table__
    ids = _new_ids(session, len(rows))
    if ids is not None:
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
        for start in range(0, len(rows), _CHUNK):
            _executemany(session, table, rows[start:start + _CHUNK], same)
    else:
        ids = []
        statement = (insert(table).values(**same)
                     .returning(table.c.id, sort_by_parameter_order=True))
        for start in range(0, len(rows), _CHUNK):
            ids.extend(session.execute(statement, rows[start:start + _CHUNK]).scalars().all())
    record_changes(session, MODULE, ids, "create", user.id)
    return ids


class _Creates:
    """New contacts of a batch, inserted together; flushed early when a later row of the same
    batch may be their duplicate."""

    def __init__(self, session: Session, user: User, results: list, known: dict[str, int]) -> None:
        self.session, self.user, self.results, self.known = session, user, results, known
        self.pending: list[tuple[int, int, dict[str, Any]]] = []
        self.emails: set[str] = set()
        self.without_email = False

    def add(self, index: int, line: int, given: dict[str, Any], email: str | None) -> None:
        """Queue row ``index`` (cleaned non-empty values ``given``), or fail it when a mandatory
        field is empty."""
        try:
            row = _new_row(given, email)
        except ValidationError as exc:
            self.results[index] = RowResult(line, "failed", None, exc.message.rstrip("."))
            return
        self.pending.append((index, line, row))
        if email:
            self.emails.add(email)
        else:
            self.without_email = True

    def flush(self) -> None:
        if not self.pending:
            return
        ids = _insert(self.session, self.user, [row for _, _, row in self.pending])
        for (index, line, row), new_id in zip(self.pending, ids):
            self.results[index] = RowResult(line, "created", new_id)
            email = row["email_normalised"]
            if email:
                self.known.setdefault(email, new_id)
        self.pending.clear()
        self.emails.clear()
        self.without_email = False


def _live_by_email(session: Session, emails: set[str]) -> tuple[dict[str, int], dict[int, dict]]:
    """The first (smallest id) live contact of each normalised email that has one, and those
    contacts' field values by id: one query per :data:`_CHUNK` emails.

    The query filters by email alone, leaving the planner only the email index: the recycle
    bin is left out here, and the smallest id chosen here, because a condition on
    ``deleted_at`` or an ORDER BY id lets SQLite (no statistics) and PostgreSQL (statistics
    that lag behind an import) walk every live contact for each chunk instead."""
    table = Contact.__table__
    query = select(table.c.email_normalised, table.c.id, table.c.deleted_at,
                   *(table.c[n] for n in FIELD_NAMES))
    known: dict[str, int] = {}
    current: dict[int, dict] = {}
    wanted = sorted(emails)
    with _index_only(session):
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            rows = session.execute(query.where(table.c.email_normalised.in_(chunk)))
            for row in sorted(rows, key=lambda row: row[1]):
                if row[2] is None and row[0] not in known:
                    known[row[0]] = row[1]
                    current[row[1]] = dict(zip(FIELD_NAMES, row[3:]))
    return known, current


@contextmanager
def _index_only(session: Session) -> Iterator[None]:
    """On PostgreSQL, no sequential scans inside: before its first ANALYZE a table the import
    is filling looks empty and an IN list of hundreds of emails unselective, so the planner
    would read the whole table for each chunk. The setting is the transaction's and put back."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    before = session.execute(select(func.current_setting("enable_seqscan"))).scalar()
    session.execute(select(func.set_config("enable_seqscan", "off", True)))
    yield
    session.execute(select(func.set_config("enable_seqscan", before, True)))


def save_many(session: Session, user: User, items: Sequence[Item],
              on_duplicate: str) -> list[RowResult]:
    """Write a batch of rows (not committed), in order; each row's result. A bad row is a
    ``failed`` result; a database error propagates (the caller rolls the batch back).

    Each row is cleaned once; new contacts are inserted a batch at a time with one
    change-sequence allocation, as ``ContactStore.create`` would write them one by one."""
    results: list[Any] = [None] * len(items)
    matching = on_duplicate != "create"
    row_emails = [normalise_email(v.get("email")) if isinstance(v, dict) else None
                  for _, v in items]
    emails = set(row_emails)
    emails.discard(None)
    known, current = _live_by_email(session, emails) if matching and emails else ({}, {})
    creates = _Creates(session, user, results, known)
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
                                        current.get(found))
        except CrmError as exc:
            results[index] = RowResult(line, "failed", None, exc.message.rstrip("."))
    creates.flush()
    return results
