"""The Sync Log (runs, their records, CSV), the Debug Log and "Needs attention"."""
from __future__ import annotations

import io

from flask import Response, current_app, render_template, request, url_for
from werkzeug.routing import BuildError

from crmcore.errors import ValidationError
from crmcore.sync import attention, logview
from crmcore.sync.runlog import ACTIONS, CRM_SIDE
from crmcore.sync.runner import connection_for
from crmcore.web.context import web_crm, web_user
from crmcore.web.sync_views import bp, label_of

RUNS_SHOWN = 100


def _connection(name: str):
    return connection_for(web_crm(), web_user(), name, request.args.get("user") or None)


def record_url(module: str, record_id: int | None) -> str | None:
    """Where a module's record is shown, when a plugin registered a page for that module."""
    endpoint = current_app.config["CRM_RECORD_VIEWS"].get(module)
    if endpoint is None or record_id is None:
        return None
    try:
        return url_for(endpoint, record_id=record_id)
    except BuildError:
        return None


@bp.route("/<name>/log")
def log(name: str):
    """The Sync Log of a connection: its latest runs, newest first, with per-side counts."""
    connection, owner = _connection(name)
    with web_crm().session() as db:
        runs = logview.runs(db, connection.id, name, RUNS_SHOWN)
    return render_template("sync_log.html", name=name, label=label_of(name), owner=owner,
                           runs=runs, actions=ACTIONS, crm_side=CRM_SIDE,
                           user_arg=request.args.get("user") or None)


def _filters(name: str) -> tuple[str | None, str | None]:
    side, action = request.args.get("side") or None, request.args.get("action") or None
    if side not in (None, "crm", name):
        raise ValidationError(f"Unknown side {side!r}.", f"Use side=crm or side={name}.")
    if action not in (None, *ACTIONS):
        raise ValidationError(f"Unknown action {action!r}.", f"Use one of: {', '.join(ACTIONS)}.")
    return (None if side is None else CRM_SIDE if side == "crm" else name), action


@bp.route("/<name>/log/<int:run>")
def run_detail(name: str, run: int):
    """The records of one run, filtered by ``?side=`` and ``?action=``, with a link to the same
    records as CSV."""
    connection, owner = _connection(name)
    side, action = _filters(name)
    with web_crm().session() as db:
        header = logview.run_dict(logview.get_run(db, connection.id, run), name)
        rows = logview.items(db, run, side, action)
    for row in rows:
        row["url"] = record_url(row["module"], row["record_id"])
    return render_template("sync_run.html", name=name, label=label_of(name), owner=owner,
                           run=header, rows=rows, side=request.args.get("side") or "",
                           action=action or "", actions=ACTIONS, crm_side=CRM_SIDE,
                           user_arg=request.args.get("user") or None)


@bp.route("/<name>/log/<int:run>.csv")
def run_csv(name: str, run: int):
    """The records of a run (with the page's filters) as the CLI's formula-safe CSV."""
    connection, _ = _connection(name)
    side, action = _filters(name)
    with web_crm().session() as db:
        logview.get_run(db, connection.id, run)
        rows = logview.items(db, run, side, action)
    out = io.StringIO()
    logview.write_csv(rows, out)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="sync-log-{name}-run-{run}.csv"'})


@bp.route("/<name>/debug-log")
def debug_log(name: str):
    """The Debug Log of a connection (one run's with ``?run=``), newest first."""
    connection, owner = _connection(name)
    run = request.args.get("run", type=int)
    with web_crm().session() as db:
        rows = logview.debug_entries(db, connection.id, run, 200)
    return render_template("debug_log.html", name=name, label=label_of(name), owner=owner,
                           rows=rows, run=run)


@bp.route("/<name>/attention")
def needs_attention(name: str):
    """Needs attention: records skipped run after run, with their reasons and links to them."""
    connection, owner = _connection(name)
    with web_crm().session() as db:
        rows = attention.needs_attention(db, connection.id)
    for row in rows:
        row["url"] = record_url(row["module"], row["record_id"])
    return render_template("attention.html", name=name, label=label_of(name), owner=owner,
                           rows=rows, crm_side=CRM_SIDE)
