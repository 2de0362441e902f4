"""Upgrade, downgrade and stamp the lineages of a CRM's database, core first.

Upgrades run the core first, then the installed extensions in dependency order. A database made
before migrations existed (release 0.1.0 created its tables directly and has no version tables) is
recognised and *adopted*: each lineage whose tables are already there is stamped at its first
revision (which reproduces that schema), then upgraded like any other.

Each lineage migrates in one transaction, DDL included (on SQLite too, see
:func:`migration_connection`): a revision that fails leaves its lineage as it was. On SQLite,
foreign keys are off while a lineage migrates (batch mode copies tables, which would otherwise
trip them) and ``PRAGMA foreign_key_check`` must come back clean before the lineage commits.

Alembic is imported only where revisions are read or run: checking that a schema is current
(:mod:`crmcore.migrations.status`) reads the version tables with plain SQL.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from crmcore.errors import CrmError
from crmcore.migrations.lineage import CORE, CORE_VERSIONS, Lineage, Migrations

if TYPE_CHECKING:
    from crmcore.app import CRM

#: ``progress(lineage_name, line)`` receives one line per revision applied.
Progress = Callable[[str, str], None]

UPGRADE_HINT = ("An admin runs 'crm db upgrade' (a SQLite database is backed up first); "
                "'crm db status' shows what is pending.")


class MigrationError(CrmError):
    """A lineage could not be migrated, or the database is not at the revisions the code needs."""


class SchemaOutOfDate(MigrationError):
    """The database's schema is older than the installed code: ``crm db upgrade`` is needed."""


def core_lineage() -> Lineage:
    """The core's lineage: its tables are every core table."""
    from crmcore.models import core_metadata_tables

    return Lineage(CORE, CORE_VERSIONS, frozenset(t.name for t in core_metadata_tables()))


def extension_lineages(crm: "CRM") -> dict[str, Lineage]:
    """Every available extension that ships migrations (``crm_migrations``), by extension name."""
    from crmcore.extensions.store import available

    found: dict[str, Lineage] = {}
    for name, source in available(crm).items():
        answers = [f for f in crm.plugins.call_for(source.plugin, "crm_migrations") if f]
        if not answers:
            continue
        extra: frozenset[str] = frozenset()
        if isinstance(answers[0], Migrations):
            extra = frozenset(model.__table__.name for model in answers[0].tables)
            folder = Path(answers[0].folder)
        else:
            folder = Path(answers[0])
        if not folder.is_dir():
            raise MigrationError(f"The migrations folder of {name!r} ({folder}) does not exist.",
                                 f"Reinstall the package {source.plugin_name!r}.")
        tables = extra | frozenset(model.__table__.name for info in crm.plugins.modules.values()
                                   if info.spec.extension == name for model in info.spec.tables)
        if name == CORE:
            raise MigrationError(f"The plugin {source.plugin_name!r} names its extension 'core', "
                                 "which is the core's lineage.", "Its authors must rename it.")
        found[name] = Lineage(name, folder, tables, source.plugin)
    return found


def installed_names(conn: Connection) -> list[str]:
    """Extensions recorded as installed, read with plain SQL (works on any schema version)."""
    if not inspect(conn).has_table("crm_extension"):
        return []
    return [row[0] for row in conn.execute(text("SELECT name FROM crm_extension ORDER BY name"))]


def dependency_order(crm: "CRM", names: list[str]) -> list[str]:
    """``names`` with each extension after the ones it depends on (unknown ones last, by name)."""
    from crmcore.extensions.store import available

    offer = available(crm)
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered or name not in names:
            return
        for dep in offer[name].manifest.depends if name in offer else ():
            visit(dep)
        ordered.append(name)

    for name in sorted(names):
        visit(name)
    return ordered


def upgrade_plan(crm: "CRM", conn: Connection) -> list[Lineage]:
    """The lineages an upgrade runs, in order: the core, then installed extensions that ship
    migrations, dependencies first."""
    lineages = extension_lineages(crm)
    names = dependency_order(crm, [n for n in installed_names(conn) if n in lineages])
    return [core_lineage(), *(lineages[n] for n in names)]


