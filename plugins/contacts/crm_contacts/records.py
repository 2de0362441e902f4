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
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, insert, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session

from crmcore.api import record_change, record_changes
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


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (all with the same keys) into ``contact``; returns their new ids in order.

    A Core executemany, one statement per chunk (an ORM bulk insert leaves out None values and
    splits the rows by which keys they have). The ids come without ``RETURNING`` where the
    database can tell them otherwise, since an ordered ``RETURNING`` costs a statement per row
    on SQLite and a long query to parse per chunk with psycopg: PostgreSQL hands out the ids from
    the column's sequence first; SQLite gives rows inserted under one write lock consecutive
    rowids after the largest one (so the new rows are the last ``len(rows)``), checked by a
    count.
    """
    table = Contact.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        ids = sorted(session.execute(text(
            "SELECT nextval(pg_get_serial_sequence('contact', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)}).scalars())
        session.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids)])
        return ids
    if dialect == "sqlite":
        session.execute(insert(table), rows)
        last = session.execute(sa_select(func.max(table.c.id))).scalar_one()
        first = last - len(rows) + 1
        if session.execute(sa_select(func.count()).where(table.c.id >= first)).scalar_one() == len(rows):
            return list(range(first, last + 1))
        # only when SQLite's rowids have run out (it then picks free ones at random)
        raise RuntimeError("New contacts did not get consecutive ids, so they cannot be told "
                           "apart; nothing was saved. Add them one by one ('crm contacts add').")
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(statement, rows).scalars().all())


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
        table = Contact.__table__
        columns = [table.c[name] for name in FIELD_NAMES]
        wanted = [table.c.id, table.c.owner_id, table.c.deleted_at, table.c.modified_at, *columns]
        for chunk in _chunks(sorted(set(ids))):  # plain rows, no ORM objects: a sync reads many
            for row in session.execute(sa_select(*wanted).where(table.c.id.in_(chunk))):
                out[row[0]] = RecordSnapshot(id=row[0], values=dict(zip(FIELD_NAMES, row[4:])),
                                             owner_id=row[1], deleted=row[2] is not None,
                                             modified_at=row[3])
        return out

    def find_by_email(self, session: Session, emails: Iterable[str]) -> dict[str, list[int]]:
        """Live contacts by normalised email -> ids (ascending); emails with no match left out."""
        wanted = sorted({e for e in (normalise_email(x) for x in emails) if e})
        out: dict[str, list[int]] = {}
        table = Contact.__table__
        for chunk in _chunks(wanted):
            # the recycle bin is left out here, not in SQL: with "deleted_at IS NULL" in the
            # query SQLite reads every live contact through the deleted_at index
            rows = session.execute(sa_select(table.c.email_normalised, table.c.id, table.c.deleted_at)
                                   .where(table.c.email_normalised.in_(chunk))
                                   .order_by(table.c.id))
            for email, record_id, deleted_at in rows:
                if deleted_at is None:
                    out.setdefault(email, []).append(record_id)
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
        rows: list[dict[str, Any]] = []
        slots: list[int | ValidationError] = []
        now = utcnow()
        for values in values_list:
            try:
                cleaned = {name: None for name in FIELD_NAMES} | clean(values)
                cleaned["email_opt_out"] = bool(cleaned["email_opt_out"])
                check_complete(cleaned)
            except ValidationError as exc:
                slots.append(exc)
                continue
            slots.append(len(rows))
            rows.append({**cleaned, "email_normalised": normalise_email(cleaned["email"]),
                         "owner_id": user.id, "created_at": now, "modified_at": now})
        ids: list[int] = []
        for chunk in _chunks(rows):
            ids.extend(_insert_rows(session, chunk))
        record_changes(session, MODULE, ids, "create", user.id)
        return [slot if isinstance(slot, ValidationError) else ids[slot] for slot in slots]

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
        columns = [table.c.id, table.c.deleted_at, *(table.c[name] for name in FIELD_NAMES)]
        for chunk in _chunks(sorted({record_id for record_id, _ in updates})):
            for row in session.execute(sa_select(*columns).where(table.c.id.in_(chunk))):
                current[row[0]] = dict(zip(FIELD_NAMES, row[2:]))
                if row[1] is not None:
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
            row = {**changed, "email_normalised": normalise_email(current[record_id]["email"]),
                   "modified_at": now, "_id": record_id}
            by_fields.setdefault(tuple(sorted(changed)), []).append(row)
        for fields, rows in by_fields.items():
            session.execute(update(table).where(table.c.id == bindparam("_id")).values(
                {name: bindparam(name) for name in (*fields, "email_normalised", "modified_at")}),
                rows)
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
