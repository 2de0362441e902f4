"""``crm db``: the schema's upgrades, status and recovery."""
from __future__ import annotations

import sys

import click

from crmcore.cli.context import state
from crmcore.cli.output import json_option, print_json, print_table
from crmcore.progress import ProgressDisplay, stream_is_terminal


def _crm():
    crm = state().crm
    crm.require_initialised()
    return crm


@click.group()
def db() -> None:
    """The database schema: one migration lineage for the core and one per extension.

    'crm db status' shows each lineage's revision; 'crm db upgrade' brings them all to the
    installed code's (core first, then extensions in dependency order).
    """


@db.command("upgrade")
@click.option("--dry-run", is_flag=True,
              help="Print the SQL the upgrade would run, change nothing (no backup needed).")
@click.option("--no-backup", is_flag=True, help="Do not copy a SQLite database file first.")
def upgrade(dry_run: bool, no_backup: bool) -> None:
    """Upgrade the schema of the core and every installed extension to the installed code's
    (admin only).

    A SQLite database file is copied next to itself first (the path is printed); on PostgreSQL
    each lineage upgrades in one transaction, so take your own backup (pg_dump) before.
    A database made by 0.1.0, before migrations, is recognised and upgraded too.
    """
    from crmcore.migrations import dryrun, service

    crm = _crm()
    service.require_admin_named(crm, state().as_user, "upgrade the database")
    if dry_run:
        click.echo(dryrun.upgrade_sql(crm), nl=False)
        return
    steps = sum(len(revisions) for revisions in service.pending(crm).values())
    with ProgressDisplay(enabled=steps > 0, unit="steps") as shown:
        done = 0

        def step(_name: str, line: str) -> None:
            nonlocal done
            done = min(done + 1, steps)
            if shown.is_terminal and stream_is_terminal(sys.stdout):  # one terminal: the line above the bar
                shown.message(line)
            else:
                click.echo(line)
            shown("Upgrading the database", done, steps)

        shown("Upgrading the database", 0, steps)
        result = service.upgrade_database(crm, progress=step, backup=not no_backup)
    if not result.pending_before:
        click.echo("The database is up to date; nothing to do.")
        return
    if result.backup is not None:
        click.echo(f"Backed up the database to {result.backup} before upgrading.")
    click.echo("Upgraded: " + ", ".join(result.changed) + ".")


@db.command("status")
@json_option
def status(as_json: bool) -> None:
    """Each lineage: its current revision, the installed code's head, and what is pending."""
    from crmcore.migrations import status as schema_status

    rows = [s.as_dict() for s in schema_status.status(_crm())]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["state"] = row["note"] or ("up to date" if row["up_to_date"]
                                       else f"{len(row['pending'])} pending")
    print_table(rows, [("lineage", "Lineage"), ("current", "Current"), ("head", "Head"),
                       ("pending", "Pending"), ("state", "State")])
    if any(not r["up_to_date"] and r["note"] != "not installed" and r["head"] for r in rows):
        click.echo("Run 'crm db upgrade' (an admin) to apply what is pending.")


@db.command("stamp")
@click.argument("lineage")
@click.argument("revision")
def stamp(lineage: str, revision: str) -> None:
    """Record REVISION (an id, 'head' or 'base') as LINEAGE's current revision without running
    anything (admin only).

    For recovery only: after a schema was repaired by hand, or restored from a backup whose
    version table is wrong. 'crm db status' lists the lineages and revisions.
    """
    from crmcore.migrations import runner, service

    crm = _crm()
    service.require_admin_named(crm, state().as_user, "stamp the database")
    runner.stamp_lineage(crm.engine, runner.lineage_named(crm, lineage), revision,
                         progress=lambda _name, line: click.echo(line))
    click.echo(f"{lineage} is now recorded at {revision}.")
