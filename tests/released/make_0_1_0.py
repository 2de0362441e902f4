"""Make the frozen 0.1.0 databases that ``tests/test_released_schema.py`` upgrades.

Run ONCE, with the code of release 0.1.0 on the path (not today's: the point is a database the
current models did not make), from the root of a checkout of 0.1.0 with PostgreSQL running::

    CRM_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python tests/released/make_0_1_0.py OUT_DIR

It writes, for SQLite and PostgreSQL each, a plain SQL script of the whole database (schema and
rows) and the sandbox account the CRM was synced with (contacts, client secret, OAuth tokens),
plus the secret key that encrypted the CRM's tokens (a key for these test data only). The CRM
holds two users, contacts with every field (one in the recycle bin, one without email), the change
sequence, sync settings, links, a checkpoint, four runs with their log items and Debug Log rows,
and an encrypted client secret and token.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet
from sqlmodel import select

from crm_constant_contact.rehearsal import connect_to_sandbox
from crm_constant_contact.sandbox import Sandbox
from crmcore.app import CRM
from crmcore.config import Settings
from crmcore.extensions import store
from crmcore.initialise import initialise
from crmcore.models import User
from crmcore.plugins import PluginHost
from crmcore.sync import settings as sync_settings
from crmcore.sync.runner import sync_connection
from crmcore.testing.fixtures import fresh_database
from crmcore.users import add_user

REMOTE = [
    {"email_address": {"address": "grace@example.com", "permission_to_send": "implicit"},
     "first_name": "Grace", "last_name": "Hopper", "job_title": "Rear Admiral"},
    {"email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed"},
     "first_name": "Alan", "last_name": "Turing"},
    {"email_address": {"address": "ada@example.com", "permission_to_send": "implicit"},
     "first_name": "Ada", "last_name": "Lovelace"},
]
CRM_SIDE = [
    dict(salutation="Dr.", first_name="Ada", last_name="Lovelace", email="ADA@example.com",
         title="Analyst", department="Engines", organization="Analytical Society",
         birthday=date(1815, 12, 10), mailing_street="12 St James's Square", mailing_city="London",
         mailing_zip="SW1Y 4JH", mailing_country="United Kingdom", office_phone="+44 20 7946 0001",
         description="First program.\nSecond line, with 'quotes' and ünïcödé."),
    dict(first_name="Katherine", last_name="Johnson", email="katherine@example.com",
         mobile_phone="+1 757 555 0100"),
    dict(first_name="Edsger", last_name="Dijkstra", email="edsger@example.com"),
    dict(first_name="No", last_name="Email"),  # skipped by the sync: no email address
]


def build(url: str, home: Path, out: Path, backend: str, key: str) -> None:
    os.environ["CRM_SECRET_KEY"] = key
    crm = CRM(Settings(home=home, database_url=url),
              plugins=PluginHost(only={"contacts", "constant-contact"}))
    admin = initialise(crm, "admin")
    with crm.session() as s:
        add_user(s, s.get(User, admin.id), "bob")
    store.install(crm, admin, ["constant-contact"])
    records = crm.plugins.modules["contacts"].spec.records
    sandbox_file = out / f"sandbox-{backend}.json"
    with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True,
                 data_file=sandbox_file) as sandbox:
        sandbox.seed_contacts(REMOTE)
        with crm.session() as s:
            user = s.get(User, admin.id)
            ids = [records.create(s, values, user) for values in CRM_SIDE]
        connection_id = connect_to_sandbox(crm, admin, sandbox)
        with crm.session() as s:
            sync_settings.update(s, s.get(User, admin.id), connection_id, "constant-contact",
                                 {"debug": True})
        for _ in range(2):  # first sync, then one with edits and deletes on both sides
            summary = sync_connection(crm, connection_id)
            assert summary.outcome == "success", (summary.error, summary.hint)
            with crm.session() as s:
                user = s.get(User, admin.id)
                records.update(s, ids[1], {"title": "Mathematician"}, user)
                if _ == 0:
                    records.delete(s, ids[2], user)
            grace = [c for c in sandbox.contacts(include_deleted=False)
                     if c["email_address"]["address"] == "grace@example.com"][0]
            sandbox.update_contact(grace["contact_id"], {"job_title": f"Commodore {_}"})
        summary = sync_connection(crm, connection_id)
        assert summary.outcome == "success", (summary.error, summary.hint)
        summary = sync_connection(crm, connection_id)  # settles: writes nothing
        assert summary.outcome == "success", (summary.error, summary.hint)
        with crm.session() as s:
            assert s.exec(select(User)).all()
    crm.close()
    dump(url, out / f"crm-{backend}.sql", backend)


def dump(url: str, target: Path, backend: str) -> None:
    if backend == "sqlite":
        conn = sqlite3.connect(url[len("sqlite:///"):])
        lines = [line for line in conn.iterdump()]
        conn.close()
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    schema = parsed.query["options"].split("search_path=")[1]
    plain = parsed.set(drivername="postgresql", query={})
    sql = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "--inserts",
                          f"--schema={schema}", plain.render_as_string(hide_password=False)],
                         check=True, capture_output=True, text=True).stdout
    keep = []
    for line in sql.splitlines():
        if line.startswith(("SELECT pg_catalog.set_config('search_path'", "CREATE SCHEMA ",
                            "SET ", "\\")) or line.startswith("--"):
            continue
        keep.append(line.replace(f"{schema}.", ""))
    target.write_text("\n".join(keep).strip() + "\n", encoding="utf-8")


def main() -> None:
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    (out / "secret.key").write_text(key + "\n", encoding="utf-8")
    os.environ["CRM_PLUGINS"] = "contacts,constant-contact"
    for backend in ("sqlite", "postgresql"):
        where = Path(tempfile.mkdtemp())
        try:
            with fresh_database(backend if backend == "sqlite" else "postgresql", where) as url:
                build(url, where / "home", out, backend, key)
        finally:
            shutil.rmtree(where, ignore_errors=True)
    print(f"wrote {sorted(p.name for p in out.iterdir())}")


if __name__ == "__main__":
    main()
