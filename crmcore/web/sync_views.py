"""The Sync window: connectors and their state, OAuth settings, Sign In, Settings, Test
connection and Revoke Access. Connector-independent: every connector gets the same pages."""
from __future__ import annotations

from typing import Any

from flask import (Blueprint, flash, redirect, render_template, request, session, url_for)
from sqlmodel import select

from crmcore.auth import connections, web_signin
from crmcore.auth.models import Connection
from crmcore.auth.settings import DEFAULT_REDIRECT_URI, defaults
from crmcore.errors import CrmError, ValidationError
from crmcore.models import User
from crmcore.sync import settings as sync_settings
from crmcore.sync import sync_now
from crmcore.sync.runner import connection_for
from crmcore.web.context import web_crm, web_user

bp = Blueprint("sync", __name__, url_prefix="/sync")
OAUTH_FIELDS = ("client_id", "auth_url", "token_url", "api_url", "revoke_url", "scopes",
                "redirect_uri")
PENDING = "pending_sign_in"


def label_of(name: str) -> str:
    return connections.get_connector(web_crm(), name).label


def callback_url(name: str) -> str:
    return url_for("sync.callback", name=name, _external=True)


@bp.route("")
def window():
    crm, user = web_crm(), web_user()
    rows = connections.connectors_overview(crm, user)
    for row in rows:
        row["now"] = (sync_now.status(crm, row["connection_id"])
                      if row.get("connection_id") else None)
    mine = [r for r in rows if r["state"] != connections.AVAILABLE]
    available = [r for r in rows if r["state"] == connections.AVAILABLE]
    return render_template("sync_window.html", rows=mine, available=available,
                           show_available=request.args.get("available") == "1")


def _form_values(crm, user: User, name: str) -> dict[str, Any]:
    connector = connections.get_connector(crm, name)
    with crm.session() as db:
        row = db.exec(select(Connection).where(Connection.user_id == user.id,
                                               Connection.connector == name)).first()
    if row is None:
        values = {**defaults(connector), "client_id": ""}
        values["scopes"] = " ".join(values["scopes"])
    else:
        values = {key: getattr(row, key) or "" for key in OAUTH_FIELDS}
    if not row or values["redirect_uri"] == DEFAULT_REDIRECT_URI:
        values["redirect_uri"] = callback_url(name)
    values["has_secret"] = bool(row and row.client_secret_enc)
    return values


@bp.route("/<name>/oauth", methods=["GET", "POST"])
def oauth_settings(name: str):
    """The OAuth settings form: client id and secret, endpoints, scopes, redirect URI."""
    crm, user = web_crm(), web_user()
    connector = connections.get_connector(crm, name)
    values = _form_values(crm, user, name)
    error = hint = None
    if request.method == "POST":
        given = {key: (request.form.get(key) or "").strip() or None for key in OAUTH_FIELDS}
        given["client_secret"] = request.form.get("client_secret") or None
        notes: list[str] = []
        try:
            row = connections.configure(crm, user, name, notes=notes, **given)
        except ValidationError as exc:
            error, hint = exc.message, exc.hint
            values.update({k: v or "" for k, v in given.items() if k != "client_secret"})
        else:
            flash(f"Saved the OAuth settings of your {connector.label} connection "
                  f"(scopes: {row.scopes}; redirect URI: {row.redirect_uri}).", "success")
            for note in notes:
                flash(note, "info")
            return redirect(url_for("sync.window"))
    return render_template("oauth_settings.html", name=name, label=connector.label,
                           values=values, error=error, hint=hint,
                           required=connector.oauth.required_scopes,
                           callback=callback_url(name)), 400 if error else 200


@bp.route("/<name>/sign-in", methods=["POST"])
def sign_in(name: str):
    """Send the browser to the service's consent page (state and PKCE kept encrypted)."""
    url, pending = web_signin.start(web_crm(), web_user(), name, callback_url(name))
    session[PENDING] = pending
    return redirect(url)


