"""Where each lineage stands: ``crm db status``, and the check every command makes first."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from crmcore.migrations.headcache import HeadCache
from crmcore.migrations.lineage import (CORE, CORE_VERSIONS, VERSION_TABLE_PREFIX, Lineage,
                                        version_table_name)
from crmcore.migrations.runner import (UPGRADE_HINT, MigrationError, SchemaOutOfDate,
                                       needs_adoption, script_facts, core_lineage,
                                       current_revisions, dependency_order, extension_lineages,
                                       installed_names, pending_revisions)

if TYPE_CHECKING:
    from crmcore.app import CRM


@dataclass
class LineageStatus:
    """One lineage as ``crm db status`` shows it."""

    name: str
    current: tuple[str, ...]
    head: str | None
    pending: list[str] = field(default_factory=list)
    note: str = ""  # "not installed", "package not installed", "0.1.0 database, not versioned"

    @property
    def up_to_date(self) -> bool:
        """True when no revision is pending and the database's revision is one the code knows."""
        return not self.pending and not self.note.startswith("unknown")

    def as_dict(self) -> dict:
        """The status as JSON-ready data (``crm db status --json``)."""
        return {"lineage": self.name, "current": list(self.current), "head": self.head,
                "pending": list(self.pending), "up_to_date": self.up_to_date, "note": self.note}


def status(crm: "CRM") -> list[LineageStatus]:
    """Every lineage the database has or the code offers: current, head and pending revisions."""
    lineages = extension_lineages(crm)
    out: list[LineageStatus] = []
    with crm.engine.connect() as conn:
        installed = installed_names(conn)
        tables = set(inspect(conn).get_table_names())
        plan = [core_lineage(), *(lineages[n] for n in dependency_order(crm, list(lineages)))]
        for lineage in plan:
            current = current_revisions(conn, lineage)
            head = script_facts(lineage.folder)[0]
            entry = LineageStatus(lineage.name, current, head)
            try:
                if lineage.name != CORE and lineage.name not in installed and not current:
                    entry.note = "not installed"
                else:
                    entry.pending = pending_revisions(lineage, current)
                    if not current and needs_adoption(conn, lineage, installed):
                        entry.note = "made before migrations (0.1.0): not versioned yet"
            except MigrationError as exc:
                entry.note = "unknown revision: " + exc.message
            out.append(entry)
        known = {version_table_name(s.name) for s in out}
        for table in sorted(tables):
            if table.startswith(VERSION_TABLE_PREFIX) and table not in known:
                name = table[len(VERSION_TABLE_PREFIX):]
                current = tuple(r[0] for r in conn.execute(text(f'SELECT version_num FROM "{table}"')))
                if current:
                    out.append(LineageStatus(name, current, None,
                                             note="package not installed: cannot upgrade it"))
    return out


def require_current(crm: "CRM") -> None:
    """Raise :class:`SchemaOutOfDate` when the core or an installed extension has revisions
    pending (or the database predates migrations), or :class:`MigrationError` as
    :func:`pending_revisions` does. One connection, a few small queries. A lineage at the head
    Alembic found before for the very same revision files (:class:`HeadCache`, in
    ``<CRM_HOME>/cache/lineage-heads``) needs no Alembic; any other case is worked out by Alembic
    from the revision files, read once per process, and a head it confirms is recorded."""
    behind: list[str] = []
    lineages = extension_lineages(crm)
    heads = HeadCache(crm.settings.home)
    with crm.engine.connect() as conn:
        # The core's versions only: its table names (which import every core model) are not needed.
        core = Lineage(CORE, CORE_VERSIONS)
        for lineage in [core, *(lineages[n] for n in installed_names(conn) if n in lineages)]:
            current = current_revisions(conn, lineage)
            if current and current == (heads.get(lineage.folder),):
                continue
            pending = pending_revisions(lineage, current)
            if pending:
                behind.append(f"{lineage.name}: {len(pending)} revision(s) pending"
                              + ("" if current else " (not versioned yet)"))
            elif current and current == (head := script_facts(lineage.folder)[0],):
                heads.put(lineage.folder, head)
    heads.save()
    if behind:
        raise SchemaOutOfDate("This database's schema is older than the installed CRM ("
                              + "; ".join(behind) + ").", UPGRADE_HINT)


def remember_heads(crm: "CRM") -> None:
    """Record the head of every lineage now at its head in the cache :func:`require_current`
    reads, so the next command needs no Alembic. For the end of an install or an upgrade,
    which have Alembic and the revision files loaded already (the first command after one found
    the cache cold and loaded them again: a third of a second). Only a cache: a lineage behind
    or unknown is left to the next command's check, which reports it."""
    try:
        require_current(crm)
    except MigrationError:
        pass
