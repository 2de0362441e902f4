"""The Extension Store (admins): available and installed extensions, install, uninstall."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from crmcore.extensions import store
from crmcore.users import require_admin
from crmcore.web.context import web_crm, web_user

bp = Blueprint("extensions", __name__, url_prefix="/extensions")


@bp.route("")
def index():
    """The Extension Store (admin only): available and installed extensions."""
    require_admin(web_user(), "open the Extension Store")
    crm = web_crm()
    with crm.session() as session:
        rows = store.statuses(crm, session)
    return render_template("extensions.html", rows=rows)


@bp.route("/install", methods=["GET", "POST"])
def install():
    """GET: the confirmation page (what installs, dependencies first). POST: install."""
    crm, user = web_crm(), web_user()
    require_admin(user, "install extensions")
    names = [n for n in request.values.getlist("name") if n]
    with crm.session() as session:
        plan = store.install_plan(crm, session, names)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render_template("extension_confirm.html", action="install", names=names,
                               plan=[f"{m.name} {m.version}" for m in plan], purge=False)
    done = store.install(crm, user, names)
    flash("Installed " + (", ".join(f"{m.name} {m.version}" for m in done) or "nothing new") + ".",
          "success")
    return redirect(url_for("extensions.index"))


@bp.route("/uninstall", methods=["GET", "POST"])
def uninstall():
    """Uninstall the extensions named in ``name`` (admin only): GET asks to confirm, POST
    uninstalls (``purge=yes`` also drops their data)."""
    crm, user = web_crm(), web_user()
    require_admin(user, "uninstall extensions")
    names = [n for n in request.values.getlist("name") if n]
    purge = request.values.get("purge") == "yes"
    with crm.session() as session:
        order = store.uninstall_plan(crm, session, names)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render_template("extension_confirm.html", action="uninstall", names=names,
                               plan=order, purge=purge)
    done = store.uninstall(crm, user, names, purge=purge)
    flash(f"Uninstalled {', '.join(done)}{' and deleted their data' if purge else ''}.", "success")
    return redirect(url_for("extensions.index"))
