"""``crm demo``: a real two-way sync on the embedded defaults, offline, in well under a minute.

It uses the same services a person's commands use: ``crm init``, the extension store, the OAuth
settings and browser sign-in (auto-approved), the Contacts store and the sync engine, against a
local Constant Contact sandbox started in this process with its real rate limits.
"""
from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # what the demo runs is imported when it runs, not with the command line
    from crmcore.api import CRM
    from crmcore.api import User
    from crmcore.api import RunSummary

CRM_PEOPLE = [
    {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
     "title": "Analyst", "organization": "Analytical Engines", "mobile_phone": "+44 20 7946 0001"},
    {"first_name": "Alan", "last_name": "Turing", "email": "alan@example.com",
     "title": "Researcher", "mailing_city": "Manchester", "mailing_country": "UK"},
    {"first_name": "Katherine", "last_name": "Johnson", "email": "katherine@example.com",
     "organization": "NACA"},
    {"first_name": "Charles", "last_name": "Babbage"},  # no email: cannot go to Constant Contact
]
REMOTE_PEOPLE = [
    {"email_address": {"address": "ADA@example.com", "permission_to_send": "implicit"},
     "first_name": "Ada", "last_name": "Lovelace"},  # the same person: linked by email
    {"email_address": {"address": "grace@example.com", "permission_to_send": "implicit"},
     "first_name": "Grace", "last_name": "Hopper", "job_title": "Rear Admiral"},
    {"email_address": {"address": "margaret@example.com", "permission_to_send": "unsubscribed"},
     "first_name": "Margaret", "last_name": "Hamilton"},  # unsubscribed: CRM email opt-out
    {"email_address": {"address": "cher@example.com", "permission_to_send": "implicit"},
     "first_name": "Cher"},  # no last name: cannot become a CRM contact
]


def run_demo(crm: CRM, echo: Callable[[str], None], admin: str = "admin",
             then: Callable[[User, int], None] | None = None) -> tuple[RunSummary, RunSummary]:
    """The whole tour; returns the summaries of the two syncs. ``then(admin, connection_id)``
    runs at the end while the sandbox still serves (``crm demo --web`` serves the web app)."""
    from crmcore.api import CrmError
    from crmcore.api import User
    from crmcore.api import initialise
    from crmcore.api import install_extensions

    from crm_constant_contact.rehearsal import CONNECTOR, connect_to_sandbox
    from crm_constant_contact.sandbox import Sandbox

    started = time.monotonic()
    if crm.is_initialised():
        raise CrmError(f"crm demo needs an empty CRM home; {crm.settings.home} already holds a CRM "
                       "(the demo would add its own admin, contacts and connection to it).",
                       "Run it in a fresh folder: CRM_HOME=$(mktemp -d) crm demo")
    user = initialise(crm, admin)
    echo(f"1. CRM ready (database {crm.engine.url.render_as_string(hide_password=True)}), admin {user.name!r}.")
    installed = install_extensions(crm, user, [CONNECTOR])
    echo("2. Installed extensions: " + (", ".join(f"{m.name} {m.version}" for m in installed)
                                          or "already installed") + ".")
    with Sandbox(auto_approve=True) as sandbox:
        echo(f"3. Local Constant Contact sandbox at {sandbox.api_url} (4 requests/s, as the real one).")
        connection_id = connect_to_sandbox(crm, user, sandbox)
        echo("4. Saved the OAuth settings and signed in (Allow Access, auto-approved).")
        records = crm.plugins.modules["contacts"].spec.records
        with crm.session() as session:
            owner = session.get(User, user.id)
            ids = {p.get("email") or p["last_name"]: records.create(session, p, owner)
                   for p in CRM_PEOPLE}
        remote_ids = dict(zip((c["email_address"]["address"].lower() for c in REMOTE_PEOPLE),
                              sandbox.seed_contacts(REMOTE_PEOPLE)))
        echo(f"5. Seeded {len(CRM_PEOPLE)} CRM contacts and {len(REMOTE_PEOPLE)} Constant Contact "
             "contacts (one person on both sides, one unsubscribed, one without an email, one "
             "without a last name).")
        first = _sync(crm, connection_id, echo, "6. First two-way sync")
        with crm.session() as session:
            owner = session.get(User, user.id)
            records.update(session, ids["alan@example.com"], {"title": "Professor"}, owner)
            records.delete(session, ids["katherine@example.com"], owner)
        sandbox.update_contact(remote_ids["grace@example.com"], {"job_title": "Commodore"})
        sandbox.delete_contact(remote_ids["ada@example.com"])
        echo("7. Edited and deleted on both sides: Alan's title and Katherine deleted in the CRM; "
             "Grace's job title and Ada deleted in Constant Contact.")
        second = _sync(crm, connection_id, echo, "8. Second two-way sync")
        if then is not None:
            then(user, connection_id)
    home = f"CRM_HOME={shlex.quote(str(crm.settings.home))} "  # often a mktemp -d the user never saw
    echo(f"Done in {time.monotonic() - started:.1f} s. See the log any time: "
         f"'{home}crm sync log {CONNECTOR}' and '{home}crm sync log {CONNECTOR} RUN'.")
    return first, second


