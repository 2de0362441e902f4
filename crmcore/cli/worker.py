"""``crm worker``: background sync as jobs on PostgreSQL, on as many processes as needed."""
from __future__ import annotations

import logging

import click

from crmcore.cli.context import acting_user, pass_crm
from crmcore.cli.output import json_option, print_json, print_table
from crmcore.users import require_admin


@click.group("worker", invoke_without_command=True)
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64),
              metavar="N", help="Connections this process syncs at once.")
@click.option("--tick", "tick_seconds", default=60, type=click.IntRange(1, 3600), hidden=True,
              help="Seconds between looks for due connections (tests).")
@click.option("--stalled-after", default=60.0, type=click.FloatRange(2, 3600), hidden=True,
              help="Seconds without a heartbeat before a worker's jobs are retried (tests).")
@click.option("--heartbeat", default=10.0, type=click.FloatRange(0.2, 600), hidden=True,
              help="Seconds between a worker's heartbeats (tests).")
@click.pass_context
def worker_group(ctx: click.Context, concurrency: int, tick_seconds: int, stalled_after: float,
                 heartbeat: float) -> None:
    """Run a background sync worker on PostgreSQL (CRM_DATABASE_URL) until Ctrl-C or SIGTERM.

    Start as many as you like, on any machines sharing the database: every minute one of them
    queues a job for each due connection, and each connection runs at most once at a time and
    is queued at most once. A job whose worker died is retried. On SQLite, 'crm scheduler run'
    is the background sync instead. 'crm worker status' shows the queue per connection.
    """
    if ctx.invoked_subcommand is not None:
        return
    ctx.invoke(_run, concurrency=concurrency, tick_seconds=tick_seconds,
               stalled_after=stalled_after, heartbeat=heartbeat)


@pass_crm
def _run(crm, concurrency: int, tick_seconds: int, stalled_after: float, heartbeat: float) -> None:
    from crmcore.worker.queue import Timing, conninfo
    from crmcore.worker.run import ensure_queue_schema, run_worker, worker_name

    conninfo(crm)  # refuses SQLite with the way out before anything else
    with crm.session() as session:
        require_admin(acting_user(session), "run the background sync worker for every user")
    if ensure_queue_schema(crm):
        click.echo("Created the job queue's tables.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    click.echo(f"Worker {worker_name()} started: {concurrency} at a time, looking for due "
               f"connections every {tick_seconds} s. Ctrl-C stops it.")
    run_worker(crm, concurrency, Timing(tick_seconds, heartbeat, stalled_after))
    click.echo("Worker stopped.")


@worker_group.command("status")
@json_option
@pass_crm
def status_command(crm, as_json: bool) -> None:
    """Queued, running and failed sync jobs per connection, and the workers alive.

    A user sees their own connections; an admin sees everyone's.
    """
    from crmcore.worker import status

    with crm.session() as session:
        actor = acting_user(session)
    rows = status.overview(crm, actor)
    alive = status.workers(crm) if actor.is_admin else []
    if as_json:
        print_json({"connections": rows, "workers": alive})
        return
    print_table(rows, [("connection", "Connection"), ("user", "User"), ("connector", "Connector"),
                       ("queued", "Queued"), ("running", "Running"), ("failed", "Failed"),
                       ("next_run_at", "Next run (UTC)"), ("last_error", "Last error")],
                empty="No connections yet.")
    if actor.is_admin and crm.engine.dialect.name != "postgresql":
        click.echo("\nWorkers need PostgreSQL; on this database the background sync is "
                   "'crm scheduler run'.")
    elif actor.is_admin:
        click.echo(f"\nWorkers registered: {len(alive)}"
                   + (f" (last heartbeat {alive[0]['last_heartbeat']:%Y-%m-%d %H:%M:%S})"
                      if alive else " (start one with 'crm worker')"))


def register(cli: click.Group) -> None:
    """Add the ``crm worker`` group to ``cli``."""
    cli.add_command(worker_group)
