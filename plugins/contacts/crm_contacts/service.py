"""What the commands do: add, show, list and search, update, delete and restore, with ownership.

Every function takes an open session and the acting user; the caller's transaction commits. Any
user may read and change any contact (a shared address book, like a CRM's default sharing); each
contact records its owner (the user who added it) and every change records who made it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, or_
from sqlmodel import Session, select

from crmcore.api import CrmError, NotFound, ValidationError
from crmcore.api import require_installed
from crmcore.api import User
from crmcore.api import get_user
from crm_contacts import MODULE
from crm_contacts.models import NAME_ORDER, Contact
from crm_contacts.records import ContactStore, values_of

STORE = ContactStore()
SEARCHED = (Contact.first_name, Contact.last_name, Contact.email, Contact.secondary_email,
            Contact.organization, Contact.office_phone, Contact.mobile_phone, Contact.home_phone,
            Contact.title, Contact.mailing_city)


def require_contacts(session: Session) -> None:
    """Refuse politely when the contacts extension is not installed."""
    require_installed(session, MODULE)


def as_dict(contact: Contact, owner: str | None) -> dict[str, Any]:
    """A contact for printing: id, every field, owner name, times and the recycle-bin state."""
    return {"id": contact.id, **values_of(contact), "owner": owner,
            "created_at": contact.created_at, "modified_at": contact.modified_at,
            "deleted": contact.deleted_at is not None, "deleted_at": contact.deleted_at}


def _owner_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.name).where(User.id.in_(wanted))).all())


def show(session: Session, record_id: int) -> dict[str, Any]:
    """Contact ``record_id`` as JSON-ready data, with its owner's name. Raises :class:`NotFound`
    when there is none."""
    contact = STORE.get(session, record_id)
    return as_dict(contact, _owner_names(session, [contact.owner_id]).get(contact.owner_id))


def add(session: Session, user: User, values: Mapping[str, Any]) -> dict[str, Any]:
    """Create a contact owned by ``user`` from ``values`` and return it as :func:`show` does.
    Raises :class:`ValidationError` for a value the field refuses."""
    return show(session, STORE.create(session, values, user))


def update(session: Session, user: User, record_id: int,
           values: Mapping[str, Any]) -> dict[str, Any]:
    """Change the given fields (None clears one); refuses a contact in the recycle bin."""
    if not values:
        raise ValidationError("Nothing to change.",
                              "Give at least one field option or --clear FIELD; see "
                              "'crm contacts update --help'.")
    if STORE.get(session, record_id).deleted_at is not None:
        raise CrmError(f"Contact {record_id} is in the recycle bin.",
                       f"Restore it first with 'crm contacts restore {record_id}'.")
    STORE.update(session, record_id, values, user)
    return show(session, record_id)


@dataclass
class Outcome:
    """What a delete or restore did to one contact: id, name, and whether it changed (False: it
    already was so)."""
    id: int
    name: str
    changed: bool


def _each(session: Session, ids: Iterable[int]) -> list[Contact]:
    """The contacts ``ids`` name, all of them or NotFound before anything changes."""
    ids = list(dict.fromkeys(ids))
    found = {c.id: c for c in session.exec(select(Contact).where(Contact.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No contact with ID {', '.join(map(str, missing))}; nothing was changed.",
                       "See 'crm contacts list' (add --deleted for the recycle bin).")
    return [found[i] for i in ids]


def delete(session: Session, user: User, ids: Iterable[int]) -> list[Outcome]:
    """Move contacts to the recycle bin; ``changed`` False for those already there."""
    out = []
    for contact in _each(session, ids):
        was_live = contact.deleted_at is None
        STORE.delete(session, contact.id, user)
        out.append(Outcome(contact.id, STORE.display_name(values_of(contact)), was_live))
    return out


def restore(session: Session, user: User, ids: Iterable[int]) -> list[Outcome]:
    """Take contacts out of the recycle bin; ``changed`` False for those that were not in it."""
    out = []
    for contact in _each(session, ids):
        was_deleted = contact.deleted_at is not None
        STORE.restore(session, contact.id, user)
        out.append(Outcome(contact.id, STORE.display_name(values_of(contact)), was_deleted))
    return out


def list_contacts(session: Session, user: User, *, deleted: bool = False, search: str | None = None,
                  owner: str | None = None, mine: bool = False,
                  limit: int | None = None, offset: int = 0,
                  count_limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Contacts (the recycle bin when ``deleted``) matching every filter, by name; and the total.
    ``offset`` skips that many of them first (paging); with ``count_limit`` the total stops
    counting past it (it is then ``count_limit + 1``: "more than"), so a broad search stays fast."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if deleted:
        query = select(Contact).where(Contact.deleted_at.is_not(None))
    elif sqlite:  # "+col": keeps SQLite's planner off the deleted_at index, on the name order
        query = select(Contact).where(literal_column(f"+{Contact.__tablename__}.deleted_at").is_(None))
    else:
        query = select(Contact).where(Contact.deleted_at.is_(None))
    if mine:
        query = query.where(Contact.owner_id == user.id)
    if owner:
        query = query.where(Contact.owner_id == get_user(session, owner).id)
    for term in (search or "").split():
        # SQLite's LIKE already ignores ASCII case (its lower() folds nothing more), so it needs
        # no lower() per row; elsewhere compare lowered text
        query = query.where(or_(*((col.contains(term, autoescape=True) if sqlite
                                   else col.icontains(term, autoescape=True)) for col in SEARCHED)))
    counted = query if count_limit is None else query.limit(count_limit + 1)
    total = session.exec(select(func.count()).select_from(counted.subquery())).one()
    # a deferred join: the page's ids first (from the index when not searching), then their rows.
    # A search on SQLite reads the table in one pass and sorts the matches: walking the name
    # index would fetch every row out of order, several times slower for a rare word.
    order = NAME_ORDER
    if search and sqlite:
        order = tuple(expr.op("||")(literal_column("''")) if i < 2 else expr
                      for i, expr in enumerate(NAME_ORDER))
    ids_query = query.with_only_columns(Contact.id).order_by(*order)
    if limit is not None:
        ids_query = ids_query.limit(limit)
    if offset:
        ids_query = ids_query.offset(offset)
    ids = list(session.exec(ids_query))
    found: dict[int, Contact] = {}
    for start in range(0, len(ids), 500):  # bounded IN lists, whatever the limit
        chunk = ids[start:start + 500]
        found.update((c.id, c) for c in session.exec(select(Contact).where(Contact.id.in_(chunk))))
    contacts = [found[i] for i in ids]
    names = _owner_names(session, [c.owner_id for c in contacts])
    return [as_dict(c, names.get(c.owner_id)) for c in contacts], total
