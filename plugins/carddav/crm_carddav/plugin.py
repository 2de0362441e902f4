"""The CardDAV plugin: its manifest, its connector and its migrations, through the public hooks.

No install or uninstall hooks: connections, links (each card's ETag as the version) and sync
tokens (as cursors) live in the core's sync tables."""
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
def crm_migrations() -> Path:
    """The ``carddav`` lineage: no tables of its own so far."""
    return MIGRATIONS
