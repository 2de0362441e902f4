"""``crm db upgrade | status | stamp``: what an admin types to bring a database up to date."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from crmcore.migrations.runner import lineage_named

from fake_plugins import MigratingPlugin


def _behind(make_crm_env):
    """A CRM with the gadgets extension installed, then recorded one revision back (as after the
    plugin's package was upgraded), holding one row."""
    env = make_crm_env(extra=[MigratingPlugin()])
    assert env.invoke(["extensions", "install", "gadgets", "-y"]).exit_code == 0
    assert env.invoke(["db", "stamp", "gadgets", "gadgets_0001"]).exit_code == 0
    crm = env.crm()
    with crm.engine.begin() as conn:  # the schema as gadgets_0001 had it
        conn.execute(text("DROP TABLE test_gadget"))
        conn.execute(text("CREATE TABLE test_gadget (id INTEGER PRIMARY KEY, title VARCHAR NOT NULL)"))
        conn.execute(text("INSERT INTO test_gadget (id, title) VALUES (7, 'lamp')"))
    return env, crm


def test_status_lists_every_lineage(make_crm_env):
    env = make_crm_env("contacts", extra=[MigratingPlugin()])
    assert env.invoke(["extensions", "install", "contacts", "-y"]).exit_code == 0
    rows = {r["lineage"]: r for r in json.loads(env.invoke(["db", "status", "--json"]).output)}
    crm = env.crm()
    try:
        heads = {name: lineage_named(crm, name).head() for name in ("core", "contacts")}
    finally:
        crm.close()
    assert rows["core"]["current"] == [heads["core"]] and rows["core"]["up_to_date"]
    assert rows["contacts"]["current"] == [heads["contacts"]]
    assert rows["contacts"]["head"] == heads["contacts"] and rows["contacts"]["pending"] == []
    # not installed: nothing for an upgrade to do until 'crm extensions install gadgets'
    assert rows["gadgets"] == {"lineage": "gadgets", "current": [], "head": "gadgets_0002",
                               "pending": [], "up_to_date": True, "note": "not installed"}
    table = env.invoke(["db", "status"]).output
    assert "core" in table and "up to date" in table and "not installed" in table


def test_upgrade_backs_up_applies_and_reports_each_revision(make_crm_env):
    env, crm = _behind(make_crm_env)
    status = env.invoke(["db", "status"]).output
    assert "gadgets_0002" in status and "1 pending" in status and "crm db upgrade" in status
    assert env.invoke(["users", "list"]).exit_code == 1  # refused until upgraded

    result = env.invoke(["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "gadgets: upgraded gadgets_0001 -> gadgets_0002 (Rename test_gadget.title" in result.output
    assert result.output.rstrip().endswith("Upgraded: gadgets.")
    with crm.engine.connect() as conn:
        assert conn.execute(text("SELECT label FROM test_gadget WHERE id = 7")).scalar() == "lamp"
    if crm.engine.dialect.name == "sqlite":
        backup = next(Path(crm.engine.url.database).parent.glob("crm.backup-*.sqlite"))
        assert f"Backed up the database to {backup} before upgrading." in result.output
    assert env.invoke(["users", "list"]).exit_code == 0
    assert env.invoke(["db", "upgrade"]).output == "The database is up to date; nothing to do.\n"


def test_dry_run_prints_the_sql_and_changes_nothing(make_crm_env):
    env, crm = _behind(make_crm_env)
    result = env.invoke(["db", "upgrade", "--dry-run"])
    assert result.exit_code == 0, result.output
    sql = result.output
    assert "label" in sql and "UPDATE alembic_version_gadgets SET version_num=" in sql
    assert "gadgets_0002" in sql and "core_0001" not in sql  # the core has nothing pending
    with crm.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version_gadgets")).scalar() == "gadgets_0001"
        assert conn.execute(text("SELECT title FROM test_gadget")).scalar() == "lamp"
    assert not list(Path(env.home).parent.glob("crm.backup-*"))


def test_only_an_admin_upgrades_or_stamps(make_crm_env):
    env = make_crm_env()
    assert env.invoke(["users", "add", "bob"]).exit_code == 0
    for args in (["db", "upgrade"], ["db", "stamp", "core", "head"]):
        result = env.invoke(args, user="bob")
        assert result.exit_code == 3
        assert "Only an admin can" in result.output and "'bob' is not an admin" in result.output


def test_stamp_names_unknown_lineages(make_crm_env):
    env = make_crm_env()
    result = env.invoke(["db", "stamp", "nope", "head"])
    assert result.exit_code == 1 and "No lineage named 'nope'" in result.output
    assert "crm db status" in result.output
