"""Schema migrations: the core's Alembic lineage and the runner for every extension's.

Each lineage (the core's, and one per extension that implements ``crm_migrations``) is a folder of
Alembic revision files with its own version table, ``alembic_version_<name>``. They share one
``env.py`` (``crmcore/migrations/env.py``), so a revision file is all a plugin ships. See
:mod:`crmcore.migrations.runner` (upgrade, downgrade, stamp), :mod:`crmcore.migrations.status`
(where each lineage stands) and :mod:`crmcore.migrations.dryrun` (the SQL of an upgrade).
"""
from crmcore.migrations.lineage import CORE, Lineage, version_table_name
from crmcore.migrations.dryrun import upgrade_sql
from crmcore.migrations.runner import (MigrationError, SchemaOutOfDate, core_lineage,
                                       downgrade_lineage, extension_lineages, lineage_named,
                                       stamp_lineage, upgrade_all, upgrade_lineage)
from crmcore.migrations.status import LineageStatus, require_current

__all__ = ["CORE", "Lineage", "version_table_name", "LineageStatus", "MigrationError",
           "SchemaOutOfDate", "core_lineage", "downgrade_lineage", "extension_lineages",
           "lineage_named", "require_current", "stamp_lineage", "upgrade_all",
           "upgrade_lineage", "upgrade_sql"]
