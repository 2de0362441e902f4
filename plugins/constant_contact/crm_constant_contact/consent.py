"""The consent rule as a mapping transform: Constant Contact owns ``permission_to_send``.

CRM "email opt out" <-> ``permission_to_send``:

* to the CRM: ``unsubscribed`` sets the opt-out; any other permission clears it.
* to Constant Contact: an opt-out sends ``unsubscribed``; no opt-out sends nothing at all, so the
  CRM never resubscribes anyone (only the contact can, through Constant Contact's own flow).
"""
from __future__ import annotations

from typing import Any

from crmcore.api import OMIT, Transform

UNSUBSCRIBED = "unsubscribed"


class OptOutPermission(Transform):
    """The opt-out <-> ``permission_to_send`` transform the module docstring describes."""
    name = "opt-out-permission"
    crm_types = ("boolean",)
    remote_types = ("string",)

    def to_remote(self, value: Any):
        return (UNSUBSCRIBED,) if value else OMIT

    def to_crm(self, values: tuple[Any, ...], current: Any = None) -> bool:
        return values[0] == UNSUBSCRIBED

    def key_from_crm(self, value: Any) -> bool:
        return bool(value)

    def key_from_remote(self, values: tuple[Any, ...]) -> bool:
        return values[0] == UNSUBSCRIBED
