"""The CRM writes a batch decides, as typed operations (applied at the batch's commit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class CrmUpdate:
    """Set ``values`` (CRM field -> value, only the fields that change) on a live record."""

    record_id: int
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CrmRestore:
    """Bring a record back from the recycle bin, then set ``values`` (may be empty)."""

    record_id: int
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CrmDelete:
    """Move a record to the recycle bin."""

    record_id: int

    @property
    def values(self) -> dict[str, Any]:
        return {}


CrmOp = Union[CrmUpdate, CrmRestore, CrmDelete]
