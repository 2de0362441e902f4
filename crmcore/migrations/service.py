"""What ``crm db`` does, as services: check the admin, back up a SQLite file, upgrade, stamp.

The admin check reads ``crm_user`` with plain SQL, not through the models, so it works on a
database whose schema is older than the code (the very case ``crm db upgrade`` exists for).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from crmcore.errors import NotFound, PermissionDenied
from crmcore.migrations import runner
from crmcore.migrations.status import remember_heads, status

if TYPE_CHECKING:
    from crmcore.app import CRM


def require_admin_named(crm: "CRM", name: str | None, action: str) -> str:
    """Refuse ``action`` unless ``name`` (None: the first admin) is an admin; returns the name.

    Raises :class:`NotFound` for an unknown user, :class:`PermissionDenied` for a non-admin.
    """
    with crm.engine.connect() as conn:
        if name:
            row = conn.execute(text("SELECT name, is_admin FROM crm_user WHERE name = :name"),
                               {"name": name}).first()
            if row is None:
                raise NotFound(f"No user named {name!r}.", "See 'crm users list'.")
        else:
            row = conn.execute(text("SELECT name, is_admin FROM crm_user WHERE is_admin = :yes "
                                    "ORDER BY id"), {"yes": True}).first()
            if row is None:
                raise NotFound("This CRM has no admin.", "Run 'crm init --admin NAME'.")
    if not row[1]:
        raise PermissionDenied(f"Only an admin can {action}; {row[0]!r} is not an admin.",
                               "Ask an admin to do it, or run the command as an admin with --as NAME.")
    return row[0]


def backup_sqlite(crm: "CRM", now: datetime | None = None) -> Path | None:
    """Copy a SQLite database file (online backup API: consistent even while in use) next to it,
    as ``<name>.backup-YYYYMMDD-HHMMSS<suffix>``; None for other databases or in-memory ones."""
    url = crm.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    source = Path(url.database)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    target = source.with_name(f"{source.stem}.backup-{stamp}{source.suffix}")
    n = 1
    while target.exists():
        n += 1
        target = source.with_name(f"{source.stem}.backup-{stamp}-{n}{source.suffix}")
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


@dataclass
class UpgradeResult:
    """What ``crm db upgrade`` did: the backup it made and the lineages it changed."""

    backup: Path | None = None
    changed: list[str] = field(default_factory=list)
    pending_before: dict[str, list[str]] = field(default_factory=dict)


def pending(crm: "CRM") -> dict[str, list[str]]:
    """Lineage -> revisions an upgrade would apply (a 0.1.0 database counts as pending)."""
    return {s.name: s.pending for s in status(crm)
            if s.pending and s.note != "not installed"}


def upgrade_database(crm: "CRM", progress: runner.Progress | None = None,
                     backup: bool = True) -> UpgradeResult:
    """Back up (SQLite) and upgrade every lineage to head; nothing at all when none is behind.
    The caller checks that the acting user is an admin (:func:`require_admin_named`)."""
    result = UpgradeResult(pending_before=pending(crm))
    if not result.pending_before:
        return result
    if backup:
        result.backup = backup_sqlite(crm)
    result.changed = runner.upgrade_all(crm, progress=progress)
    remember_heads(crm)  # the next command's schema check then needs no Alembic
    return result
