"""Sign in and sign out; every other page requires a signed-in user."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from crmcore import passwords
from crmcore.errors import CrmError, PermissionDenied
from crmcore.web.context import safe_next, web_crm

bp = Blueprint("auth", __name__)
PUBLIC = {"auth.login", "static"}


@bp.before_app_request
def _require_sign_in():
    """Load the signed-in user; send anyone else to /login (with where they were going)."""
    g.user = None
    user_id, stamp = session.get("user_id"), session.get("stamp")
    if user_id is not None:
        try:
            with web_crm().session() as db:
                g.user = passwords.session_user(db, user_id, stamp or "")
        except PermissionDenied:
            session.clear()
    if g.user is None and request.endpoint not in PUBLIC:
        if request.headers.get("HX-Request") == "true":
            return "", 401, {"HX-Redirect": url_for("auth.login")}
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; on success, go to the page the visitor asked for (same site only). Failed
    logins back off per account."""
    next_url = safe_next(request.values.get("next"), url_for("sync.window"))
    if g.user is not None and request.method == "GET":
        return redirect(next_url)
    error = hint = None
    name = ""
    status = 200
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        try:
            with web_crm().session() as db:
                result = passwords.authenticate(db, name, request.form.get("password", ""))
        except CrmError as exc:
            error, hint = exc.message, exc.hint
            status = 429 if isinstance(exc, passwords.LoginThrottled) else 401
        else:
            session.clear()
            session.permanent = True
            session["user_id"], session["stamp"] = result.user_id, result.stamp
            return redirect(next_url)
    return render_template("login.html", error=error, hint=hint, name=name,
                           next_url=next_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session and go back to the login page."""
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
def home():
    """The home page: the Sync window."""
    return redirect(url_for("sync.window"))
