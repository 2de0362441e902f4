"""``crm sync settings | now | log | debug-log``: the sync itself and its logs."""
from __future__ import annotations

import sys

import click

from crmcore.cli.context import acting_user, pass_crm
from crmcore.cli.output import json_option, print_json, print_table
from crmcore.errors import CrmError, NotFound
from crmcore.progress import ProgressDisplay
from crmcore.sync.runlog import ACTIONS, CRM_SIDE, WARNING

ON_OFF = click.Choice(["on", "off"])


def _flag(value: str | None) -> bool | None:
    return None if value is None else value == "on"


@click.command("settings")
@click.argument("connector")
@click.option("--sync-records-from", metavar="SPAN",
              help="Only records changed within SPAN take part: all, or e.g. 30d, 12w, 6m, 1y.")
@click.option("--debug", type=ON_OFF, help="Debug Mode: keep a redacted Debug Log of each run.")
@click.option("--frequency", metavar="EVERY",
              help="Background Sync Frequency: off, or e.g. 15m, 1h, 1d (at least 5m).")
@click.option("--direction", metavar="WAY",
              help="Sync Direction: both, to-crm, or to-CONNECTOR (the connector's name).")
@click.option("--contacts", type=ON_OFF, help="Enable Contacts Sync for this connection "
              "(the same as --enable-module/--disable-module contacts).")
@click.option("--enable-module", "enable_modules", multiple=True, metavar="MODULE",
              help="Sync MODULE over this connection (repeatable).")
@click.option("--disable-module", "disable_modules", multiple=True, metavar="MODULE",
              help="Stop syncing MODULE over this connection (repeatable).")
@click.option("--conflict-policy", type=click.Choice(["most-recent", "crm-wins", "remote-wins"]),
              help="Who wins when both sides changed (default most-recent, ties to the CRM).")
@click.option("--user", "owner", metavar="NAME", help="The user whose connection (admins only).")
@json_option
@pass_crm
def settings_command(crm, connector, sync_records_from, debug, frequency, direction, contacts,
                     enable_modules, disable_modules, conflict_policy, owner, as_json):
    """Show or change the sync settings of a connection (changing is for admins).

    With no option it shows them. An admin can turn one user's contacts sync off with
    '--contacts off --user NAME'.
    """
    from crmcore.sync import settings as sync_settings
    from crmcore.sync.runner import connection_for

    modules = {**({"contacts": _flag(contacts)} if contacts is not None else {}),
               **{m: True for m in enable_modules}, **{m: False for m in disable_modules}}
    changes = {"sync_records_from": sync_records_from, "debug": _flag(debug),
               "frequency": frequency, "direction": direction,
               "modules": modules or None, "conflict_policy": conflict_policy}
    with crm.session() as session:
        actor = acting_user(session)
    connection, owner_user = connection_for(crm, actor, connector, owner)
    with crm.session() as session:
        if any(v is not None for v in changes.values()):
            row = sync_settings.update(session, acting_user(session), connection.id, connector, changes)
            changed = True
        else:
            row = sync_settings.load(session, connection.id)
            changed = False
        module = connector_module(crm, connector)
        shown = sync_settings.as_dict(row, connector, module)
    if as_json:
        print_json({"user": owner_user.name, "connector": connector, **shown})
        return
    if changed:
        click.echo(f"Saved the sync settings of {owner_user.name}'s {connector} connection.")
    labels = {"sync_records_from": "Sync Records From", "debug": "Debug Mode",
              "frequency": "Background Sync Frequency", "direction": "Sync Direction",
              f"{module}_enabled": f"Enable {module_label(crm, module)} Sync",
              "conflict_policy": "Conflict policy"}
    for key, label in labels.items():
        value = shown[key]
        click.echo(f"{label + ':':28} {('on' if value else 'off') if isinstance(value, bool) else value}")


PHASE_NAMES = {"wait_for_activities": "wait for activities", "settle_wait": "settle wait",
               "read_back": "read-back"}


def phases_line(phases: dict[str, float]) -> str:
    """"12.3 s: pull 4.1 s, push 2.0 s, ..." for the phases that took 0.05 s or more."""
    shown = [f"{PHASE_NAMES.get(name, name)} {seconds:.1f} s" for name, seconds in phases.items()
             if seconds >= 0.05]
    return f"{sum(phases.values()):.1f} s" + (": " + ", ".join(shown) if shown else "")


