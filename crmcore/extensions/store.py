"""The extension store: what is available, what is installed, install and uninstall in order.

The lifecycle is recorded: an extension is installed exactly when its ``crm_extension`` row exists.
Each extension installs in its own transaction (tables, its install step, the row); when anything
fails the tables it created are dropped again, so a rerun starts clean. Dependencies install first
and uninstall last.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from crmcore.app import CRM
from crmcore.errors import CrmError, NotFound, ValidationError
from crmcore.extensions.context import ExtensionContext
from crmcore.extensions.manifest import Manifest, parse_manifest
from crmcore.models import InstalledExtension, User
from crmcore.startcache import cache_record
from crmcore.users import require_admin


@dataclass(frozen=True)
class Available:
    """An extension some installed plugin package offers: its manifest and the plugin behind it."""
    manifest: Manifest
    plugin: object
    plugin_name: str


@dataclass(frozen=True)
class ExtensionStatus:
    """An extension as the Extension Store lists it: manifest fields, installed version (``None``
    when not installed) and plugin name."""
    name: str
    version: str
    summary: str
    depends: tuple[str, ...]
    category: str
    installed_version: str | None
    plugin: str | None

    @property
    def installed(self) -> bool:
        """Whether the extension is installed in this CRM."""
        return self.installed_version is not None

    def as_dict(self) -> dict:
        """The status as JSON-ready data (``crm extensions list --json``)."""
        return {"name": self.name, "version": self.version, "summary": self.summary,
                "depends": list(self.depends), "category": self.category,
                "installed": self.installed, "installed_version": self.installed_version,
                "plugin": self.plugin}


def available(crm: CRM) -> dict[str, Available]:
    """Every extension the installed plugin packages offer, by name. Raises :class:`PluginError`
    for an invalid manifest or two plugins offering one name. A manifest whose exact content was
    valid before is not validated again (recorded in ``<CRM_HOME>/cache/valid-manifests``)."""
    found: dict[str, Available] = {}
    validated = cache_record(crm.settings.home, "valid-manifests")
    for plugin, raw in crm.plugins.manifests():
        plugin_name = crm.plugins.plugin_name(plugin)
        manifest = parse_manifest(raw, plugin_name, validated)
        if manifest.name in found:
            raise CrmError(f"Extension {manifest.name!r} is offered by both "
                           f"{found[manifest.name].plugin_name!r} and {plugin_name!r}.",
                           "Uninstall one of the two packages.")
        found[manifest.name] = Available(manifest, plugin, plugin_name)
    validated.save()
    return found


def installed(session: Session) -> dict[str, InstalledExtension]:
    """The extensions installed in this CRM's database, by name."""
    return {row.name: row for row in session.exec(select(InstalledExtension))}


def is_installed(session: Session, name: str) -> bool:
    """Whether extension ``name`` is installed in this CRM's database."""
    return session.get(InstalledExtension, name) is not None


def require_installed(session: Session, name: str) -> None:
    """Refuse politely when a command needs an extension that is not installed."""
    if not is_installed(session, name):
        raise CrmError(f"The {name!r} extension is not installed.",
                       f"An admin installs it with 'crm extensions install {name}'.")


def statuses(crm: CRM, session: Session) -> list[ExtensionStatus]:
    """Every extension, available or installed (an installed one whose package is gone too)."""
    rows = installed(session)
    out = [ExtensionStatus(a.manifest.name, a.manifest.version, a.manifest.summary,
                           a.manifest.depends, a.manifest.category,
                           rows[name].version if name in rows else None, a.plugin_name)
           for name, a in available(crm).items()]
    for name, row in rows.items():
        if all(s.name != name for s in out):
            out.append(ExtensionStatus(name, row.version, "(package not installed)", (), "?",
                                       row.version, None))
    return sorted(out, key=lambda s: (s.category, s.name))


def install_plan(crm: CRM, session: Session, names: list[str]) -> list[Manifest]:
    """The extensions to install for ``names``, dependencies first, already installed left out."""
    offer = available(crm)
    done = set(installed(session))
    order: list[Manifest] = []
    visiting: list[str] = []

    def visit(name: str, wanted_by: str | None) -> None:
        if name in done or any(m.name == name for m in order):
            return
        if name in visiting:
            cycle = " -> ".join(visiting[visiting.index(name):] + [name])
            raise ValidationError(f"Extensions depend on each other in a cycle: {cycle}.",
                                  "The plugins' authors must break the cycle.")
        if name not in offer:
            because = f" (needed by {wanted_by!r})" if wanted_by else ""
            raise NotFound(f"No extension named {name!r} is available{because}.",
                           "See 'crm extensions list'; extensions come from installed plugin "
                           "packages (pip install ...).")
        visiting.append(name)
        for dep in offer[name].manifest.depends:
            visit(dep, name)
        visiting.pop()
        order.append(offer[name].manifest)

    for name in names:
        visit(name, None)
    return order


def _module_tables(crm: CRM, extension: str) -> list:
    return [model.__table__ for info in crm.plugins.modules.values()
            if info.spec.extension == extension for model in info.spec.tables]


