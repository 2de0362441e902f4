"""``crm scheduler run``: the background sync of the embedded (SQLite) setup."""
from __future__ import annotations

import click

from crmcore import scheduler as scheduler_service
from crmcore.cli.context import acting_user, pass_crm
from crmcore.cli.output import json_option, print_json
from crmcore.errors import CrmError


@click.group("scheduler")
def scheduler_group() -> None:
    """Background sync at each connection's Background Sync Frequency.

    On PostgreSQL with many users, 'crm worker' runs the same syncs as jobs on any number of
    worker processes instead.
    """


@scheduler_group.command("run")
@click.option("--once", is_flag=True, help="Run what is due now, then exit (for cron or tests); "
              "exits 1 naming each connection that failed.")
@click.option("--poll", default=30.0, show_default=True, metavar="SECONDS",
              help="How often to look for due connections.")
@click.option("--pool", default=scheduler_service.DEFAULT_POOL, show_default=True,
              type=click.IntRange(1, 64), metavar="N",
              help="Connections synced at once, so one hung remote never holds up the others.")
@click.option("--mine", is_flag=True, help="Only the acting user's connections (anyone may; "
              "without it the scheduler runs every user's, which only an admin may).")
@json_option
@pass_crm
def run(crm, once: bool, poll: float, pool: int, mine: bool, as_json: bool) -> None:
    """Run each enabled, signed-in connection when it is due, until stopped (Ctrl-C).

    A connection that fails is retried later with a growing wait; 'crm sync connectors' shows
    its last error. One failing or hanging connection never stops the others.
    """
    with crm.session() as session:
        actor = acting_user(session)
        user_id = scheduler_service.scope_for(crm, actor, everyone=not mine)
    if as_json and not once:
        raise click.UsageError("--json goes with --once (one pass, then a report).")
    if once:
        echo = (lambda line: None) if as_json else click.echo
        results = scheduler_service.run_due(crm, echo=echo, user_id=user_id, pool=pool)
        if as_json:
            print_json([{"connection": r.item.connection_id, "connector": r.item.connector,
                         "user": r.item.user, "outcome": r.outcome, "error": r.error,
                         "run": r.summary.run_id if r.summary else None} for r in results])
        elif not results:
            click.echo("Nothing is due.")
        failed = [r for r in results if r.failed]
        if failed:
            names = ", ".join(f"{r.item.connection_id} ({r.item.connector} of {r.item.user})"
                              for r in failed)
            first = failed[0].item
            raise CrmError(f"{len(failed)} of {len(results)} connections failed: {names}.",
                           f"See why with 'crm sync log {first.connector} --user {first.user}'; "
                           "each is retried later with a growing wait.")
        return
    whose = f"{actor.name}'s connections" if mine else "every user's connections"
    click.echo(f"Background sync of {whose} started; checking every {poll:g} s, {pool} at a "
               "time. Ctrl-C stops it.")
    try:
        scheduler_service.run_forever(crm, poll_seconds=poll, echo=click.echo, user_id=user_id,
                                      pool=pool)
    except KeyboardInterrupt:
        click.echo("Background sync stopped.")


def register(cli: click.Group) -> None:
    """Add the ``crm scheduler`` group to ``cli``."""
    cli.add_command(scheduler_group)