@bp.route("/<name>/callback")
def callback(name: str):
    """Where the service sends the browser back: finish the sign-in, return to the Sync window."""
    pending = session.pop(PENDING, None)
    try:
        row = web_signin.finish(web_crm(), web_user(), name, pending, request.url)
    except CrmError as exc:
        flash(f"Sign-in failed: {exc.message}", "error")
        if exc.hint:
            flash(exc.hint, "info")
    else:
        flash(f"Signed in: your {label_of(name)} connection is ready (granted scopes: "
              f"{row.granted_scopes or 'not reported'}).", "success")
    return redirect(url_for("sync.window"))


SETTING_LABELS = {"sync_records_from": "Sync Records From", "debug": "Debug Mode",
                  "frequency": "Background Sync Frequency", "direction": "Sync Direction",
                  "module_enabled": "Enable Sync", "conflict_policy": "Conflict policy"}


@bp.route("/<name>/settings", methods=["GET", "POST"])
def settings(name: str):
    """Sync settings of a connection (the user's own, or ``?user=NAME``'s); changing is for admins."""
    crm, actor = web_crm(), web_user()
    owner_name = request.values.get("user") or None
    connection, owner = connection_for(crm, actor, name, owner_name)
    error = hint = None
    if request.method == "POST":
        changes = {"sync_records_from": request.form.get("sync_records_from") or None,
                   "frequency": request.form.get("frequency") or None,
                   "direction": request.form.get("direction") or None,
                   "conflict_policy": request.form.get("conflict_policy") or None,
                   "debug": request.form.get("debug") == "on",
                   "modules": {module_of(name): request.form.get(f"{module_of(name)}_enabled") == "on"}}
        try:
            with crm.session() as db:
                sync_settings.update(db, db.get(User, actor.id), connection.id, name, changes)
        except ValidationError as exc:
            error, hint = exc.message, exc.hint
        else:
            flash(f"Saved the sync settings of {owner.name}'s {label_of(name)} connection.",
                  "success")
            return redirect(url_for("sync.settings", name=name,
                                    user=owner.name if owner.id != actor.id else None))
    with crm.session() as db:
        shown = sync_settings.as_dict(sync_settings.load(db, connection.id), name, module_of(name))
        shown["module_enabled"] = shown[f"{module_of(name)}_enabled"]
        others = (list(db.exec(select(User.name).join(Connection, Connection.user_id == User.id)
                               .where(Connection.connector == name).order_by(User.name)))
                  if actor.is_admin else [])
    return render_template("sync_settings.html", name=name, label=label_of(name), owner=owner,
                           shown=shown, labels=SETTING_LABELS, can_change=actor.is_admin,
                           others=others, error=error, hint=hint, module=module_of(name),
                           module_label=_module_label(module_of(name))), 400 if error else 200


@bp.route("/<name>/test", methods=["POST"])
def test_connection(name: str):
    try:
        flash(web_signin.check(web_crm(), web_user(), name), "success")
    except CrmError as exc:
        flash(f"Test failed: {exc.message}", "error")
        if exc.hint:
            flash(exc.hint, "info")
    return redirect(url_for("sync.window"))


@bp.route("/<name>/revoke", methods=["GET", "POST"])
def revoke(name: str):
    """GET: confirm. POST with confirm=yes: revoke (tokens forgotten here, revoked there)."""
    crm, user = web_crm(), web_user()
    label = label_of(name)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        with crm.session() as db:
            connections.get_connection(db, user, name)
        return render_template("revoke.html", name=name, label=label)
    confirmed = connections.revoke(crm, user, name)
    remote = ("the service confirmed the revocation" if confirmed
              else "the service could not confirm it; you can also remove the app's access there")
    flash(f"Access revoked: your {label} tokens are forgotten and its syncs stop ({remote}). "
          "Sign In again to resume.", "success")
    return redirect(url_for("sync.window"))



def module_of(name: str) -> str:
    """The module connector ``name`` syncs."""
    from crmcore.auth.connections import get_connector

    return get_connector(web_crm(), name).module


def _module_label(module: str) -> str:
    found = web_crm().plugins.modules.get(module)
    return found.spec.label if found is not None else module
