"""``crm scheduler run``: the background sync."""
from __future__ import annotations

import click

from crmcore.cli.context import pass_crm
from crmcore import scheduler as scheduler_service


@click.group("scheduler")
def scheduler_group() -> None:
    """Background sync at each connection's Background Sync Frequency."""


@scheduler_group.command("run")
@click.option("--once", is_flag=True, help="Run what is due now, then exit (for cron or tests).")
@click.option("--poll", default=30.0, show_default=True, metavar="SECONDS",
              help="How often to look for due connections.")
@pass_crm
def run(crm, once: bool, poll: float) -> None:
    """Run each enabled, signed-in connection when it is due, until stopped (Ctrl-C).

    A connection that fails is retried later with a growing wait; 'crm sync connectors' shows
    its last error. One failing connection never stops the others.
    """
    if once:
        results = scheduler_service.run_due(crm, echo=click.echo)
        if not results:
            click.echo("Nothing is due.")
        return
    click.echo(f"Background sync started; checking every {poll:g} s. Ctrl-C stops it.")
    try:
        scheduler_service.run_forever(crm, poll_seconds=poll, echo=click.echo)
    except KeyboardInterrupt:
        click.echo("Background sync stopped.")


def register(cli: click.Group) -> None:
    cli.add_command(scheduler_group)
