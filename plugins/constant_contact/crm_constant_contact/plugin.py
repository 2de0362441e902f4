"""The Constant Contact plugin: its manifest, its connector and its commands, through the public hooks."""
from __future__ import annotations

from pathlib import Path

from crmcore import hookimpl

MANIFEST = Path(__file__).with_name("manifest.json")
MIGRATIONS = Path(__file__).with_name("migrations")


@hookimpl
def crm_extension_manifest() -> Path:
    """The constant-contact extension's manifest file."""
    return MANIFEST


@hookimpl
def crm_register_connectors(register) -> None:
    """Register the Constant Contact connector."""
    from crm_constant_contact.connector import ConstantContactConnector

    register(ConstantContactConnector())


@hookimpl
def crm_register_commands(cli) -> None:
    """Add ``crm constant-contact`` (fields, sandbox) and ``crm demo`` to the command line."""
    from crm_constant_contact.cli import constant_contact  # built only when commands are

    cli.add_command(constant_contact)
    from crm_constant_contact.demo import demo_command

    cli.add_command(demo_command)


@hookimpl
def crm_extension_install(context) -> None:
    """Nothing to create: connections, links and mappings live in the core's sync tables."""


@hookimpl
def crm_extension_uninstall(context, purge: bool) -> None:
    """Nothing of its own to remove; the core keeps or purges the sync data."""


@hookimpl
def crm_migrations() -> Path:
    """The ``constant-contact`` lineage: the connector's own tables, none in 0.1.0."""
    return MIGRATIONS