# -- reading versions ------------------------------------------------------------------------------


def current_revisions(conn: Connection, lineage: Lineage) -> tuple[str, ...]:
    """The revisions recorded in the lineage's version table; () when it has none."""
    if not inspect(conn).has_table(lineage.version_table):
        return ()
    rows = conn.execute(text(f'SELECT version_num FROM "{lineage.version_table}"'))
    return tuple(sorted(row[0] for row in rows))


@lru_cache(maxsize=64)
def script_facts(folder: Path) -> tuple[str | None, frozenset[str], dict[str, str]]:
    """(head, every revision id, doc of each) of a folder, read once per process."""
    lineage = Lineage("x", folder)
    script = lineage.script()
    heads = script.get_heads()
    if len(heads) > 1:
        raise MigrationError(f"The migrations in {folder} have {len(heads)} heads: {heads}.",
                             "Their authors must merge them into one (alembic merge).")
    revs = {s.revision: (s.doc or "").strip() for s in script.walk_revisions()}
    return (heads[0] if heads else None), frozenset(revs), revs


def pending_revisions(lineage: Lineage, current: tuple[str, ...]) -> list[str]:
    """Revisions between ``current`` and head, oldest first. Raises :class:`MigrationError` when
    ``current`` is a revision this code does not know (the database is newer than the code)."""
    head, known, _docs = script_facts(lineage.folder)
    unknown = [r for r in current if r not in known]
    if unknown:
        raise MigrationError(
            f"The database is at revision {unknown[0]!r} of {lineage.name!r}, which this "
            "installation does not know: it was upgraded by a newer version.",
            f"Upgrade the package that provides {lineage.name!r}, then run 'crm db status'.")
    if head is None or current == (head,):
        return []  # the common case, without reading the revision graph again
    script = lineage.script()
    lower = current[0] if current else "base"
    revs = [s.revision for s in script.iterate_revisions(head, lower)]
    return [r for r in reversed(revs) if r not in current]


def needs_adoption(conn: Connection, lineage: Lineage, installed: list[str]) -> bool:
    """No version yet, but the lineage's schema is there already (a database made by 0.1.0)."""
    if current_revisions(conn, lineage):
        return False
    if lineage.name == CORE:
        return inspect(conn).has_table("crm_user")
    if not lineage.tables:  # nothing to look at: installed means its first revision is there
        return lineage.name in installed
    return bool(lineage.tables & set(inspect(conn).get_table_names()))


# -- changing versions -----------------------------------------------------------------------------


