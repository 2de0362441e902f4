"""``ContactStore``: the record access the core's sync engine and generic commands use.

It implements :class:`crmcore.modules.RecordStore`. Values are keyed by the field names of
:mod:`crm_contacts.fields`; every snapshot carries all of them (None when empty). Every write that
changes something records one change in the change sequence, in the caller's session; a write that
changes nothing records nothing, so re-applying the same values is harmless (no echo).

Choices the protocol leaves open:

- ``update`` of a record in the recycle bin restores it (op ``restore``) and then applies the
  values (op ``update``, when any value differs), as ``RecordStore.update`` documents. The CLI
  refuses such an update and asks for ``crm contacts restore`` instead.
- ``delete`` of a record already in the recycle bin and ``restore`` of a live one change nothing.
- Unknown ids raise :class:`crmcore.errors.NotFound`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, any_, bindparam, insert, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcore.api import column_binder, index_scans_only, insert_tuples, record_change, record_changes
from crmcore.api import NotFound, ValidationError
from crmcore.api import utcnow
from crmcore.api import RecordSnapshot
from crm_contacts import MODULE
from crm_contacts.fields import FIELD_NAMES
from crm_contacts.models import Contact
from crm_contacts.validation import check_complete, clean, normalise_email

if TYPE_CHECKING:
    from crmcore.api import User

_CHUNK = 500
_SQLITE_MAX_ID = 2**63 - 1  # the largest rowid; past it SQLite picks free ids at random
ROW_KEYS: tuple[str, ...] = (*FIELD_NAMES, "email_normalised")  # a new contact's row (new_row)
# what an insert writes but the id, in the table's order (as a positional driver binds them):
# the row's values (_ROW_ORDER), then the owner and times every row of an insert shares
_ROW_ORDER = tuple(c.key for c in Contact.__table__.c if c.key in ROW_KEYS)
_INSERTED = (*_ROW_ORDER, "owner_id", "created_at", "modified_at")
_EMPTY = dict.fromkeys(FIELD_NAMES)


def values_of(contact: Contact) -> dict[str, Any]:
    """Every field of ``contact``, by field name."""
    return {name: getattr(contact, name) for name in FIELD_NAMES}


def snapshot(contact: Contact) -> RecordSnapshot:
    """The sync's view of ``contact``: id, field values, owner, whether it is in the recycle bin,
    last change (UTC)."""
    return RecordSnapshot(id=contact.id, values=values_of(contact), owner_id=contact.owner_id,
                          deleted=contact.deleted_at is not None, modified_at=contact.modified_at)


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def new_row(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """The row of a new contact (keys :data:`ROW_KEYS`) from cleaned values of some fields (as
    :func:`crm_contacts.validation.clean` returns them): the others empty, the opt-out flag a
    bool, the normalised email. Raises ValidationError (nothing saved) when a mandatory field is
    empty, as ``ContactStore.create`` does."""
    row = _EMPTY | cleaned
    row["email_opt_out"] = bool(row["email_opt_out"])
    check_complete(row)
    row["email_normalised"] = normalise_email(row["email"])
    return row


def _insert_rows(session: Session, rows: list[dict[str, Any]], owner_id: int | None,
                 now: datetime) -> list[int]:
    """Insert new contacts from rows of :func:`new_row`, owned by ``owner_id``, created and
    modified ``now`` (aware UTC); returns their new ids in order. Records no change (the caller
    does, with ``record_changes``).

    One statement for all the rows, values bound once per column (:mod:`crmcore.bulkinsert`), and
    the ids without an ordered ``RETURNING``, which costs a statement per row on SQLite and a
    long query to parse per chunk with psycopg: PostgreSQL hands them out from the column's
    sequence first; on SQLite the rows are inserted without ids, and rows inserted under one
    write lock get consecutive rowids after the largest one, so the new rows are the last
    ``len(rows)`` (checked by a count). Past the largest rowid, and on other databases, a Core
    insert returns the ids in order.
    """
    if not rows:
        return []
    connection = session.connection()
    dialect = connection.dialect.name
    table = Contact.__table__
    if dialect == "sqlite":
        before = connection.exec_driver_sql("SELECT max(id) FROM contact").scalar() or 0
        if before + len(rows) < _SQLITE_MAX_ID:
            insert_tuples(connection, table, _INSERTED, _tuples(connection, rows, owner_id, now))
            return _sqlite_new_ids(connection, before, len(rows))
    elif dialect == "postgresql":
        ids = sorted(connection.execute(text(
            "SELECT nextval(pg_get_serial_sequence('contact', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)}).scalars())
        insert_tuples(connection, table, ("id", *_INSERTED),
                      _tuples(connection, rows, owner_id, now, ids))
        return ids
    statement = (insert(table).values(owner_id=owner_id, created_at=now, modified_at=now)
                 .returning(table.c.id, sort_by_parameter_order=True))
    ids = []
    for chunk in _chunks(rows):
        ids.extend(session.execute(statement, chunk).scalars().all())
    return ids


def _sqlite_new_ids(connection: Connection, before: int, count: int) -> list[int]:
    """The ids of the ``count`` contacts just inserted, the largest id having been ``before``."""
    last, added = connection.exec_driver_sql(
        "SELECT max(id), count(*) FROM contact WHERE id > ?", (before,)).one()
    if added != count or last != before + count:
        # another writer added contacts between the look at the largest id and the insert
        last = connection.exec_driver_sql("SELECT max(id) FROM contact").scalar()
        added = connection.exec_driver_sql("SELECT count(*) FROM contact WHERE id >= ?",
                                           (last - count + 1,)).scalar()
        if added != count:
            raise RuntimeError("New contacts did not get consecutive ids, so they cannot be told "
                               "apart; nothing was saved. Add them one by one "
                               "('crm contacts add').")
    return list(range(last - count + 1, last + 1))


_Binders = tuple[list[tuple[int, Any]], list[Any]]
_BINDERS: dict[tuple[str, str], _Binders] = {}  # (database, driver) -> binders of _tuples


def _binders(connection: Connection) -> _Binders:
    """``([(index in _ROW_ORDER, binder)], [binder or None of owner_id, created_at, modified_at])``."""
    dialect = connection.dialect
    key = (dialect.name, dialect.driver)
    if key not in _BINDERS:
        table = Contact.__table__
        per_row = [(i, bind) for i, name in enumerate(_ROW_ORDER)
                   if (bind := column_binder(connection, table, name)) is not None]
        shared = [column_binder(connection, table, name) for name in _INSERTED[len(_ROW_ORDER):]]
        _BINDERS[key] = (per_row, shared)
    return _BINDERS[key]


def _tuples(connection: Connection, rows: list[dict[str, Any]], owner_id: int | None,
            now: datetime, ids: list[int] | None = None) -> list[tuple]:
    """``rows`` as tuples of :data:`_INSERTED` values (after the id when ``ids`` are given),
    bound as their columns bind them: column by column, and a value every row shares once."""
    per_row, shared = _binders(connection)
    columns: list[Any] = list(zip(*map(itemgetter(*_ROW_ORDER), rows)))
    for i, bind in per_row:
        columns[i] = map(bind, columns[i])
    columns += [repeat(bind(value) if bind else value, len(rows))
                for value, bind in zip((owner_id, now, now), shared)]
    if ids is not None:
        columns.insert(0, ids)
    return list(zip(*columns))


def _by_ids(columns: list[Any], postgresql: bool) -> Any:
    """``columns`` of the contacts whose ids the expanding parameter ``ids`` lists. On PostgreSQL
    the ids are written into the query: psycopg parses a query of hundreds of placeholders again
    at every execution (~5 us a value), and a query whose text changes with its ids is never
    prepared (so no generic plan, which might walk the table, is ever kept for it)."""
    ids = bindparam("ids", expanding=True, literal_execute=postgresql)
    return sa_select(*columns).where(_TABLE.c.id.in_(ids))


def _by_email(postgresql: bool) -> Any:
    """Normalised email, id and whether live of the contacts whose normalised email the
    parameter ``emails`` lists; on PostgreSQL as ``= ANY`` of one array parameter, since psycopg
    parses a query of hundreds of placeholders again at every execution (the query runs without
    sequential scans, so even a generic plan of it reads the email index: see
    :func:`crmcore.api.index_scans_only`)."""
    columns = (_TABLE.c.email_normalised, _TABLE.c.id, _TABLE.c.deleted_at.is_(None))
    if postgresql:
        emails = bindparam("emails", type_=ARRAY(_TABLE.c.email_normalised.type))
        return sa_select(*columns).where(_TABLE.c.email_normalised == any_(emails))
    return sa_select(*columns).where(
        _TABLE.c.email_normalised.in_(bindparam("emails", expanding=True)))


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


_TABLE = Contact.__table__
_VALUES = [_TABLE.c[name] for name in FIELD_NAMES]
# by "on PostgreSQL": RecordSnapshot's fields in order, then the values ("deleted" tested in SQL,
# not a time to read back); and what update_many reads
_GET_MANY = {pg: _by_ids([_TABLE.c.id, _TABLE.c.owner_id, _TABLE.c.deleted_at.is_not(None),
                          _TABLE.c.modified_at, *_VALUES], pg) for pg in (False, True)}
_CURRENT = {pg: _by_ids([_TABLE.c.id, _TABLE.c.deleted_at.is_not(None), *_VALUES], pg)
            for pg in (False, True)}
_BY_EMAIL = {pg: _by_email(pg) for pg in (False, True)}


class ContactStore:
    """Contacts as the core sees them (see the module docstring for the choices made)."""

    module = MODULE

    # -- reads ------------------------------------------------------------------------------------

    def get(self, session: Session, record_id: int) -> Contact:
        """The contact row (recycle bin included); NotFound when there is none."""
        contact = session.get(Contact, record_id)
        if contact is None:
            raise NotFound(f"No contact with ID {record_id}.",
                           "See 'crm contacts list' (add --deleted for the recycle bin).")
        return contact

    def get_many(self, session: Session, ids: Iterable[int]) -> dict[int, RecordSnapshot]:
        """Snapshots by id, recycle bin included (``deleted`` True); unknown ids left out."""
        out: dict[int, RecordSnapshot] = {}
        names = FIELD_NAMES
        statement = _GET_MANY[_postgresql(session)]
        for chunk in _chunks(sorted(set(ids))):  # plain rows, no ORM objects: a sync reads many
            for row in session.execute(statement, {"ids": chunk}):
                out[row[0]] = RecordSnapshot(row[0], dict(zip(names, row[4:])), row[1], row[2],
                                             row[3])
        return out

    def find_by_email(self, session: Session, emails: Iterable[str]) -> dict[str, list[int]]:
        """Live contacts by normalised email -> ids (ascending); emails with no match left out.

        The query filters by email alone, leaving the planner only the email index: the recycle
        bin is left out here, and the ids sorted here, because a condition on ``deleted_at`` or
        an ORDER BY id lets SQLite (no statistics) and PostgreSQL (statistics that lag behind an
        import) walk every live contact for each chunk instead; on PostgreSQL sequential scans
        are also off for the query (see :func:`crmcore.api.index_scans_only`)."""
        wanted = sorted({e for e in (normalise_email(x) for x in emails) if e})
        out: dict[str, list[int]] = {}
        if not wanted:
            return out
        statement = _BY_EMAIL[_postgresql(session)]
        with index_scans_only(session):
            for chunk in _chunks(wanted):
                for email, record_id, live in session.execute(statement, {"emails": chunk}):
                    if live:
                        out.setdefault(email, []).append(record_id)
        for found in out.values():
            found.sort()
        return out

    def display_name(self, values: Mapping[str, Any]) -> str:
        """"Ada Lovelace", else the email, else "(no name)"."""
        name = " ".join(v for v in (values.get("first_name"), values.get("last_name")) if v)
        return name or values.get("email") or "(no name)"

    def normalise(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` as they would be stored and read back; raises ValidationError if invalid."""
        return clean(values)

    # -- writes -----------------------------------------------------------------------------------

    def create(self, session: Session, values: Mapping[str, Any], user: "User") -> int:
        """Create a contact owned by ``user``; ValidationError (nothing saved) on bad values."""
        cleaned = {name: None for name in FIELD_NAMES} | clean(values)
        cleaned["email_opt_out"] = bool(cleaned["email_opt_out"])
        check_complete(cleaned)
        now = utcnow()
        contact = Contact(**cleaned, email_normalised=normalise_email(cleaned["email"]),
                          owner_id=user.id, created_at=now, modified_at=now)
        session.add(contact)
        session.flush()
        record_change(session, MODULE, contact.id, "create", user.id)
        return contact.id

    def create_many(self, session: Session, values_list: list[Mapping[str, Any]],
                    user: "User") -> list[int | ValidationError]:
        """Create many contacts in one insert (a sync's first run brings thousands); returns,
        in order, each new id or the ValidationError that kept that one out."""
        return [result.id if isinstance(result, RecordSnapshot) else result
                for result in self.create_many_returning(session, values_list, user)]

    def create_many_returning(self, session: Session, values_list: list[Mapping[str, Any]],
                              user: "User") -> list[RecordSnapshot | ValidationError]:
        """:meth:`create_many`, each new contact given as its snapshot: the values as inserted
        (cleaned, every field, as :meth:`get_many` reads them back), owned by ``user``, live,
        modified now."""
        rows: list[dict[str, Any]] = []
        slots: list[int | ValidationError] = []
        for values in values_list:
            try:
                row = new_row(clean(values))
            except ValidationError as exc:
                slots.append(exc)
                continue
            slots.append(len(rows))
            rows.append(row)
        now = utcnow()
        ids = _insert_rows(session, rows, user.id, now)
        record_changes(session, MODULE, ids, "create", user.id)
        fields = itemgetter(*FIELD_NAMES)
        return [slot if isinstance(slot, ValidationError) else
                RecordSnapshot(ids[slot], dict(zip(FIELD_NAMES, fields(rows[slot]))), user.id,
                               False, now)
                for slot in slots]

    def update(self, session: Session, record_id: int, values: Mapping[str, Any],
               user: "User") -> None:
        """Change the given fields only; a record in the recycle bin is restored first."""
        contact = self.get(session, record_id)
        cleaned = clean(values)
        merged = values_of(contact) | cleaned
        check_complete(merged)
        if contact.deleted_at is not None:
            self._set_deleted(session, contact, None, "restore", user)
        changed = {k: v for k, v in cleaned.items() if getattr(contact, k) != v}
        if not changed:
            return
        for name, value in changed.items():
            setattr(contact, name, value)
        contact.email_normalised = normalise_email(contact.email)
        contact.modified_at = utcnow()
        session.add(contact)
        session.flush()
        record_change(session, MODULE, contact.id, "update", user.id)

    def update_many(self, session: Session, updates: list[tuple[int, Mapping[str, Any]]],
                    user: "User") -> list[Exception | None]:
        """:meth:`update` for many records at once (a first sync merges thousands): ``updates``
        is ``(record id, values)`` pairs; returns, in order, None for each applied or the
        ``NotFound``/``ValidationError`` that kept that one out (nothing of it written).

        Live records are read in one select and written with one statement per set of changed
        fields (only those fields, as :meth:`update` does); one change each in one go. A record
        in the recycle bin goes through :meth:`update` (it is restored first)."""
        table = Contact.__table__
        current: dict[int, dict[str, Any]] = {}
        deleted: set[int] = set()
        statement = _CURRENT[_postgresql(session)]
        for chunk in _chunks(sorted({record_id for record_id, _ in updates})):
            for row in session.execute(statement, {"ids": chunk}):
                current[row[0]] = dict(zip(FIELD_NAMES, row[2:]))
                if row[1]:
                    deleted.add(row[0])
        results: list[Exception | None] = []
        pending: dict[int, dict[str, Any]] = {}  # a record's changes, later updates over earlier
        changed_ids: list[int] = []
        now = utcnow()
        for record_id, values in updates:
            before = current.get(record_id)
            try:
                if before is None:
                    raise NotFound(f"No contact with ID {record_id}.",
                                   "See 'crm contacts list' (add --deleted for the recycle bin).")
                if record_id in deleted:
                    self.update(session, record_id, values, user)
                    deleted.discard(record_id)
                    current[record_id] = values_of(self.get(session, record_id))
                    results.append(None)
                    continue
                cleaned = clean(values)
                check_complete(before | cleaned)
            except (NotFound, ValidationError) as exc:
                results.append(exc)
                continue
            results.append(None)
            changed = {k: v for k, v in cleaned.items() if before[k] != v}
            if not changed:
                continue
            before.update(changed)
            pending.setdefault(record_id, {}).update(changed)
            changed_ids.append(record_id)
        by_fields: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for record_id, changed in pending.items():
            # The email's indexed lookup column is written only when the email changed: an
            # indexed column in an UPDATE costs SQLite an index delete and insert per row even
            # when its value is the same (most sync updates change a name or a phone).
            fields = tuple(sorted(changed))
            row = {**changed, "modified_at": now, "_id": record_id}
            if "email" in changed:
                row["email_normalised"] = normalise_email(changed["email"])
                fields += ("email_normalised",)
            by_fields.setdefault(fields, []).append(row)
        for fields, rows in by_fields.items():
            session.execute(update(table).where(table.c.id == bindparam("_id")).values(
                {name: bindparam(name) for name in (*fields, "modified_at")}), rows)
        record_changes(session, MODULE, changed_ids, "update", user.id)
        return results

    def delete(self, session: Session, record_id: int, user: "User") -> None:
        """Move to the recycle bin; the tombstone stays readable through ``get_many``."""
        contact = self.get(session, record_id)
        if contact.deleted_at is None:
            self._set_deleted(session, contact, utcnow(), "delete", user)

    def restore(self, session: Session, record_id: int, user: "User") -> None:
        """Take a contact out of the recycle bin."""
        contact = self.get(session, record_id)
        if contact.deleted_at is not None:
            self._set_deleted(session, contact, None, "restore", user)

    def _set_deleted(self, session: Session, contact: Contact, when, op: str, user: "User") -> None:
        contact.deleted_at = when
        contact.modified_at = utcnow()
        session.add(contact)
        session.flush()
        record_change(session, MODULE, contact.id, op, user.id)
