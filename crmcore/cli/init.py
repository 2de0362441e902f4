"""``crm init``."""
from __future__ import annotations

import sys

import click

from sqlmodel import select

from crmcore.cli.context import state
from crmcore.models import User


@click.command()
@click.option("--admin", "admin", required=True, metavar="NAME", help="Name of the first admin.")
@click.option("--password-stdin", is_flag=True,
              help="Read the admin's web password from standard input (on a terminal it is asked "
                   "for when the admin has none).")
def init(admin: str, password_stdin: bool) -> None:
    """Create the database, the secret key and the first admin.

    Safe to run again: it creates only what is missing. The database is CRM_DATABASE_URL, or a
    SQLite file under CRM_HOME; the key file (mode 0600) lives under CRM_HOME unless
    CRM_SECRET_KEY is set.
    """
    from crmcore.initialise import initialise

    crm = state().crm
    user = initialise(crm, admin)
    click.echo(f"CRM ready at {crm.engine.url.render_as_string(hide_password=True)}; "
               f"admin: {user.name}.")
    _admin_password(crm, user.name, password_stdin)
    click.echo("Next: 'crm extensions list' and 'crm extensions install contacts'.")


def _admin_password(crm, name: str, from_stdin: bool) -> None:
    """The first admin's web password: from stdin, asked on a terminal, or a pointer for later."""
    from crmcore import passwords
    from crmcore.cli.users import read_new_password

    with crm.session() as session:
        has_one = bool(session.exec(select(User).where(User.name == name)).one().password_hash)
    if not from_stdin and (has_one or not sys.stdin.isatty()):
        if not has_one:
            click.echo(f"Set {name}'s password for the web with 'crm users set-password {name}'.")
        return
    password = read_new_password(f"Web password for {name}",
                                 f"crm init --admin {name} --password-stdin")
    with crm.session() as session:
        passwords.set_password(session, None, name, password)
    click.echo(f"Password set for {name!r}.")