def _sqlite_migration_engine(engine: Engine) -> Engine | None:
    """A second engine on the same SQLite file whose transactions hold DDL too, with foreign keys
    off; None for an in-memory database (a second engine would not see it).

    Python's sqlite3 module commits before DDL on its own; with ``isolation_level = None`` and an
    explicit ``BEGIN IMMEDIATE`` (which also takes the write lock at once), a failed revision
    rolls back entirely, table copies included."""
    from sqlalchemy import event

    from crmcore.db import make_engine

    if not engine.url.database or engine.url.database == ":memory:":
        return None
    migrating = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(migrating, "connect")
    def _own_transactions(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or it is ignored

    @event.listens_for(migrating, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return migrating


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for one lineage. On SQLite the transaction holds the DDL
    too, foreign keys are off while it runs (batch mode copies tables) and
    ``PRAGMA foreign_key_check`` must come back clean before it commits."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    migrating = _sqlite_migration_engine(engine) or engine
    try:
        with migrating.begin() as conn:
            yield conn
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise MigrationError(
                    f"The migration left {len(broken)} row(s) pointing at missing rows (first: "
                    f"table {broken[0][0]!r}, row {broken[0][1]}); it was rolled back.",
                    "Report it to the authors of the revision; the database is as it was.")
    finally:
        if migrating is not engine:
            migrating.dispose()


def _progress_hook(lineage: Lineage, progress: Progress | None):
    if progress is None:
        return None
    docs = script_facts(lineage.folder)[2]

    def on_version_apply(ctx, step, heads, run_args) -> None:
        if step.is_upgrade:
            before = ", ".join(step.source_revision_ids) or "base"
            after = ", ".join(step.destination_revision_ids)
        else:
            before = ", ".join(step.source_revision_ids)
            after = ", ".join(step.destination_revision_ids) or "base"
        rev = step.up_revision_id
        verb = "stamped" if step.is_stamp else ("upgraded" if step.is_upgrade else "downgraded")
        progress(lineage.name, f"{lineage.name}: {verb} {before} -> {after}"
                 + (f" ({docs.get(rev, '')})" if docs.get(rev) and not step.is_stamp else ""))

    return on_version_apply


def _run(conn: Connection, lineage: Lineage, action: str, target: str,
         progress: Progress | None) -> None:
    from alembic import command
    from alembic.util import CommandError

    cfg = lineage.config()
    cfg.attributes["connection"] = conn
    cfg.attributes["on_version_apply"] = _progress_hook(lineage, progress)
    try:
        getattr(command, action)(cfg, target)
    except CommandError as exc:
        raise MigrationError(f"Migrating {lineage.name!r} ({action} {target}) failed: {exc}",
                             "Run 'crm db status'; report it to the lineage's authors if the "
                             "revisions are at fault.") from None


def upgrade_lineage(engine: Engine, lineage: Lineage, target: str = "head",
                    progress: Progress | None = None, installed: list[str] | None = None) -> bool:
    """Upgrade one lineage to ``target``, adopting a 0.1.0 schema first; True when anything ran."""
    with migration_connection(engine) as conn:
        names = installed if installed is not None else installed_names(conn)
        before = current_revisions(conn, lineage)
        if needs_adoption(conn, lineage, names):
            _run(conn, lineage, "stamp", lineage.first(), progress)
        _run(conn, lineage, "upgrade", target, progress)
        return current_revisions(conn, lineage) != before


def upgrade_all(crm: "CRM", progress: Progress | None = None,
                engine: Engine | None = None) -> list[str]:
    """Upgrade the core, then every installed extension that ships migrations, dependencies
    first; returns the names of the lineages that changed. ``engine`` (default: the CRM's)
    lets a dry run work on a copy."""
    engine = engine or crm.engine
    with engine.connect() as conn:
        plan = upgrade_plan(crm, conn)
        installed = installed_names(conn)
    return [lineage.name for lineage in plan
            if upgrade_lineage(engine, lineage, progress=progress, installed=installed)]


def downgrade_lineage(engine: Engine, lineage: Lineage, target: str = "base",
                      progress: Progress | None = None) -> bool:
    """Downgrade one lineage; to ``base`` also drops its version table (as if never installed).
    Returns False, doing nothing, when the lineage has no version recorded."""
    with migration_connection(engine) as conn:
        if not current_revisions(conn, lineage):
            return False
        _run(conn, lineage, "downgrade", target, progress)
        if target == "base":
            conn.execute(text(f'DROP TABLE "{lineage.version_table}"'))
    return True


def stamp_lineage(engine: Engine, lineage: Lineage, revision: str,
                  progress: Progress | None = None) -> None:
    """Record ``revision`` (or ``head``/``base``) as current without running anything: recovery
    after a schema was fixed by hand."""
    with migration_connection(engine) as conn:
        _run(conn, lineage, "stamp", revision, progress)


def lineage_named(crm: "CRM", name: str) -> Lineage:
    """The core's lineage or an available extension's, by name."""
    if name == CORE:
        return core_lineage()
    lineages = extension_lineages(crm)
    if name not in lineages:
        raise MigrationError(f"No lineage named {name!r}: no available extension of that name "
                             "ships migrations.", "See 'crm db status' for the lineages.")
    return lineages[name]


__all__ = ["Lineage", "MigrationError", "SchemaOutOfDate", "core_lineage", "extension_lineages",
           "upgrade_all", "upgrade_lineage", "downgrade_lineage", "stamp_lineage", "lineage_named",
           "current_revisions", "pending_revisions", "installed_names", "dependency_order",
           "upgrade_plan", "needs_adoption", "script_facts", "migration_connection"]
