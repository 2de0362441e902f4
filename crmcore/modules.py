"""What a module declares: its tables, its record type and how the core reaches its records.

The sync engine and the generic commands know a module only through :class:`ModuleSpec` and its
:class:`RecordStore`, so another module (Leads, Organizations) can take part in a sync unchanged.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlmodel import Session, SQLModel

if TYPE_CHECKING:
    from crmcore.models import User

Values = dict[str, Any]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record type, as a sync mapping or an export refers to it."""

    name: str
    label: str
    type: str = "string"  # string | email | date | boolean | integer | text
    max_length: int | None = None
    mandatory: bool = False


@dataclass(frozen=True)
class RecordSnapshot:
    """A record as the sync sees it: its values, owner, and whether it sits in the recycle bin."""

    id: int
    values: Values
    owner_id: int | None
    deleted: bool
    modified_at: Any  # datetime


class RecordStore(Protocol):
    """The record access a module offers to the core (sync engine, generic commands).

    Every write must record a change through :func:`crmcore.changes.record_change` in the same
    session, so the change sequence stays complete.
    """

    def get_many(self, session: Session, ids: Iterable[int]) -> dict[int, RecordSnapshot]:
        """Records by id, recycle bin included; unknown ids are left out."""
        ...

    def find_by_email(self, session: Session, emails: Iterable[str]) -> dict[str, list[int]]:
        """Live records by normalised email (trimmed, case-folded) -> ids, for first matches."""
        ...

    def create(self, session: Session, values: Mapping[str, Any], user: "User") -> int:
        """Create a record owned by ``user``; raises ``ValidationError`` on bad values."""
        ...

    def create_many(self, session: Session, values_list: list[Mapping[str, Any]],
                    user: "User") -> list["int | Exception"]:
        """Create many records at once (a first sync brings thousands); returns, in order, each
        new id or the ``ValidationError`` that kept that one out. Optional: the engine falls back
        to ``create`` one by one when a store lacks it."""
        ...

    def create_many_returning(self, session: Session, values_list: list[Mapping[str, Any]],
                              user: "User") -> list["RecordSnapshot | Exception"]:
        """:meth:`create_many` that returns, in order, each new record's snapshot as stored
        (equal to what ``get_many`` would read back in the same session) instead of its id, or
        the ``ValidationError`` that kept that one out. The engine fingerprints a batch's new
        records from these, without reading them back (a plain id instead of a snapshot is read
        back). Optional: without it, or when a subclass overrides ``create_many`` below the
        class that defines it (see :func:`optional_method`), the engine calls ``create_many``
        (or ``create``) and reads the new records back with ``get_many``."""
        ...

    def update(self, session: Session, record_id: int, values: Mapping[str, Any], user: "User") -> None:
        """Change the given fields only (a restore too when the record is in the recycle bin)."""
        ...

    def update_many(self, session: Session, updates: list[tuple[int, Mapping[str, Any]]],
                    user: "User") -> list["Exception | None"]:
        """:meth:`update` for many ``(record id, values)`` pairs at once (a first sync merges
        thousands); returns, in order, None for each applied or the ``NotFound`` or
        ``ValidationError`` that kept that one out (nothing of it written). Optional: the engine
        falls back to ``update`` one by one when a store lacks it."""
        ...

    def delete(self, session: Session, record_id: int, user: "User") -> None:
        """Move to the recycle bin; the tombstone stays readable through ``get_many``."""
        ...

    def restore(self, session: Session, record_id: int, user: "User") -> None:
        """Take a record out of the recycle bin."""
        ...

    def display_name(self, values: Mapping[str, Any]) -> str:
        """What a person calls this record in a log line."""
        ...


OPTIONAL_METHODS = ("create_many", "create_many_returning", "update_many")


def optional_method(store: Any, name: str) -> Any:
    """The bound optional :class:`RecordStore` method ``name`` of ``store`` (one of
    :data:`OPTIONAL_METHODS`), or None when the store lacks it: when it has no such attribute,
    or only inherits the protocol's empty body (a store written as ``class S(RecordStore)``).

    ``create_many_returning`` also counts as missing when the store's class overrides
    ``create_many`` below the class that defines ``create_many_returning`` (a subclass of a
    module's store that changes how records are created): the engine then calls that
    ``create_many``, as it did before the store had ``create_many_returning``."""
    if name not in OPTIONAL_METHODS:
        raise ValueError(f"{name!r} is not an optional RecordStore method")
    method = getattr(store, name, None)
    kind = type(store)
    if method is None or _defined_in(kind, name) is RecordStore:
        return None
    if name == "create_many_returning":
        returning, create_many = _defined_in(kind, name), _defined_in(kind, "create_many")
        if (returning is not None and create_many not in (None, RecordStore)
                and not issubclass(returning, create_many)):
            return None
    return method


def _defined_in(kind: type, name: str) -> type | None:
    """The first class of ``kind``'s method resolution order whose own namespace has ``name``
    (None: none has, as for an attribute set on the instance)."""
    return next((cls for cls in kind.__mro__ if name in vars(cls)), None)


@dataclass
class ModuleSpec:
    """A module's declaration, passed to the ``register`` callback of ``crm_register_modules``."""

    name: str
    label: str
    tables: list[type[SQLModel]]
    fields: list[FieldSpec]
    records: RecordStore | None = None
    extension: str | None = None  # the extension that installs it; defaults to ``name``
    mandatory_fields: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.mandatory_fields:
            self.mandatory_fields = tuple(f.name for f in self.fields if f.mandatory)
        if self.extension is None:
            self.extension = self.name

    def field(self, name: str) -> FieldSpec:
        """The field spec called ``name``. Raises ``KeyError`` when the module has none."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)
