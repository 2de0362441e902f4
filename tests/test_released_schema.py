"""Upgrade from the released schema: a database made by release 0.1.0, with data, upgraded by
today's code through the real ``crm db upgrade``, loses nothing, and a sync then writes nothing.

The databases are frozen SQL scripts in ``tests/released/0.1.0/`` (made once by
``tests/released/make_0_1_0.py`` with the 0.1.0 code), so today's models play no part in them.

When you add a revision (any lineage), this test runs it on the 0.1.0 data at once. To extend it:

- Every column of every 0.1.0 table must read back unchanged. A column your revision renames or
  moves is listed in ``MOVED`` as ``(table, column): (new_table, new_column)``; one it drops on
  purpose in ``DROPPED``. A new column needs nothing here.
- What your revision does to existing rows (a backfill, a default, a split) is asserted by a
  function decorated ``@after_upgrade``: it receives the open connection and the 0.1.0 rows
  (``{table: {primary key: {column: value}}}``).
- Never edit the frozen scripts: they are what users have on disk.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import Connection

from crm_constant_contact.sandbox import Sandbox
from crmcore.initialise import KEY_CHECK_PLAINTEXT
from crmcore.migrations.lineage import VERSION_TABLE_PREFIX
from crmcore.migrations.runner import current_revisions, extension_lineages, core_lineage
from crmcore.sync.runner import sync_connection
from crmcore.testing.fixtures import CrmEnv
from crmcore.testing.migrations import schema_differences

RELEASED = Path(__file__).parent / "released" / "0.1.0"
PLUGINS = ("contacts", "constant-contact")

Rows = dict[str, dict[tuple, dict[str, Any]]]

#: (table, column) of 0.1.0 -> (table, column) where a later revision moved its values.
MOVED: dict[tuple[str, str], tuple[str, str]] = {}
#: (table, column) of 0.1.0 that a later revision dropped on purpose.
DROPPED: set[tuple[str, str]] = {
    ("crm_sync_settings", "contacts_enabled"),  # core 0005: into modules (checked below)
    ("crm_change", "id"),  # core 0006: seq is the key (checked below)
}
AFTER_UPGRADE: list[Callable[[Connection, Rows], None]] = []


def after_upgrade(check: Callable[[Connection, Rows], None]) -> Callable[[Connection, Rows], None]:
    """Register ``check(conn, released_rows)``, run after the upgrade, before the sync."""
    AFTER_UPGRADE.append(check)
    return check


@after_upgrade
def _contacts_enabled_became_a_module_flag_and_the_mark_a_cursor(conn: Connection, released: Rows) -> None:
    """core 0005: ``contacts_enabled`` -> ``modules`` ({} when on, {"contacts": false} when off);
    a checkpoint's high-water mark and settled flag -> the timestamp cursor they mean."""
    from crmcore.api import TimestampCursor

    after = read_rows(conn)
    for key, row in released["crm_sync_settings"].items():
        modules = after["crm_sync_settings"][key]["modules"]
        modules = json.loads(modules) if isinstance(modules, str) else modules
        assert modules == ({} if row["contacts_enabled"] else {"contacts": False})
    for key, row in released["crm_sync_checkpoint"].items():
        cursor = TimestampCursor.parse(after["crm_sync_checkpoint"][key]["remote_cursor"])
        mark = row["remote_high_water"]
        mark = datetime.fromisoformat(mark) if isinstance(mark, str) else mark
        assert cursor is not None and cursor.mark.replace(tzinfo=None) == (
            mark.astimezone(timezone.utc).replace(tzinfo=None) if mark.tzinfo else mark)
        assert cursor.settled == bool(row["remote_settled"])


# -- the frozen database ---------------------------------------------------------------------------


def load_released(env: CrmEnv, backend: str) -> None:
    """Run the frozen 0.1.0 script into the (empty) database of ``env``."""
    script = (RELEASED / f"crm-{backend}.sql").read_text(encoding="utf-8")
    engine = env.crm().engine
    if backend == "sqlite":
        conn = sqlite3.connect(engine.url.database)
        conn.executescript(script)
        conn.close()
    else:
        raw = engine.raw_connection()
        try:
            raw.cursor().execute(script)
            raw.commit()
        finally:
            raw.close()
    engine.dispose()


def read_rows(conn: Connection) -> Rows:
    """Every row of every table except the version tables, by primary key."""
    meta = MetaData()
    meta.reflect(conn)
    rows: Rows = {}
    for name, table in meta.tables.items():
        if name.startswith(VERSION_TABLE_PREFIX):
            continue
        key = [c.name for c in table.primary_key.columns]
        rows[name] = {tuple(r[k] for k in key): dict(r)
                      for r in conn.execute(select(table)).mappings()}
    return rows


