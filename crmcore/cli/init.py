"""``crm init``."""
from __future__ import annotations

import click

from crmcore.cli.context import state
from crmcore.initialise import initialise


@click.command()
@click.option("--admin", "admin", required=True, metavar="NAME", help="Name of the first admin.")
def init(admin: str) -> None:
    """Create the database, the secret key and the first admin.

    Safe to run again: it creates only what is missing. The database is CRM_DATABASE_URL, or a
    SQLite file under CRM_HOME; the key file (mode 0600) lives under CRM_HOME unless
    CRM_SECRET_KEY is set.
    """
    crm = state().crm
    user = initialise(crm, admin)
    click.echo(f"CRM ready at {crm.engine.url.render_as_string(hide_password=True)}; "
               f"admin: {user.name}.")
    click.echo("Next: 'crm extensions list' and 'crm extensions install contacts'.")
