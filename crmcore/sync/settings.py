"""Sync settings of a connection: shown to its user, changed only by an admin.

Validated by ``schemas/sync-settings.schema.json`` before anything is saved. Directions are stored
as ``both``, ``to-remote`` and ``to-crm``; people type and read ``to-<connector>`` for the middle
one (``to-constant-contact``).
"""
from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from crmcore.errors import ValidationError
from crmcore.models import User, utcnow
from crmcore.schemas_loader import validate
from crmcore.sync.durations import frequency_span
from crmcore.sync.models import SyncSettings
from crmcore.users import require_admin

FIELDS = ("sync_records_from", "debug", "frequency", "direction", "modules", "conflict_policy")
# ``<module>_enabled`` (e.g. the 0.1 ``contacts_enabled``) is accepted for ``modules[<module>]``
_MODULE_FLAG = re.compile(r"^([a-z][a-z0-9_-]*)_enabled$")
MIN_FREQUENCY_MINUTES = 5


def load(session: Session, connection_id: int) -> SyncSettings:
    """The connection's settings, created with defaults on first use."""
    row = session.get(SyncSettings, connection_id)
    if row is None:
        row = SyncSettings(connection_id=connection_id)
        session.add(row)
        session.flush()
    return row


def direction_from_user(text: str, connector_name: str) -> str:
    if text in ("both", "to-crm", "to-remote"):
        return text
    if text == f"to-{connector_name}":
        return "to-remote"
    raise ValidationError(f"Unknown direction {text!r}.",
                          f"Use both, to-{connector_name} or to-crm.")


def direction_for_user(stored: str, connector_name: str) -> str:
    return f"to-{connector_name}" if stored == "to-remote" else stored


def module_enabled(row: SyncSettings | None, module: str) -> bool:
    """Whether the connection syncs ``module`` (a module its settings do not name: yes)."""
    return True if row is None else bool((row.modules or {}).get(module, True))


def as_dict(row: SyncSettings, connector_name: str, module: str | None = None) -> dict[str, Any]:
    """The settings as a person or a script reads them; with ``module`` (the connector's), also
    ``<module>_enabled``."""
    shown = {"sync_records_from": row.sync_records_from, "debug": row.debug,
             "frequency": row.frequency,
             "direction": direction_for_user(row.direction, connector_name),
             "modules": dict(row.modules or {}), "conflict_policy": row.conflict_policy}
    if module is not None:
        shown[f"{module}_enabled"] = module_enabled(row, module)
    return shown


def update(session: Session, actor: User, connection_id: int, connector_name: str,
           changes: dict[str, Any]) -> SyncSettings:
    """Apply ``changes`` (only the keys given) after validation; admin only."""
    require_admin(actor, "change sync settings")
    changes = {k: v for k, v in changes.items() if v is not None}
    for key in [k for k in changes if k not in FIELDS and _MODULE_FLAG.match(k)]:
        flags = dict(changes.get("modules") or {})
        flags[_MODULE_FLAG.match(key).group(1)] = changes.pop(key)
        changes["modules"] = flags
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError(f"Unknown sync settings: {', '.join(sorted(unknown))}.",
                              f"Known settings: {', '.join(FIELDS)}.")
    if "direction" in changes:
        changes["direction"] = direction_from_user(changes["direction"], connector_name)
    validate("sync-settings.schema.json", changes, "The sync settings",
             "See 'crm sync settings --help' for the accepted values.")
    span = frequency_span(changes["frequency"]) if "frequency" in changes else None
    if span is not None and span.total_seconds() < MIN_FREQUENCY_MINUTES * 60:
        raise ValidationError(f"A background sync every {changes['frequency']} is too often.",
                              f"Use {MIN_FREQUENCY_MINUTES}m or more.")
    row = load(session, connection_id)
    for key, value in changes.items():
        if key == "modules":  # the modules named change; the others keep their flag
            value = {**(row.modules or {}), **value}
        setattr(row, key, value)
    if "frequency" in changes:
        row.next_run_at = None  # due at once under the new frequency
    row.updated_at = utcnow()
    session.add(row)
    return row