def _print_counts(summary_counts: dict, remote_label: str) -> None:
    rows = [{"side": "CRM" if side == CRM_SIDE else remote_label, **counts}
            for side, counts in summary_counts.items()]
    print_table(rows, [("side", "Side"), *((a, a.title()) for a in ACTIONS)])


@click.command("now")
@click.argument("connector")
@click.option("--dry-run", is_flag=True, help="Show what would change on each side; change nothing.")
@click.option("--user", "owner", metavar="NAME", help="Sync another user's connection (admins only).")
@click.option("--quiet", "-q", is_flag=True, help="Print no progress, only the outcome.")
@json_option
@pass_crm
def now_command(crm, connector, dry_run, owner, quiet, as_json):
    """Sync now: pull changes from the connector's side, push the CRM's, print the counts.

    On a terminal a bar per step shows the records handled and the time left; otherwise the
    progress is plain lines on standard error. --json prints the summary with the seconds
    spent per phase ("phases").
    """
    from crmcore.auth.connections import require_ready
    from crmcore.sync.runner import RunSummary, connection_for, sync_connection

    with crm.session() as session:
        actor = acting_user(session)
    connection, _ = connection_for(crm, actor, connector, owner)
    require_ready(crm, connection.id)  # not signed in: say so, record no failed run
    with ProgressDisplay(enabled=not (as_json or quiet), unit="records", plain_end=True) as shown:
        summary: RunSummary = sync_connection(
            crm, connection.id, dry_run=dry_run,
            progress=shown.message if shown.enabled else None,
            report=shown if shown.enabled else None)
    label = crm.plugins.connectors[connector].connector.label
    if as_json:
        print_json(summary.as_dict())
    elif summary.outcome != "skipped":
        title = "Dry run (nothing was changed)" if dry_run else f"Run {summary.run_id}"
        click.echo(f"{title}: {summary.outcome}; {summary.requests} API requests.")
        _print_counts(summary.counts, label)
        if summary.phases and not quiet:
            click.echo(f"Time: {phases_line(summary.phases)}.")
        if summary.note:
            click.echo(f"Note: {summary.note}.")
        if dry_run and summary.items:
            click.echo("")
            print_table([{**i, "side": "CRM" if i["side"] == CRM_SIDE else label}
                         for i in summary.items],
                        [("side", "Side"), ("action", "Would be"), ("record_name", "Record"),
                         ("reason", "Why")])
    if summary.outcome in ("failed", "stopped", "skipped") and summary.error:
        raise CrmError(summary.error, summary.hint)


@click.command("log")
@click.argument("connector")
@click.argument("run", type=int, required=False)
@click.option("--side", metavar="crm|CONNECTOR",
              help="Only records of this side (with RUN): crm, or the connector's name.")