def install(crm: CRM, user: User, names: list[str]) -> list[Manifest]:
    """Install ``names`` and their missing dependencies; returns what was installed, in order."""
    require_admin(user, "install extensions")
    with crm.session() as session:
        plan = install_plan(crm, session, names)
    offer = available(crm)
    for manifest in plan:
        _install_one(crm, user, manifest, offer[manifest.name])
    if plan:
        from crmcore.migrations.status import remember_heads

        remember_heads(crm)  # the next command's schema check then needs no Alembic
    return plan


def _install_one(crm: CRM, user: User, manifest: Manifest, source: Available) -> None:
    from crmcore.migrations import runner

    lineage = runner.extension_lineages(crm).get(manifest.name)
    tables = _module_tables(crm, manifest.name)
    existing = set(inspect(crm.engine).get_table_names())
    created = [t for t in tables if t.name not in existing]
    # new to this database: a failed install takes its lineage back to base
    fresh = (lineage is not None and lineage.version_table not in existing
             and not lineage.tables & existing)
    try:
        if lineage is not None:  # its migrations, up to head (a kept 0.1.0 schema is adopted)
            runner.upgrade_lineage(crm.engine, lineage)
        else:  # an extension without migrations: its tables as the models declare them
            SQLModel.metadata.create_all(crm.engine, tables=tables, checkfirst=True)
        with crm.session() as session:
            actor = session.get(User, user.id)
            ctx = ExtensionContext(manifest.name, manifest, session, actor, crm)
            crm.plugins.call_for(source.plugin, "crm_extension_install", context=ctx)
            session.add(InstalledExtension(name=manifest.name, version=manifest.version,
                                           installed_by=user.id))
    except Exception as exc:
        if lineage is None or fresh:
            _undo_install(crm, lineage, created)
        if isinstance(exc, CrmError):
            raise
        raise CrmError(f"Installing {manifest.name!r} failed: {type(exc).__name__}: {exc}. "
                       "Nothing of it was kept.",
                       f"Fix the cause and run 'crm extensions install {manifest.name}' again; "
                       f"report it to the authors of {source.plugin_name!r} if it persists.") from exc


def _undo_install(crm: CRM, lineage, created: list) -> None:
    """Take a failed install back to before it: its lineage to base, or the tables it created."""
    from crmcore.migrations import runner

    if lineage is not None:
        try:
            runner.downgrade_lineage(crm.engine, lineage, "base")
        except Exception:  # a half-applied revision: fall back to dropping what was created
            pass
    SQLModel.metadata.drop_all(crm.engine, tables=list(reversed(created)), checkfirst=True)
    if lineage is not None and inspect(crm.engine).has_table(lineage.version_table):
        with crm.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP TABLE "{lineage.version_table}"')


def _forget_module_rows(crm: CRM, extension: str) -> None:
    """Purged records must not leave changes or sync links that new ids would inherit."""
    from sqlalchemy import delete

    from crmcore.models import Change
    from crmcore.sync.models import SyncLink

    modules = [info.spec.name for info in crm.plugins.modules.values()
               if info.spec.extension == extension]
    if modules:
        with crm.session() as session:
            session.execute(delete(Change).where(Change.module.in_(modules)))
            session.execute(delete(SyncLink).where(SyncLink.module.in_(modules)))


def uninstall_plan(crm: CRM, session: Session, names: list[str]) -> list[str]:
    """``names`` in reverse dependency order; refuses while another installed extension needs one."""
    rows = installed(session)
    offer = available(crm)
    for name in names:
        if name not in rows:
            raise NotFound(f"The {name!r} extension is not installed.", "See 'crm extensions list'.")
    leaving = set(names)
    for other in rows:
        if other in leaving or other not in offer:
            continue
        needed = leaving.intersection(offer[other].manifest.depends)
        if needed:
            dep = sorted(needed)[0]
            raise ValidationError(f"Cannot uninstall {dep!r}: the installed extension {other!r} "
                                  "depends on it.",
                                  f"Uninstall {other!r} first: 'crm extensions uninstall {other} {dep}'.")
    # reverse dependency order: an extension leaves before the ones it depends on
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for other in leaving:
            if other in offer and name in offer[other].manifest.depends:
                visit(other)
        ordered.append(name)

    for name in sorted(leaving):
        visit(name)
    return ordered


def _drop_schema(crm: CRM, name: str) -> None:
    """Purge: the extension's lineage down to base (its version table goes too); an extension
    without migrations has its tables dropped as its models declare them."""
    from crmcore.migrations import runner

    lineage = runner.extension_lineages(crm).get(name)
    if lineage is None or not runner.downgrade_lineage(crm.engine, lineage, "base"):
        SQLModel.metadata.drop_all(crm.engine, tables=list(reversed(_module_tables(crm, name))),
                                   checkfirst=True)


def uninstall(crm: CRM, user: User, names: list[str], purge: bool = False) -> list[str]:
    """Uninstall ``names``; their data stays unless ``purge``."""
    require_admin(user, "uninstall extensions")
    with crm.session() as session:
        order = uninstall_plan(crm, session, names)
    offer = available(crm)
    for name in order:
        with crm.session() as session:
            row = session.get(InstalledExtension, name)
            if name in offer:
                ctx = ExtensionContext(name, offer[name].manifest, session,
                                       session.get(User, user.id), crm)
                crm.plugins.call_for(offer[name].plugin, "crm_extension_uninstall",
                                     context=ctx, purge=purge)
            session.delete(row)
        if purge:
            _forget_module_rows(crm, name)
            _drop_schema(crm, name)
    return order
