"""``crm contacts``: parse, call :mod:`crm_contacts.service` or :mod:`crm_contacts.csvio`, print."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from crmcore.api import acting_user, pass_crm
from crmcore.api import echo, json_option, print_json, print_table, progress_reporter, visible
from crm_contacts import csvimport, csvio, service
from crm_contacts.fields import FIELD_NAMES, FIELDS

RECORD_ID = click.IntRange(1, 2**63 - 1)  # what the database stores; larger is a clear usage error
ALIASES = {"office_phone": ("--phone",), "mobile_phone": ("--mobile",)}
LIST_COLUMNS = [("id", "ID"), ("name", "Name"), ("email", "Email"), ("phone", "Phone"),
                ("organization", "Organization"), ("owner", "Owner"), ("modified_at", "Modified")]


def field_options(func):
    """One option per contact field, e.g. --first-name; a value not given is left out."""
    for spec in reversed(FIELDS):
        flag = "--" + spec.name.replace("_", "-")
        if spec.type == "boolean":
            option = click.option(f"{flag}/--no-{flag[2:]}", spec.name, default=None,
                                  help=f"{spec.label}: yes or no.")
        else:
            extra = {"date": " (YYYY-MM-DD)", "email": " (a valid address)"}.get(spec.type, "")
            mandatory = " Mandatory." if spec.mandatory else ""
            option = click.option(flag, *ALIASES.get(spec.name, ()), spec.name, metavar="TEXT",
                                  help=f"{spec.label}{extra}.{mandatory}")
        func = option(func)
    return func


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


@contextmanager
def _open(crm) -> Iterator[tuple[Any, Any]]:
    """A transaction and the acting user, once the contacts extension is known to be installed."""
    with crm.session() as session:
        service.require_contacts(session)
        yield session, acting_user(session)


def _print_record(record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(record)
        return
    labels = {spec.name: spec.label for spec in FIELDS}
    labels.update(id="ID", owner="Owner", created_at="Created", modified_at="Modified",
                  deleted_at="In recycle bin since")
    rows = [{"field": labels[key], "value": value} for key, value in record.items()
            if key in labels and (value not in (None, "") or key in ("first_name", "email"))]
    print_table(rows, [("field", "Field"), ("value", "Value")])


@click.group()
def contacts() -> None:
    """People: add, list, show, update, delete (to the recycle bin) and restore; CSV import/export.

    Needs the contacts extension: an admin installs it with 'crm extensions install contacts'.
    """


@contacts.command("add")
@field_options
@json_option
@pass_crm
def add(crm, as_json: bool, **fields: Any) -> None:
    """Add a contact owned by the acting user (--as NAME or CRM_USER). --last-name is mandatory.

    Example: crm contacts add --first-name Ada --last-name Lovelace --email ada@example.com
    """
    with _open(crm) as (session, user):
        record = service.add(session, user, _given(fields))
    if as_json:
        print_json(record)
    else:
        click.echo(f"Added contact {record['id']}: {service.STORE.display_name(record)}.")


@contacts.command("list")
@click.option("--deleted", is_flag=True, help="List the recycle bin instead of live contacts.")
@click.option("--search", metavar="TEXT",
              help="Only contacts whose name, email, phone, organization, title or city contain "
                   "every word of TEXT (case-insensitive).")
@click.option("--owner", metavar="NAME", help="Only contacts owned by this user.")
@click.option("--mine", is_flag=True, help="Only contacts owned by the acting user.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, metavar="N",
              help="Show at most N contacts.")
@json_option
@pass_crm
def list_(crm, deleted: bool, search: str | None, owner: str | None, mine: bool, limit: int,
          as_json: bool) -> None:
    """List contacts sorted by last name, first name; filters combine."""
    with _open(crm) as (session, user):
        rows, total = service.list_contacts(session, user, deleted=deleted, search=search,
                                            owner=owner, mine=mine,
                                            limit=min(limit, RECORD_ID.max))  # "all", as SQL takes it
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["name"] = service.STORE.display_name(row)
        row["phone"] = row["office_phone"] or row["mobile_phone"] or row["home_phone"]
    columns = LIST_COLUMNS + ([("deleted_at", "Deleted")] if deleted else [])
    print_table(rows, columns, empty="The recycle bin is empty." if deleted else "No contacts.")
    if total > len(rows):
        click.echo(f"Showing {len(rows)} of {total}; use --limit or --search to see others.")


@contacts.command("show")
@click.argument("record_id", metavar="ID", type=RECORD_ID)
@json_option
@pass_crm
def show(crm, record_id: int, as_json: bool) -> None:
    """Show every field of contact ID (one in the recycle bin too)."""
    with _open(crm) as (session, _user):
        record = service.show(session, record_id)
    _print_record(record, as_json)


@contacts.command("update")
@click.argument("record_id", metavar="ID", type=RECORD_ID)
@field_options
@click.option("--clear", "clear", multiple=True, type=click.Choice(FIELD_NAMES), metavar="FIELD",
              help="Empty this field (repeat for several), e.g. --clear title.")
@json_option
@pass_crm
def update(crm, record_id: int, clear: tuple[str, ...], as_json: bool, **fields: Any) -> None:
    """Change the given fields of contact ID; fields not given stay as they are."""
    values = _given(fields)
    both = sorted(set(values) & set(clear))
    if both:
        raise click.UsageError(f"{both[0]} is both given and cleared; pick one.")
    values.update({name: None for name in clear})
    with _open(crm) as (session, user):
        record = service.update(session, user, record_id, values)
    if as_json:
        print_json(record)
    else:
        click.echo(f"Updated contact {record_id}: {service.STORE.display_name(record)}.")


@contacts.command("delete")
@click.argument("record_ids", metavar="ID...", nargs=-1, required=True, type=RECORD_ID)
@pass_crm
def delete(crm, record_ids: tuple[int, ...]) -> None:
    """Move contacts to the recycle bin ('crm contacts restore ID' brings them back)."""
    with _open(crm) as (session, user):
        outcomes = service.delete(session, user, record_ids)
    for o in outcomes:
        click.echo(f"Moved contact {o.id} ({o.name}) to the recycle bin." if o.changed
                   else f"Contact {o.id} ({o.name}) was already in the recycle bin.")


@contacts.command("restore")
@click.argument("record_ids", metavar="ID...", nargs=-1, required=True, type=RECORD_ID)
@pass_crm
def restore(crm, record_ids: tuple[int, ...]) -> None:
    """Take contacts out of the recycle bin ('crm contacts list --deleted' shows it)."""
    with _open(crm) as (session, user):
        outcomes = service.restore(session, user, record_ids)
    for o in outcomes:
        click.echo(f"Restored contact {o.id} ({o.name})." if o.changed
                   else f"Contact {o.id} ({o.name}) was not in the recycle bin.")


@contacts.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--on-duplicate", type=click.Choice(csvimport.ON_DUPLICATE), default="update",
              show_default=True,
              help="A row whose email matches a contact (or, without an email, whose every cell "
                   "does): update that contact with the row's non-empty cells, skip the row, or "
                   "create another contact anyway.")
@click.option("--quiet", "-q", is_flag=True, help="Print no progress and no per-row lines.")
@json_option
@pass_crm
def import_(crm, file, on_duplicate: str, quiet: bool, as_json: bool) -> None:
    """Import contacts from a CSV FILE ('-' for standard input) owned by the acting user.

    The header names the fields (as 'crm contacts export' writes them; id, owner and times are
    ignored); cells may be separated by ',', ';' or a tab. Good rows are kept; each bad row is
    reported as 'line N: reason' and the command then exits with status 2. Running the same
    file again adds nothing twice (see --on-duplicate), so an import that stopped part way is
    finished by running it again.
    """
    text = csvimport.read_text(file.read())
    with progress_reporter("Importing", enabled=not (quiet or as_json)) as progress:
        with _open(crm) as (session, user):
            try:
                report = csvimport.import_csv(session, user, text, on_duplicate, progress)
            except csvimport.ImportStopped as stopped:
                _import_report(stopped.report, as_json, quiet)
                raise
    _import_report(report, as_json, quiet)
    if report.errors:
        click.get_current_context().exit(2)


def _import_report(report: csvimport.ImportReport, as_json: bool, quiet: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    if not quiet:
        for row in report.rows:
            if row.action == "failed":
                echo(f"line {row.line}: {visible(row.reason or '')}", err=True)
            elif row.action != "created":
                echo(f"line {row.line}: {row.action} contact {row.id}", err=True)
    if report.delimiter != ",":
        echo(f"Cells were separated by {csvimport.delimiter_name(report.delimiter)}.")
    counts = [f"imported {_count(report.count('created'), 'contact')}"]
    counts += [f"{report.count(a)} {a}" for a in ("updated", "unchanged", "skipped")
               if report.count(a)]
    counts[0] = counts[0].capitalize()
    echo(f"{', '.join(counts)}; {_count(report.count('failed'), 'row')} failed.")


@contacts.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8", atomic=True))
@click.option("--deleted", is_flag=True, help="Export the recycle bin instead of live contacts.")
@pass_crm
def export(crm, file, deleted: bool) -> None:
    """Write contacts to a CSV FILE ('-' for standard output): id, every field, owner, times.

    Cells a spreadsheet would run as formulas are prefixed with ' (import removes it again).
    """
    to_terminal = file.name == "<stdout>" and sys.stdout.isatty()  # the CSV is the output there
    with _open(crm) as (session, user):
        total = service.list_contacts(session, user, deleted=deleted, limit=1)[1]
        with progress_reporter("Exporting", enabled=not to_terminal, unit="contacts",
                               plain_format="{label}: contact {done:,} of {total:,} ({percent}%)"
                               ) as progress:
            count = csvio.export(session, user, _Counted(file, progress, total), deleted=deleted)
    click.echo(f"Exported {_count(count, 'contact')} to {file.name}.", err=file.name == "<stdout>")


class _Counted:
    """A text file whose writes (one per CSV row, the header first) are reported as progress."""

    EVERY = 250  # rows between reports

    def __init__(self, file, report, total: int) -> None:
        self.file, self.report, self.total, self.rows = file, report, total, -1

    def write(self, text: str) -> int:
        self.rows += 1
        if self.report is not None and self.rows % self.EVERY == 0 and self.rows:
            self.report(self.rows, self.total)
        return self.file.write(text)

    def __getattr__(self, name: str):
        return getattr(self.file, name)
