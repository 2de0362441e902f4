"""Schema migrations: the core's Alembic lineage and the runner for every extension's.

Each lineage (the core's, and one per extension that implements ``crm_migrations``) is a folder of
Alembic revision files with its own version table, ``alembic_version_<name>``. They share one
``env.py`` (``crmcore/migrations/env.py``), so a revision file is all a plugin ships. See
:mod:`crmcore.migrations.runner` (upgrade, downgrade, stamp), :mod:`crmcore.migrations.status`
(where each lineage stands) and :mod:`crmcore.migrations.dryrun` (the SQL of an upgrade).
"""
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcore.migrations.lineage import CORE, Lineage, version_table_name
    from crmcore.migrations.dryrun import upgrade_sql
    from crmcore.migrations.runner import (MigrationError, SchemaOutOfDate, core_lineage,
                                           downgrade_lineage, extension_lineages, lineage_named,
                                           stamp_lineage, upgrade_all, upgrade_lineage)
    from crmcore.migrations.status import LineageStatus, require_current

# Each name is imported from its module on first use (PEP 562): importing a submodule such as
# ``crmcore.migrations.lineage`` must not load Alembic's runner for every command.
_HOMES: dict[str, str] = {
    "CORE": "lineage", "Lineage": "lineage", "version_table_name": "lineage",
    "upgrade_sql": "dryrun",
    "MigrationError": "runner", "SchemaOutOfDate": "runner", "core_lineage": "runner",
    "downgrade_lineage": "runner", "extension_lineages": "runner", "lineage_named": "runner",
    "stamp_lineage": "runner", "upgrade_all": "runner", "upgrade_lineage": "runner",
    "LineageStatus": "status", "require_current": "status",
}


def __getattr__(name: str) -> Any:
    """The exported ``name`` (or a submodule), imported on first use. Raises AttributeError for
    any other name."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the not-yet-imported exported ones included."""
    return sorted(set(globals()) | set(_HOMES))


__all__ = ["CORE", "Lineage", "version_table_name", "LineageStatus", "MigrationError",
           "SchemaOutOfDate", "core_lineage", "downgrade_lineage", "extension_lineages",
           "lineage_named", "require_current", "stamp_lineage", "upgrade_all",
           "upgrade_lineage", "upgrade_sql"]
