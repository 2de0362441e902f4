"""Sync settings of a connection: shown to its user, changed only by an admin.

Validated by ``schemas/sync-settings.schema.json`` before anything is saved. Directions are stored
as ``both``, ``to-remote`` and ``to-crm``; people type and read ``to-<connector>`` for the middle
one (``to-acme-mail`` for a connector named ``acme-mail``).
"""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from crmcore.errors import ValidationError
from crmcore.models import User, utcnow
from crmcore.schemas_loader import validate
from crmcore.sync.durations import frequency_span
from crmcore.sync.models import SyncSettings
from crmcore.users import require_admin

FIELDS = ("sync_records_from", "debug", "frequency", "direction", "contacts_enabled",
          "conflict_policy")
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
    """The stored direction (``both``, ``to-crm``, ``to-remote``) for what a person typed,
    ``to-<connector_name>`` included. Raises :class:`ValidationError` naming the accepted
    values."""
    if text in ("both", "to-crm", "to-remote"):
        return text
    if text == f"to-{connector_name}":
        return "to-remote"
    raise ValidationError(f"Unknown direction {text!r}.",
                          f"Use both, to-{connector_name} or to-crm.")


def direction_for_user(stored: str, connector_name: str) -> str:
    """The direction as a person reads it: ``to-remote`` shown as ``to-<connector_name>``."""
    return f"to-{connector_name}" if stored == "to-remote" else stored


def as_dict(row: SyncSettings, connector_name: str) -> dict[str, Any]:
    """A connection's sync settings as JSON-ready data, the direction as a person reads it."""
    return {"sync_records_from": row.sync_records_from, "debug": row.debug,
            "frequency": row.frequency,
            "direction": direction_for_user(row.direction, connector_name),
            "contacts_enabled": row.contacts_enabled, "conflict_policy": row.conflict_policy}


def update(session: Session, actor: User, connection_id: int, connector_name: str,
           changes: dict[str, Any]) -> SyncSettings:
    """Apply ``changes`` (only the keys given) after validation; admin only."""
    require_admin(actor, "change sync settings")
    changes = {k: v for k, v in changes.items() if v is not None}
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
        setattr(row, key, value)
    if "frequency" in changes:
        row.next_run_at = None  # due at once under the new frequency
    row.updated_at = utcnow()
    session.add(row)
    return row
