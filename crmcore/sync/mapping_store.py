"""The field mapping in force for each connector: the admin's own, else the connector's default.

A custom mapping is saved only after it validated (schema, fields, transforms); an invalid file
saves nothing. Changing or resetting it is for admins, enforced here, not only in the CLI.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from crmcore.errors import NotFound
from crmcore.models import User, UTCField, utcnow
from crmcore.sync.mapping import FieldMapping
from crmcore.users import require_admin

if TYPE_CHECKING:
    from crmcore.app import CRM
    from crmcore.modules import ModuleSpec
    from crmcore.sync.connector import Connector


class SyncMapping(SQLModel, table=True):
    """An admin's own field mapping for one connector and module (absent: the default applies)."""

    __tablename__ = "crm_sync_mapping"

    connector: str = Field(primary_key=True, max_length=64)
    module: str = Field(primary_key=True, max_length=64)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_by: int | None = Field(default=None, foreign_key="crm_user.id")
    updated_at: datetime = UTCField(default_now=True)


TABLES = [SyncMapping]


@dataclass(frozen=True)
class MappingInfo:
    """The mapping in force and where it comes from."""

    mapping: FieldMapping
    custom: bool
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The mapping's data, as its file holds it."""
        return self.mapping.data


def connector_and_module(crm: "CRM", connector_name: str) -> tuple["Connector", "ModuleSpec"]:
    """The connector called ``connector_name`` and the module it syncs. Raises :class:`NotFound`
    naming the connectors that exist."""
    connectors = crm.plugins.connectors
    if connector_name not in connectors:
        known = ", ".join(sorted(connectors)) or "none"
        raise NotFound(f"No connector named {connector_name!r} (available: {known}).",
                       "Connectors come from installed plugin packages; see 'crm extensions list'.")
    connector = connectors[connector_name].connector
    modules = crm.plugins.modules
    if connector.module not in modules:
        raise NotFound(f"The {connector.label} connector needs the {connector.module!r} module, "
                       "which no loaded plugin provides.",
                       f"Install it: 'crm extensions install {connector.module}'.")
    return connector, modules[connector.module].spec


def mapping_info(crm: "CRM", connector_name: str) -> MappingInfo:
    """The mapping in force for ``connector_name``, with its origin."""
    connector, module = connector_and_module(crm, connector_name)
    with crm.session() as session:
        row = session.get(SyncMapping, (connector.name, module.name))
        if row is None:
            return MappingInfo(FieldMapping.from_data(connector.default_mapping, module, connector),
                               custom=False)
        user = session.get(User, row.updated_by) if row.updated_by is not None else None
        data, updated_at = dict(row.data), row.updated_at
    return MappingInfo(FieldMapping.from_data(data, module, connector), custom=True,
                       updated_by=user.name if user else None, updated_at=updated_at)


def get_mapping(crm: "CRM", connector_name: str) -> FieldMapping:
    """The admin's own mapping when saved, else the connector's default.

    A saved mapping that no longer fits (an upgraded plugin dropped a field) raises
    ``ValidationError`` with the JSON path, so the sync stops instead of guessing.
    """
    return mapping_info(crm, connector_name).mapping


def set_mapping(crm: "CRM", user: User, connector_name: str, data: dict[str, Any]) -> FieldMapping:
    """Validate ``data`` and save it as the mapping in force (admin only); invalid saves nothing."""
    require_admin(user, "change the field mapping")
    connector, module = connector_and_module(crm, connector_name)
    mapping = FieldMapping.from_data(data, module, connector)
    with crm.session() as session:
        row = session.get(SyncMapping, (connector.name, module.name))
        if row is None:
            row = SyncMapping(connector=connector.name, module=module.name)
        row.data = data
        row.updated_by = user.id
        row.updated_at = utcnow()
        session.add(row)
    return mapping


def reset_mapping(crm: "CRM", user: User, connector_name: str) -> bool:
    """Forget the admin's own mapping (admin only); True when there was one."""
    require_admin(user, "change the field mapping")
    connector, module = connector_and_module(crm, connector_name)
    with crm.session() as session:
        row = session.get(SyncMapping, (connector.name, module.name))
        if row is None:
            return False
        session.delete(row)
    return True
