"""The schema check every lineage passes: its migrations build exactly what its models declare.

Usable from any test suite, a third-party extension's included::

    from crmcore.testing.migrations import assert_migrations_match_models

    def test_migrations(make_crm_env):
        env = make_crm_env("my-extension")
        assert_migrations_match_models(env.crm(), "my-extension")

It upgrades the core and the lineage to head on the CRM's (fresh) database, compares the result
with the models (``alembic.autogenerate.compare_metadata``: tables, columns, types, nullability,
indexes, unique constraints, foreign keys), takes the lineage down to base and checks that none of
its tables remain, then up again and compares once more.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from crmcore.migrations.environment import object_filters
from crmcore.migrations.lineage import Lineage
from crmcore.migrations.runner import (core_lineage, downgrade_lineage, lineage_named,
                                       upgrade_lineage)

if TYPE_CHECKING:
    from crmcore.app import CRM


def schema_differences(engine: Engine, lineage: Lineage) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the models, for
    ``lineage``'s tables only: ``[]`` when they match. Each item is an autogenerate diff tuple
    such as ``("add_column", None, "contact", Column(...))``."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     **object_filters(lineage)})
        return list(compare_metadata(ctx, SQLModel.metadata))


def assert_migrations_match_models(crm: "CRM", name: str) -> None:
    """Upgrade ``name``'s lineage (and the core's before it) to head, compare with the models,
    downgrade to base, upgrade again and compare again. Raises ``AssertionError`` naming every
    difference. ``name`` is ``"core"`` or an extension that implements ``crm_migrations``."""
    core = core_lineage()
    upgrade_lineage(crm.engine, core)
    lineage = lineage_named(crm, name)
    assert lineage.tables or name != "core", "the core lineage owns no tables?"
    for attempt in ("first upgrade", "upgrade after a downgrade to base"):
        upgrade_lineage(crm.engine, lineage)
        diffs = schema_differences(crm.engine, lineage)
        assert not diffs, (f"{name}: after the {attempt}, the migrated schema differs from the "
                           f"models: {diffs}")
        if name == "core":
            return
        downgrade_lineage(crm.engine, lineage, "base")
        left = set(inspect(crm.engine).get_table_names())
        kept = (lineage.tables | {lineage.version_table}) & left
        assert not kept, f"{name}: a downgrade to base left {sorted(kept)}"
