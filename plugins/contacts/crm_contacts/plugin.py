"""The Contacts plugin: its manifest, its module and its commands, through the public hooks only."""
from __future__ import annotations

from pathlib import Path

from crmcore import hookimpl
from crm_contacts import MODULE

MANIFEST = Path(__file__).with_name("manifest.json")
MIGRATIONS = Path(__file__).with_name("migrations")


@hookimpl
def crm_extension_manifest() -> Path:
    """The contacts extension's manifest file."""
    return MANIFEST


@hookimpl
def crm_register_modules(register) -> None:
    """Register the contacts module: its table, fields and record store."""
    from crmcore.api import ModuleSpec  # imported when the module is first needed, not by --help
    from crm_contacts.fields import FIELDS
    from crm_contacts.models import Contact
    from crm_contacts.records import ContactStore

    register(ModuleSpec(name=MODULE, label="Contacts", tables=[Contact], fields=list(FIELDS),
                        records=ContactStore()))


@hookimpl
def crm_register_commands(cli) -> None:
    """Add ``crm contacts`` to the command line."""
    from crm_contacts.cli import contacts  # the CLI is only imported when commands are built

    cli.add_command(contacts)


@hookimpl
def crm_extension_install(context) -> None:
    """Nothing beyond the table the core creates: safe to run again after a failed attempt."""


@hookimpl
def crm_extension_uninstall(context, purge: bool) -> None:
    """Nothing to do: the data stays unless ``purge``, and then the core drops the table."""


@hookimpl
def crm_migrations() -> Path:
    """The ``contacts`` lineage: revisions of the ``contact`` table."""
    return MIGRATIONS


@hookimpl
def crm_register_web_pages(register) -> None:
    """Add the Contacts pages (menu entry "Contacts") to the web application."""
    from crm_contacts.web import bp  # Flask is only imported when the web app is built

    register(bp, menu="Contacts", module=MODULE)
