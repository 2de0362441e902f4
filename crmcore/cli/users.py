"""``crm users``."""
from __future__ import annotations

import sys

import click

from crmcore import users as users_service
from crmcore.cli.context import acting_user, pass_crm
from crmcore.cli.output import json_option, print_json, print_table
from crmcore.errors import ValidationError


@click.group()
def users() -> None:
    """Users of this CRM; adding one is for admins."""


@users.command("add")
@click.argument("name")
@click.option("--admin", "is_admin", is_flag=True, help="Make the new user an admin.")
@pass_crm
def add(crm, name: str, is_admin: bool) -> None:
    """Add a user named NAME (admin only)."""
    with crm.session() as session:
        user = users_service.add_user(session, acting_user(session), name, is_admin)
        click.echo(f"Added {'admin' if user.is_admin else 'user'} {user.name!r}.")


@users.command("list")
@json_option
@pass_crm
def list_(crm, as_json: bool) -> None:
    """List users."""
    with crm.session() as session:
        rows = [{"id": u.id, "name": u.name, "admin": u.is_admin, "created_at": u.created_at}
                for u in users_service.list_users(session)]
    if as_json:
        print_json(rows)
    else:
        print_table(rows, [("id", "ID"), ("name", "Name"), ("admin", "Admin"),
                           ("created_at", "Created")])


def read_new_password(prompt: str = "New password", command: str = "") -> str:
    """A password from a hidden prompt (typed twice) on a terminal, else one line of stdin.

    ``command`` is the command line shown in the hint when stdin holds nothing; raises
    ValidationError then (an empty password is no typo of a short one)."""
    stdin = sys.stdin
    if stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True)
    password = stdin.readline().rstrip("\r\n")
    if not password:
        raise ValidationError("No password was given on standard input.",
                              f"Give it one line: echo \"$PW\" | {command}, or run the command "
                              "on a terminal to be asked (hidden).")
    return password


@users.command("set-password")
@click.argument("name")
@pass_crm
def set_password(crm, name: str) -> None:
    """Set NAME's password for the web sign-in (your own, or anyone's as an admin).

    On a terminal it asks twice without echoing; otherwise it reads one line from standard
    input (echo "$PW" | crm users set-password NAME). At least 8 characters.
    """
    from crmcore import passwords

    with crm.session() as session:
        actor = acting_user(session)
        users_service.get_user(session, name)
        if actor.name != name:
            users_service.require_admin(actor, "set another user's password")
    password = read_new_password(f"New password for {name}", f"crm users set-password {name}")
    with crm.session() as session:
        passwords.set_password(session, acting_user(session), name, password)
    click.echo(f"Password set for {name!r}; they can sign in to the web ('crm web').")
