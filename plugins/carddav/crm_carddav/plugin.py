"""The CardDAV plugin: its manifest, its connector and its migrations, through the public hooks."""
from __future__ import annotations

from pathlib import Path

from crmcore import hookimpl

MANIFEST = Path(__file__).with_name("manifest.json")
MIGRATIONS = Path(__file__).with_name("migrations")


@hookimpl
def crm_extension_manifest() -> Path:
    return MANIFEST


@hookimpl
def crm_register_connectors(register) -> None:
    from crm_carddav.connector import CardDavConnector

    register(CardDavConnector())


@hookimpl
def crm_extension_install(context) -> None:
    """Nothing to create: connections, links, versions and cursors live in the core's sync tables."""


@hookimpl
def crm_extension_uninstall(context, purge: bool) -> None:
    """Nothing of its own to remove; the core keeps or purges the sync data."""


@hookimpl
def crm_migrations() -> Path:
    """The ``carddav`` lineage: no tables of its own so far."""
    return MIGRATIONS
