"""Sync Now (in the background, with progress) and the Dry run preview."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from crmcore.auth.connections import require_ready
from crmcore.sync import sync_now
from crmcore.sync.runlog import ACTIONS, CRM_SIDE
from crmcore.sync.runner import connection_for, sync_connection
from crmcore.web.context import is_htmx, web_crm, web_user
from crmcore.web.sync_views import bp, label_of


@bp.route("/<name>/now", methods=["POST"])
def sync_now_start(name: str):
    """Start a run in the background (a second press while one runs says so), show progress."""
    crm = web_crm()
    connection, _ = connection_for(crm, web_user(), name)
    require_ready(crm, connection.id)  # not signed in: say so, start no run
    started, state = sync_now.start_sync_now(crm, connection.id)
    if not started:
        flash("A sync of this connection is already running; its progress is below.", "info")
    if is_htmx():
        return _progress(name, state, fragment=True)
    return redirect(url_for("sync.sync_now_progress", name=name))


@bp.route("/<name>/now")
def sync_now_progress(name: str):
    """The progress of the latest Sync Now; refreshes itself (htmx, else a meta refresh)."""
    crm = web_crm()
    connection, _ = connection_for(crm, web_user(), name)
    return _progress(name, sync_now.status(crm, connection.id), fragment=is_htmx())


def _progress(name: str, state, fragment: bool):
    template = "sync_progress_fragment.html" if fragment else "sync_progress.html"
    return render_template(template, name=name, label=label_of(name), state=state,
                           actions=ACTIONS, crm_side=CRM_SIDE)


@bp.route("/<name>/dry-run", methods=["POST"])
def dry_run(name: str):
    """What a run would do on each side, changing nothing (no lock is taken)."""
    crm = web_crm()
    connection, _ = connection_for(crm, web_user(), name)
    require_ready(crm, connection.id)
    summary = sync_connection(crm, connection.id, dry_run=True)
    return render_template("dry_run.html", name=name, label=label_of(name), summary=summary,
                           actions=ACTIONS, crm_side=CRM_SIDE)
