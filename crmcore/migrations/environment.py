"""What ``env.py`` runs: configure Alembic for one lineage, online or offline (``--dry-run``).

The runner puts the lineage, and either an open connection or the dialect name, in
``config.attributes``. Autogenerate and the schema check see only the lineage's own tables, and
render the core's column types as plain SQLAlchemy types, so revision files never import models.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import types as sa_types
from sqlmodel import SQLModel

from crmcore.migrations.lineage import Lineage


def object_filters(lineage: Lineage) -> dict[str, Any]:
    """``include_name`` / ``include_object`` options that keep Alembic to ``lineage``'s tables."""

    def include_name(name, type_, parent_names) -> bool:
        return name in lineage.tables if type_ == "table" else True

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "table":
            return name in lineage.tables
        table = getattr(obj, "table", None)
        return table is None or table.name in lineage.tables

    return {"include_name": include_name, "include_object": include_object}


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the models' custom types (UTC datetimes, SQLModel's strings) as the plain
    SQLAlchemy types they store, so revision files import nothing from the project."""
    if type_ != "type" or not isinstance(obj, sa_types.TypeDecorator):
        return False
    impl = obj.impl_instance
    if isinstance(impl, sa_types.DateTime):
        return f"sa.DateTime(timezone={impl.timezone})"
    if isinstance(impl, sa_types.String) and not isinstance(impl, sa_types.Text):
        return f"sa.String(length={impl.length})" if impl.length else "sa.String()"
    return False


def context_options(lineage: Lineage) -> dict[str, Any]:
    """The ``context.configure`` options shared by online, offline and compare runs."""
    return {
        "version_table": lineage.version_table,
        "target_metadata": SQLModel.metadata,
        "render_as_batch": True,  # SQLite alters tables by copying them
        "render_item": render_item,
        "compare_type": True,
        **object_filters(lineage),
    }


def run(context: Any) -> None:
    """Run the migrations Alembic asked for, with the lineage the runner handed over."""
    attrs = context.config.attributes
    lineage: Lineage = attrs["lineage"]
    options = context_options(lineage)
    if attrs.get("on_version_apply"):
        options["on_version_apply"] = attrs["on_version_apply"]
    if context.is_offline_mode():
        context.configure(dialect_name=attrs["dialect_name"], literal_binds=True,
                          **options)
    else:
        context.configure(connection=attrs["connection"], **options)
    with context.begin_transaction():
        context.run_migrations()
