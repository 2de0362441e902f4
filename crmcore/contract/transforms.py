"""Mapping transforms: named, reversible conversions between one CRM field and remote fields.

The ground floor of the sync: the engine's :mod:`crmcore.sync.mapping` applies them, and a
connector may declare more in its ``transforms`` class attribute (``dict[str, Transform]``).
A transform raises :class:`MappingSkip` (its message is the reason a person reads) for a value it
cannot map, and answers :data:`OMIT` from ``to_remote`` to leave the remote field as it is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcore.modules import FieldSpec

YEARLESS_YEAR = 1904  # the year of a birthday known only by month and day (a leap year)


class _Omit:
    """A transform's answer meaning "leave the remote field as it is" (consent never resubscribes)."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT = _Omit()


class MappingSkip(Exception):
    """Raised by a transform when a value cannot be mapped; the message is the skip reason."""


@dataclass
class Mapped:
    """The result of mapping one record: ``values`` to write, or the ``skip_reason``; exactly one is
    set. ``warnings``: optional fields left out of the write (each a sentence for the Sync Log)."""

    values: dict[str, Any] | None
    skip_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # CRM fields of the remote fields left out

    def __post_init__(self) -> None:
        if (self.values is None) == (self.skip_reason is None):
            raise ValueError("Mapped needs exactly one of values and skip_reason")

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None


def normalise(value: Any) -> Any:
    """The comparable form of a single value: None for empty, stripped strings, ISO dates."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


# ----------------------------------------------------------------------------------------------
# Transforms
# ----------------------------------------------------------------------------------------------


class Transform:
    """A named, reversible conversion between one CRM field and ``remote_arity`` remote fields.

    ``crm_types``/``remote_types`` list the :class:`FieldSpec` types it accepts (None: any).
    ``key_from_crm`` and ``key_from_remote`` must agree exactly when both sides hold the same state.
    """

    name = "identity"
    remote_arity = 1
    crm_types: tuple[str, ...] | None = None
    remote_types: tuple[str, ...] | None = None

    def to_remote(self, value: Any) -> tuple[Any, ...] | _Omit:
        return (normalise(value),)

    def to_crm(self, values: tuple[Any, ...], current: Any = None) -> Any:
        return normalise(values[0])

    def key_from_crm(self, value: Any) -> Any:
        return normalise(value)

    def key_from_remote(self, values: tuple[Any, ...]) -> Any:
        return normalise(values[0])


class Identity(Transform):
    """The value as it is (strings stripped, empty as None); both sides must be of one kind."""

    TEXT = ("string", "email", "text", "phone", "url")

    def compatible(self, crm: "FieldSpec", remote: "FieldSpec") -> bool:
        def kind(t: str) -> str:
            return "text" if t in self.TEXT else t
        return kind(crm.type) == kind(remote.type)


class DateIso(Transform):
    """A CRM date <-> a remote ``YYYY-MM-DD`` string."""

    name = "date-iso"
    crm_types = ("date",)
    remote_types = ("string", "text")

    def to_remote(self, value: Any) -> tuple[Any, ...]:
        return (value.isoformat() if isinstance(value, date) else normalise(value),)

    def to_crm(self, values: tuple[Any, ...], current: Any = None) -> Any:
        raw = normalise(values[0])
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except (TypeError, ValueError):
            raise MappingSkip(f"{raw!r} is not a date (YYYY-MM-DD)") from None


class DateMonthDay(Transform):
    """A CRM date <-> remote (month, day); the year stays on the CRM side (see the module notes)."""

    name = "date-month-day"
    remote_arity = 2
    crm_types = ("date",)
    remote_types = ("integer", "string")

    def to_remote(self, value: Any) -> tuple[Any, ...]:
        if not isinstance(value, date):
            return (None, None)
        return (value.month, value.day)

    def to_crm(self, values: tuple[Any, ...], current: Any = None) -> Any:
        month, day = self._ints(values)
        if month is None or day is None:
            return None
        if isinstance(current, date) and (current.month, current.day) == (month, day):
            return current
        year = current.year if isinstance(current, date) else YEARLESS_YEAR
        for candidate in (year, YEARLESS_YEAR):
            try:
                return date(candidate, month, day)
            except ValueError:
                continue
        raise MappingSkip(f"{month}/{day} is not a valid month/day")

    def key_from_crm(self, value: Any) -> Any:
        return [value.month, value.day] if isinstance(value, date) else None

    def key_from_remote(self, values: tuple[Any, ...]) -> Any:
        month, day = self._ints(values)
        return [month, day] if month is not None and day is not None else None

    @staticmethod
    def _ints(values: tuple[Any, ...]) -> tuple[int | None, int | None]:
        out = []
        for value in values:
            value = normalise(value)
            try:
                out.append(int(value) if value is not None else None)
            except (TypeError, ValueError):
                out.append(None)
        return out[0], out[1]


class BooleanText(Transform):
    """A CRM boolean <-> a remote ``"true"``/``"false"`` string (for text-only custom fields)."""

    name = "boolean-text"
    crm_types = ("boolean",)
    remote_types = ("string", "text")

    def to_remote(self, value: Any) -> tuple[Any, ...]:
        return ("true" if value else "false",)

    def to_crm(self, values: tuple[Any, ...], current: Any = None) -> Any:
        return str(normalise(values[0]) or "").lower() in ("true", "yes", "1", "y")

    def key_from_crm(self, value: Any) -> Any:
        return bool(value)

    def key_from_remote(self, values: tuple[Any, ...]) -> Any:
        return self.to_crm(values)


BUILTIN_TRANSFORMS: dict[str, Transform] = {
    t.name: t for t in (Identity(), DateIso(), DateMonthDay(), BooleanText())}
