"""The Contacts pages of the web application: list with search and paging, detail, create,
edit, delete to the recycle bin, restore. Thin: every action calls :mod:`crm_contacts.service`,
so the rules and messages are the CLI's."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from crmcore.api import User, ValidationError, web_crm, web_user
from crm_contacts import service
from crm_contacts.fields import FIELDS

bp = Blueprint("contacts", __name__, url_prefix="/contacts", template_folder="templates")
PAGE_SIZE = 50
COUNT_LIMIT = 1000  # a search says "more than 1,000" instead of counting every match


@contextmanager
def _open() -> Iterator[tuple[Any, Any]]:
    """A transaction and the signed-in user (re-read in it), once the extension is installed."""
    with web_crm().session() as session:
        service.require_contacts(session)
        yield session, session.get(User, web_user().id)


def _values_from_form() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.type == "boolean":
            values[spec.name] = request.form.get(spec.name) == "on"
        else:
            values[spec.name] = request.form.get(spec.name, "").strip() or None
    return values


@bp.route("")
def index():
    """The list: 50 a page, by name; a search counts its matches up to ``COUNT_LIMIT``."""
    search = request.args.get("q", "").strip() or None
    deleted = request.args.get("deleted") == "1"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    with _open() as (session, user):
        rows, total = service.list_contacts(
            session, user, deleted=deleted, search=search, limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE, count_limit=COUNT_LIMIT if search else None)
    has_next, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    for row in rows:
        row["name"] = service.STORE.display_name(row)
        row["phone"] = row["office_phone"] or row["mobile_phone"] or row["home_phone"]
    capped = search is not None and total > COUNT_LIMIT
    pages = None if capped else max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("contacts/list.html", rows=rows, total=total, capped=capped,
                           count_limit=COUNT_LIMIT, page=page, pages=pages, has_next=has_next,
                           search=search or "", deleted=deleted)


@bp.route("/<int:record_id>")
def show(record_id: int):
    """A contact's page."""
    with _open() as (session, _user):
        record = service.show(session, record_id)
    return render_template("contacts/show.html", record=record, fields=FIELDS,
                           name=service.STORE.display_name(record))


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The new-contact form; saves with the CLI's validation and messages."""
    values: dict[str, Any] = {}
    error = hint = None
    if request.method == "POST":
        values = _values_from_form()
        try:
            with _open() as (session, user):
                record = service.add(session, user, {k: v for k, v in values.items()
                                                     if v not in (None, False)})
        except ValidationError as exc:
            error, hint = exc.message, exc.hint
        else:
            flash(f"Added contact {record['id']}: {service.STORE.display_name(record)}.", "success")
            return redirect(url_for("contacts.show", record_id=record["id"]))
    return render_template("contacts/form.html", values=values, fields=FIELDS, record_id=None,
                           error=error, hint=hint), 400 if error else 200


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
def edit(record_id: int):
    """The edit form of a contact; saves with the CLI's validation and messages."""
    error = hint = None
    if request.method == "POST":
        values = _values_from_form()
        try:
            with _open() as (session, user):
                record = service.update(session, user, record_id, values)
        except ValidationError as exc:
            error, hint = exc.message, exc.hint
        else:
            flash(f"Updated contact {record_id}: {service.STORE.display_name(record)}.", "success")
            return redirect(url_for("contacts.show", record_id=record_id))
    else:
        with _open() as (session, _user):
            values = service.show(session, record_id)
    return render_template("contacts/form.html", values=values, fields=FIELDS,
                           record_id=record_id, error=error, hint=hint), 400 if error else 200


@bp.route("/<int:record_id>/delete", methods=["POST"])
def delete(record_id: int):
    """Move a contact to the recycle bin."""
    with _open() as (session, user):
        outcome = service.delete(session, user, [record_id])[0]
    flash(f"Moved contact {outcome.id} ({outcome.name}) to the recycle bin." if outcome.changed
          else f"Contact {outcome.id} ({outcome.name}) was already in the recycle bin.", "success")
    return redirect(url_for("contacts.show", record_id=record_id))


@bp.route("/<int:record_id>/restore", methods=["POST"])
def restore(record_id: int):
    """Restore a contact from the recycle bin."""
    with _open() as (session, user):
        outcome = service.restore(session, user, [record_id])[0]
    flash(f"Restored contact {outcome.id} ({outcome.name})." if outcome.changed
          else f"Contact {outcome.id} ({outcome.name}) was not in the recycle bin.", "success")
    return redirect(url_for("contacts.show", record_id=record_id))