def _sync(crm: CRM, connection_id: int, echo: Callable[[str], None], title: str) -> RunSummary:
    from crmcore.api import sync_connection

    summary = sync_connection(crm, connection_id)
    if summary.outcome != "success":
        raise click.ClickException(f"{title} failed: {summary.error} {summary.hint or ''}")
    echo(f"{title}: run {summary.run_id}, {summary.requests} API requests.")
    _print_log(crm, summary, echo)
    return summary


def _print_log(crm: CRM, summary: RunSummary, echo: Callable[[str], None]) -> None:
    from crmcore.api import run_items

    from crm_constant_contact.rehearsal import CONNECTOR

    items = run_items(crm, summary.run_id)
    for side, label in (("crm", "CRM"), (CONNECTOR, "Constant Contact")):
        counts = summary.counts[side]
        echo(f"   {label:17} created {counts['created']}, updated {counts['updated']}, "
             f"skipped {counts['skipped']}, deleted {counts['deleted']}")
        for item in items:
            if item["side"] == side:
                why = f" ({item['reason']})" if item["reason"] else ""
                echo(f"     {item['action']:8} {item['record_name']}{why}")


@click.command("demo")
@click.option("--web", "web", is_flag=True,
              help="Then serve the web application on the demo's data (until Ctrl+C).")
@click.option("--host", default="127.0.0.1", show_default=True, help="With --web: address.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="With --web: port.")
def demo_command(web: bool, host: str, port: int) -> None:
    """Run a real two-way sync offline: the CRM against a local Constant Contact sandbox.

    Creates a CRM under CRM_HOME (which must be empty: CRM_HOME=$(mktemp -d) crm demo),
    installs the extensions, signs in to the sandbox, seeds contacts on both sides, syncs both
    ways, edits and deletes on both sides, syncs again and prints both sync logs.
    """
    from crmcore.api import current_crm

    crm = current_crm()
    run_demo(crm, click.echo, then=(lambda user, _cid: _serve_web(crm, user, host, port))
             if web else None)


def _serve_web(crm: CRM, user: User, host: str, port: int) -> None:
    """Give the demo admin a password, point the connection's redirect URI at the web app's
    callback (so Sign In works from the browser too) and serve until interrupted."""
    import secrets

    from crmcore.api import configure, serve_web, set_password

    from crm_constant_contact.rehearsal import CONNECTOR

    password = secrets.token_urlsafe(9)
    set_password(crm, user.name, password)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    configure(crm, user, CONNECTOR, redirect_uri=f"{base}/sync/{CONNECTOR}/callback")
    click.echo("")
    click.echo(f"Web application: {base}/  (log in as {user.name!r} with password {password!r})")
    click.echo(f"The Sync window is {base}/sync; the sandbox keeps running until Ctrl+C.")
    try:
        serve_web(crm, host, port)
    except KeyboardInterrupt:
        pass