def assert_rows_intact(before: Rows, after: Rows) -> None:
    for table, records in before.items():
        assert table in after or all((table, c) in DROPPED | set(MOVED)
                                     for r in records.values() for c in r), f"{table} is gone"
        for key, record in records.items():
            for column, value in record.items():
                if (table, column) in DROPPED:
                    continue
                new_table, new_column = MOVED.get((table, column), (table, column))
                assert key in after[new_table], f"{new_table} lost the row {key}"
                assert after[new_table][key][new_column] == value, (table, key, column)


# -- what each later revision did to the released rows ----------------------------------------------


@after_upgrade
def core_0002_leaves_accounts_mappings_and_notes_unknown(conn: Connection, released: Rows) -> None:
    """core 0002: the new columns are empty on 0.1.0 rows (the first run adopts the account and
    the mapping without re-baselining: the sync below writes nothing)."""
    assert conn.execute(text("SELECT count(*) FROM crm_connection WHERE remote_account IS NOT NULL"
                             )).scalar() == 0
    assert conn.execute(text("SELECT count(*) FROM crm_sync_checkpoint WHERE mapping IS NOT NULL "
                             "OR account IS NOT NULL")).scalar() == 0
    notes = conn.execute(text("SELECT count(*) FROM crm_sync_run WHERE note IS NOT NULL")).scalar()
    assert notes == 0 and len(released["crm_sync_run"]) == 4


@after_upgrade
def core_0003_brings_the_job_queue_on_postgresql_only(conn: Connection, released: Rows) -> None:
    """core 0003: procrastinate's tables on PostgreSQL (the postgres extra is installed for the
    tests), none on SQLite."""
    from sqlalchemy import inspect

    queue = {t for t in inspect(conn).get_table_names() if t.startswith("procrastinate_")}
    if conn.dialect.name == "sqlite":
        assert queue == set()
    else:
        assert "procrastinate_jobs" in queue


@after_upgrade
def core_0004_gives_released_users_no_password_and_no_back_off(conn: Connection,
                                                             released: Rows) -> None:
    """core 0004: every 0.1.0 user exists with no password yet (``crm users set-password``),
    no failed logins, not locked."""
    rows = conn.execute(text("SELECT password_hash, failed_logins, locked_until FROM crm_user")
                        ).all()
    assert len(rows) == len(released["crm_user"]) > 0
    assert all(tuple(r) == (None, 0, None) for r in rows), rows


@after_upgrade
def core_0006_keys_the_change_log_by_seq(conn: Connection, released: Rows) -> None:
    """core 0006: every 0.1.0 change is there under its seq (0.1.0's ids equal the seqs, so the
    rows compare by key above too), and the log has one index, on (module, seq)."""
    from sqlalchemy import inspect

    after = {r.seq: tuple(r) for r in conn.execute(text(
        "SELECT seq, module, record_id, op, user_id FROM crm_change"))}
    assert after == {row["seq"]: (row["seq"], row["module"], row["record_id"], row["op"],
                                  row["user_id"]) for row in released["crm_change"].values()}
    assert inspect(conn).get_pk_constraint("crm_change")["constrained_columns"] == ["seq"]
    assert [ix["column_names"] for ix in inspect(conn).get_indexes("crm_change")
            if not ix.get("duplicates_constraint")] == [["module", "seq"]]


@after_upgrade
def contacts_0002_adds_the_list_order_index(conn: Connection, released: Rows) -> None:
    """contacts 0002: the index the contacts pages read in list order."""
    if conn.dialect.name == "sqlite":
        found = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                  "tbl_name = 'contact'")).scalars().all()
    else:
        found = conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'contact' "
                                  "AND schemaname = current_schema()")).scalars().all()
    assert "ix_contact_name_order" in found, found


@after_upgrade
def contacts_0003_drops_the_last_name_index(conn: Connection, released: Rows) -> None:
    """contacts 0003: no index on last_name alone (the list-order index serves its query)."""
    from sqlalchemy import inspect

    found = {ix["name"] for ix in inspect(conn).get_indexes("contact")}
    assert "ix_contact_last_name" not in found and "ix_contact_email_normalised" in found, found