@click.option("--action", type=click.Choice((*ACTIONS, WARNING)), help="Only this action (with RUN).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the records to this CSV file (with RUN); '-' for standard output.")
@click.option("--limit", default=50, show_default=True, help="How many runs to list.")
@click.option("--user", "owner", metavar="NAME", help="Another user's log (admins only).")
@json_option
@pass_crm
def log_command(crm, connector, run, side, action, csv_path, limit, owner, as_json):
    """The Sync Log: runs with their per-side counts, or with RUN the records of one run.

    Each run shows when it ran, the module, the direction and, for the CRM and the connector's
    side, how many records were created, updated, skipped and deleted there.
    """
    from crmcore.sync import logview
    from crmcore.sync.runner import connection_for

    with crm.session() as session:
        actor = acting_user(session)
    connection, _ = connection_for(crm, actor, connector, owner)
    label = crm.plugins.connectors[connector].connector.label
    with crm.session() as session:
        if run is None:
            rows = logview.runs(session, connection.id, connector, limit)
        else:
            try:
                run_row = logview.get_run(session, connection.id, run)
            except NotFound as exc:  # the hint with this connector's name, not a placeholder
                raise NotFound(exc.message,
                               f"See the run numbers with 'crm sync log {connector}'.") from None
            if side not in (None, "crm", "remote", connector):
                raise CrmError(f"Unknown side {side!r}.", f"Use --side crm or --side {connector}.")
            stored_side = None if side is None else (CRM_SIDE if side == "crm" else connector)
            rows = logview.items(session, run_row.id, stored_side, action)
            header = logview.run_dict(run_row, connector)
    if run is not None and csv_path:
        if csv_path == "-":
            logview.write_csv(rows, sys.stdout)
        else:
            with open(csv_path, "w", newline="", encoding="utf-8") as out:
                logview.write_csv(rows, out)
            click.echo(f"Wrote {len(rows)} records to {csv_path}.")
        return
    if as_json:
        print_json(rows if run is None else {"run": header, "records": rows})
        return
    if run is None:
        table = []
        for r in rows:
            crm_c, remote_c = r["counts"].get(CRM_SIDE, {}), r["counts"].get(connector, {})
            table.append({"run": r["run"], "date": r["started_at"].strftime("%Y-%m-%d"),
                          "time": r["started_at"].strftime("%H:%M:%S"), "module": r["module"],
                          "outcome": r["outcome"],
                          "crm": "/".join(str(crm_c.get(a, 0)) for a in ACTIONS),
                          "remote": "/".join(str(remote_c.get(a, 0)) for a in ACTIONS)})
        print_table(table, [("run", "Run"), ("date", "Date"), ("time", "Time"),
                            ("module", "Module"), ("outcome", "Outcome"),
                            ("crm", "CRM c/u/s/d"), ("remote", f"{label} c/u/s/d")],
                    empty=f"No sync has run yet: 'crm sync now {connector}'.")
        return
    click.echo(f"Run {header['run']} ({header['outcome']}), {header['started_at']:%Y-%m-%d %H:%M:%S}"
               f", {header['direction']}")
    if header["error"]:
        click.echo(f"Error: {header['error']}\n{header['hint'] or ''}".rstrip())
    if header["note"]:
        click.echo(f"Note: {header['note']}.")
    print_table([{**r, "side": "CRM" if r["side"] == CRM_SIDE else label} for r in rows],
                [("side", "Side"), ("action", "Action"), ("module", "Module"),
                 ("record_name", "Record"), ("record_id", "CRM id"), ("remote_id", "Remote id"),
                 ("reason", "Why")], empty="No records match.")


@click.command("debug-log")
@click.argument("connector")
@click.argument("run", type=int, required=False)
@click.option("--limit", default=200, show_default=True, help="At most this many exchanges.")
@click.option("--user", "owner", metavar="NAME", help="Another user's log (admins only).")
@json_option
@pass_crm
def debug_log_command(crm, connector, run, limit, owner, as_json):
    """The Debug Log: the redacted requests and responses of runs made with Debug Mode on."""
    from crmcore.sync import logview
    from crmcore.sync.runner import connection_for

    with crm.session() as session:
        actor = acting_user(session)
    connection, _ = connection_for(crm, actor, connector, owner)
    with crm.session() as session:
        rows = logview.debug_entries(session, connection.id, run, limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo(f"The Debug Log is empty. Turn Debug Mode on with 'crm sync settings {connector} "
                   "--debug on', then sync.")
        return
    for row in rows:
        click.echo(f"[run {row['run']}] {row['at']:%H:%M:%S} {row['method']} {row['url']} -> "
                   f"{row['status']} ({row['elapsed_ms']} ms)")
        if row["request"]:
            click.echo(f"  request:  {row['request'][:300]}")
        if row["response"]:
            click.echo(f"  response: {row['response'][:300]}")


def attach(group: click.Group) -> None:
    """Add ``settings``, ``now``, ``log`` and ``debug-log`` to the ``crm sync`` group."""
    for command in (settings_command, now_command, log_command, debug_log_command):
        group.add_command(command)


def connector_module(crm, connector: str) -> str:
    """The module a registered connector syncs."""
    from crmcore.auth.connections import get_connector

    return get_connector(crm, connector).module


def module_label(crm, module: str) -> str:
    """A module's label ("Contacts"), or its name when it is not loaded."""
    found = crm.plugins.modules.get(module)
    return found.spec.label if found is not None else module
