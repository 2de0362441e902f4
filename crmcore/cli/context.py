"""What every command reaches through click's context: the CRM and the acting user.

Plugins use these too (``from crmcore.cli.context import pass_crm, acting_user``), so their
commands honour ``--as`` and ``CRM_USER`` exactly like the core's.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import update_wrapper

import click
from sqlmodel import Session

from crmcore.app import CRM
from crmcore.models import User
from crmcore import users


@dataclass
class CliState:
    """What every CLI command shares: the CRM and the user named by ``--as``."""
    crm: CRM
    as_user: str | None = None


def state() -> CliState:
    """The :class:`CliState` of the running command."""
    return click.get_current_context().find_object(CliState)


def pass_crm(func):
    """Pass the initialised :class:`CRM` as the first argument; refuse, naming ``crm db upgrade``,
    when its schema is out of date."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args, **kwargs):
        crm = ctx.find_object(CliState).crm
        crm.require_initialised()
        crm.require_current_schema()
        return ctx.invoke(func, crm, *args, **kwargs)

    return update_wrapper(wrapper, func)


def acting_user(session: Session) -> User:
    """The user named by ``--as``, else ``CRM_USER``, else the first admin."""
    return users.acting_user(session, state().as_user)
