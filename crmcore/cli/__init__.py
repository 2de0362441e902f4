"""The ``crm`` command: a root group, the core's groups, and whatever plugins add.

Commands only parse, call a service and print. Errors a user can act on (:class:`CrmError`) are
printed as ``Error: ...`` with the next step, never as a traceback.
"""
from __future__ import annotations

import os
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from crmcore.app import CRM
from crmcore.cli.context import CliState
from crmcore.cli.failures import explain, undecodable_argument
from crmcore.errors import CrmError


class UserError(click.ClickException):
    """A :class:`CrmError` on its way to the terminal: message, next step, exit code."""

    def __init__(self, error: CrmError) -> None:
        super().__init__(error.message)
        self.hint = error.hint
        self.exit_code = error.exit_code

    def show(self, file=None) -> None:
        """Print the message and the next step to standard error."""
        click.echo(f"Error: {self.message}", err=True)
        if self.hint:
            click.echo(self.hint, err=True)


class CrmGroup(click.Group):
    """A group whose commands' :class:`CrmError` become clean messages, at any depth."""

    def invoke(self, ctx: click.Context):
        """Run the command; a :class:`CrmError`, or a database, disk or encoding failure the CLI
        can explain, becomes a clean message with its exit code."""
        try:
            return super().invoke(ctx)
        except CrmError as exc:
            raise UserError(exc) from None
        except (SQLAlchemyError, OSError, OverflowError, RecursionError, UnicodeError) as exc:
            state = ctx.find_object(CliState)
            settings = state.crm.settings if state else None
            error = explain(exc, settings.database_url if settings else None,
                            str(settings.home) if settings else None)
            if error is None:
                raise
            raise UserError(error) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Refuse an argument that is not UTF-8 (naming it) before parsing."""
        if ctx.parent is None:  # the root: every argument of the command line, once
            error = undecodable_argument(args)
            if error is not None:
                raise UserError(error)
        return super().parse_args(ctx, args)

    def group(self, *args, **kwargs):
        """A sub-group that handles errors the same way."""
        kwargs.setdefault("cls", CrmGroup)
        return super().group(*args, **kwargs)


def build_cli(crm: CRM) -> click.Group:
    """The root group with the core's commands and every loaded plugin's."""
    from crmcore.cli import extensions, init, users

    @click.group(cls=CrmGroup,
                 context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
    @click.option("--as", "as_user", metavar="NAME", envvar="CRM_USER",
                  help="Act as this user (default: CRM_USER, else the first admin).")
    @click.version_option(package_name="crm", prog_name="crm")
    @click.pass_context
    def cli(ctx: click.Context, as_user: str | None) -> None:
        """A pluggable CRM with two-way contact sync.

        Data lives under CRM_HOME (a SQLite database and the secret key file); set
        CRM_DATABASE_URL to use another database such as PostgreSQL. Start with
        'crm init --admin NAME', then 'crm extensions list'.
        """
        ctx.obj = CliState(crm=crm, as_user=as_user)

    cli.add_command(init.init)
    cli.add_command(users.users)
    cli.add_command(extensions.extensions)
    from crmcore.cli import db

    cli.add_command(db.db)
    for module in _core_command_modules():
        module.register(cli)
    _attach_sync_commands()
    crm.plugins.hook.crm_register_commands(cli=cli)
    return cli


def _core_command_modules() -> list:
    """Core groups that need the sync package; imported here so ``crm --help`` stays cheap."""
    import importlib

    names = ["crmcore.cli.sync", "crmcore.cli.scheduler", "crmcore.cli.worker", "crmcore.cli.web",
             "crmcore.cli.dev"]
    found = []
    for name in names:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


def _attach_sync_commands() -> None:
    """The sync group's run, log and mapping commands live in modules of their own."""
    try:
        from crmcore.cli.sync import sync_group
    except ModuleNotFoundError:
        return
    from crmcore.cli import sync_run

    sync_run.attach(sync_group)
    try:
        from crmcore.cli.sync_mapping import mapping_command
    except ModuleNotFoundError:
        return
    sync_group.add_command(mapping_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``crm`` console script."""
    from crmcore.cli.output import protect_standard_streams

    protect_standard_streams()  # a closed output pipe (| head) never fails a command
    crm = CRM()
    try:
        try:
            cli = build_cli(crm)
        except CrmError as exc:  # a broken plugin: say which, before any command runs
            UserError(exc).show()
            sys.exit(exc.exit_code)
        cli.main(args=argv, prog_name="crm")
    except Exception as exc:  # a bug of ours or a plugin's: no traceback unless asked for
        if os.environ.get("CRM_DEBUG"):
            raise
        # the message itself may hold a value a user or server gave: only the type is shown
        click.echo(f"Error: the command failed unexpectedly ({type(exc).__name__}).\n"
                   "Run it again with CRM_DEBUG=1 to see the traceback, and report it "
                   "with that output.", err=True)
        sys.exit(1)
    finally:
        crm.close()