# -- the test --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_0_1_0_database_upgrades_with_every_row_and_secret_intact(database_url, tmp_path,
                                                                     monkeypatch):
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    key = (RELEASED / "secret.key").read_text(encoding="utf-8").strip()
    monkeypatch.setenv("CRM_SECRET_KEY", key)
    env = CrmEnv(home=tmp_path / "home", database_url=database_url, secret_key=key,
                 plugins=PLUGINS)
    load_released(env, backend)
    crm = env.crm()
    with crm.engine.connect() as conn:
        released = read_rows(conn)
    assert len(released["contact"]) == 6 and len(released["crm_sync_run"]) == 4
    assert released["crm_sync_link"] and released["crm_sync_run_item"] and released["crm_sync_debug"]

    refused = env.run(["contacts", "list"])  # the real command, on the out-of-date database
    assert refused.returncode == 1
    assert "schema is older than the installed CRM" in refused.stderr
    assert "crm db upgrade" in refused.stderr
    status = json.loads(env.run(["db", "status", "--json"]).stdout)
    assert {s["lineage"]: s["note"] != "" for s in status} == {
        "core": True, "contacts": True, "constant-contact": True}

    init = env.invoke(["init", "--admin", "admin"])
    assert init.exit_code == 1 and "crm db upgrade" in init.output

    upgraded = env.run(["db", "upgrade"])
    assert upgraded.returncode == 0, upgraded.stderr
    # recognised as 0.1.0, stamped; the core first, then each extension after its dependencies
    order = [upgraded.stdout.index(f"{lineage}: stamped base -> ")
             for lineage in ("core", "contacts", "constant-contact")]
    assert order == sorted(order)
    if backend == "sqlite":
        backup = next(Path(crm.engine.url.database).parent.glob("crm.backup-*.sqlite"))
        assert f"Backed up the database to {backup}" in upgraded.stdout
        with sqlite3.connect(backup) as copy:
            assert copy.execute("SELECT count(*) FROM contact").fetchone()[0] == 6

    lineages = [core_lineage(), *extension_lineages(crm).values()]
    with crm.engine.connect() as conn:
        assert_rows_intact(released, read_rows(conn))
        for lineage in lineages:
            assert current_revisions(conn, lineage) == (lineage.head(),)
            assert schema_differences(crm.engine, lineage) == [], lineage.name
        for check in AFTER_UPGRADE:
            check(conn, released)

    # every secret opens with the key it was encrypted with, and is the one the service issued
    sandbox_file = tmp_path / "sandbox.json"
    shutil.copy(RELEASED / f"sandbox-{backend}.json", sandbox_file)
    account = json.loads(sandbox_file.read_text(encoding="utf-8"))
    fernet = Fernet(key.encode())
    connection = next(iter(released["crm_connection"].values()))
    assert fernet.decrypt(connection["client_secret_enc"].encode()).decode() == account["client_secret"]
    token = json.loads(fernet.decrypt(connection["token_enc"].encode()))
    assert token["refresh_token"] in account["oauth"]["refresh_tokens"]
    check_row = next(iter(released["crm_key_check"].values()))
    assert fernet.decrypt(check_row["token"].encode()).decode() == KEY_CHECK_PLAINTEXT
    assert env.run(["contacts", "list"]).returncode == 0

    # a sync against the same account finds nothing to do on either side
    with Sandbox(rate_limit_per_second=None, daily_limit=None, data_file=sandbox_file,
                 refresh_token_idle_expiry=100 * 365 * 86400) as sandbox:
        with crm.engine.begin() as conn:  # the sandbox listens on another port than in 0.1.0
            conn.execute(text("UPDATE crm_connection SET auth_url = :a, token_url = :t, "
                              "api_url = :api, revoke_url = :r"),
                         {"a": sandbox.auth_url, "t": sandbox.token_url, "api": sandbox.api_url,
                          "r": sandbox.revoke_url})
        remote_before = sandbox.contacts(include_deleted=True)
        summary = sync_connection(crm, connection["id"])
        assert summary.outcome == "success", (summary.error, summary.hint)
        writes = {side: {action: n for action, n in counts.items()
                         if action in ("created", "updated", "deleted") and n}
                  for side, counts in summary.counts.items()}
        assert writes == {side: {} for side in summary.counts}, writes
        assert sandbox.contacts(include_deleted=True) == remote_before
    with crm.engine.connect() as conn:
        after_sync = read_rows(conn)
    for table in ("contact", "crm_sync_link", "crm_change"):
        assert_rows_intact({table: released[table]}, {table: after_sync[table]})
        assert len(after_sync[table]) == len(released[table]), table
    crm.close()
