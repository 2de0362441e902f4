"""The background sync's due logic and back-off; settings and sync through the real command."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from crmcore import scheduler
from crmcore.models import utcnow
from crmcore.sync import settings as sync_settings
from crmcore.sync.models import SyncSettings


def _row(world) -> SyncSettings:
    with world.crm.session() as s:
        return s.get(SyncSettings, world.connection_id) or sync_settings.load(s, world.connection_id)


def test_scheduler_runs_what_is_due_and_waits_the_frequency(world):
    world.settings(frequency="15m")
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    now = utcnow()
    results = scheduler.run_due(world.crm, now=now)
    assert [(r.item.connection_id, r.outcome) for r in results] == [(world.connection_id, "success")]
    assert world.remote("ada@example.com")
    assert _row(world).next_run_at == now + timedelta(minutes=15)
    assert scheduler.run_due(world.crm, now=now + timedelta(minutes=14)) == []
    assert len(scheduler.run_due(world.crm, now=now + timedelta(minutes=15))) == 1


def test_scheduler_skips_off_disabled_and_signed_out_connections(world):
    world.settings(frequency="off")
    assert scheduler.run_due(world.crm) == []
    world.settings(frequency="1h", contacts_enabled=False)
    assert scheduler.run_due(world.crm) == []
    world.settings(contacts_enabled=True)
    world.env.invoke(["sync", "revoke", "constant-contact"])
    assert scheduler.run_due(world.crm) == []


def test_sync_now_on_a_revoked_connection_refuses_and_records_no_run(world):
    from sqlmodel import func, select

    from crmcore.sync.models import SyncRun

    def runs() -> int:
        with world.crm.session() as s:
            return s.exec(select(func.count()).select_from(SyncRun)).one()

    world.env.invoke(["sync", "revoke", "constant-contact"])
    before = runs()
    for args in (["sync", "now", "constant-contact"], ["sync", "now", "constant-contact", "--dry-run"],
                 ["sync", "now", "constant-contact", "--json"]):
        refused = world.env.invoke(args)
        assert refused.exit_code != 0, refused.output
        assert "not signed in" in refused.output and "crm sync authorize constant-contact" in refused.output
        assert "API requests" not in refused.output  # no run was started
    assert runs() == before


def test_a_connection_that_keeps_failing_is_backed_off_and_the_sync_window_says_why(world):
    world.settings(frequency="10m")
    world.sandbox.faults.fail_next(1000, status=500)
    now = utcnow()
    calls = []

    def runner(crm, connection_id, **kw):
        calls.append(connection_id)
        from crmcore.sync.runner import sync_connection
        return sync_connection(crm, connection_id, **kw)

    scheduler.run_due(world.crm, now=now, runner=runner)
    row = _row(world)
    assert row.failures == 1 and row.next_run_at == now + timedelta(minutes=20)
    scheduler.run_due(world.crm, now=row.next_run_at, runner=runner)
    row = _row(world)
    assert row.failures == 2 and row.last_error
    assert row.next_run_at - now == timedelta(minutes=20 + 40)
    overview = json.loads(world.env.invoke(["sync", "connectors", "--json"]).output)
    mine = next(r for r in overview if r.get("connector", r.get("name")) == "constant-contact")
    assert "failing" in json.dumps(mine).lower() or "backed off" in json.dumps(mine).lower(), mine
    world.sandbox.faults.clear()
    scheduler.run_due(world.crm, now=row.next_run_at, runner=runner)
    assert _row(world).failures == 0


def test_one_failing_connection_does_not_stop_the_others(world):
    world.settings(frequency="10m")

    def runner(crm, connection_id, **kw):
        raise RuntimeError("boom")

    results = scheduler.run_due(world.crm, runner=runner)
    assert [(r.item.connection_id, r.outcome, r.summary) for r in results] == [
        (world.connection_id, "failed", None)]
    assert _row(world).last_error == "RuntimeError: boom"


def test_settings_are_admin_only_and_per_user(world):
    assert world.env.invoke(["users", "add", "bob"]).exit_code == 0
    result = world.env.invoke(["sync", "settings", "constant-contact", "--debug", "on"], user="bob")
    assert result.exit_code != 0
    result = world.env.invoke(["sync", "settings", "constant-contact", "--direction", "sideways"])
    assert result.exit_code == 2 and "Use both, to-constant-contact or to-crm" in result.output
    result = world.env.invoke(["sync", "settings", "constant-contact", "--frequency", "1m"])
    assert result.exit_code == 2 and "too often" in result.output
    result = world.env.invoke(["sync", "settings", "constant-contact", "--sync-records-from", "90d",
                               "--debug", "on", "--frequency", "15m", "--direction",
                               "to-constant-contact", "--contacts", "off"])
    assert result.exit_code == 0, result.output
    shown = json.loads(world.env.invoke(["sync", "settings", "constant-contact", "--json"]).output)
    assert shown == {"user": "admin", "connector": "constant-contact", "sync_records_from": "90d",
                     "debug": True, "frequency": "15m", "direction": "to-constant-contact",
                     "contacts_enabled": False, "modules": {"contacts": False},
                     "conflict_policy": "most-recent"}
    # --enable-module / --disable-module name any module; --contacts stays the short form
    result = world.env.invoke(["sync", "settings", "constant-contact", "--enable-module", "contacts"])
    assert result.exit_code == 0, result.output
    assert "Enable Contacts Sync:" in result.output
    shown = json.loads(world.env.invoke(["sync", "settings", "constant-contact", "--json"]).output)
    assert shown["contacts_enabled"] is True and shown["modules"] == {"contacts": True}
    result = world.env.invoke(["sync", "settings", "constant-contact", "--user", "bob"])
    assert result.exit_code == 1 and "'bob' has no constant-contact connection" in result.output


def test_sync_now_and_log_through_the_real_command(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    out = world.env.run(["sync", "now", "constant-contact"])
    assert out.returncode == 0, out.stderr
    assert "Run 1: success" in out.stdout and "Constant Contact" in out.stdout
    out = world.env.run(["sync", "log", "constant-contact", "1", "--json"])
    records = json.loads(out.stdout)["records"]
    assert [(r["side"], r["action"], r["record_name"]) for r in records] == [
        ("constant-contact", "created", "Ada Lovelace")]


@pytest.mark.slow
def test_demo_runs_offline_as_the_readme_says(tmp_path):
    exe = Path(sys.executable).parent / "crm"
    env = {"PATH": str(Path(sys.executable).parent), "CRM_HOME": str(tmp_path / "home")}
    out = subprocess.run([str(exe), "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "First two-way sync" in out.stdout and "Second two-way sync" in out.stdout
    assert "last name is mandatory in the CRM" in out.stdout
    assert "no email address" in out.stdout
    assert "deleted  Ada Lovelace (deleted in Constant Contact)" in out.stdout
    assert "deleted  Katherine Johnson (deleted in the CRM)" in out.stdout
    # CRM_HOME=$(mktemp -d) hides the home: the closing hint names it, so the command works
    assert f"'CRM_HOME={tmp_path / 'home'} crm sync log constant-contact'" in out.stdout
    log = subprocess.run([str(exe), "sync", "log", "constant-contact", "--json"], env=env,
                         capture_output=True, text=True)
    runs = json.loads(log.stdout)
    assert [r["outcome"] for r in runs] == ["success", "success"]
    margaret = subprocess.run([str(exe), "contacts", "list", "--json"], env=env,
                              capture_output=True, text=True)
    people = {p["email"]: p for p in json.loads(margaret.stdout) if p.get("email")}
    assert people["margaret@example.com"]["email_opt_out"] is True


def test_demo_refuses_a_crm_home_that_already_holds_a_crm(world):
    result = world.env.invoke(["demo"])
    assert result.exit_code == 1
    assert "crm demo needs an empty CRM home" in result.output and "mktemp -d" in result.output


def test_a_failing_connection_whose_frequency_changes_still_shows_in_the_sync_window(world):
    """A new frequency makes the connection due at once (no next run time) while its failures
    still count: the overview must say it is failing, not crash on the missing time."""
    world.settings(frequency="10m")
    world.sandbox.faults.fail_next(1000, status=500)
    scheduler.run_due(world.crm, now=utcnow())
    assert _row(world).failures == 1
    changed = world.env.invoke(["sync", "settings", "constant-contact", "--frequency", "1h"])
    assert changed.exit_code == 0, changed.output
    row = _row(world)
    assert row.failures == 1 and row.next_run_at is None
    listed = world.env.invoke(["sync", "connectors"])
    assert listed.exit_code == 0 and "Traceback" not in listed.output, listed.output
    assert "failing (1 in a row)" in listed.output
    as_json = world.env.invoke(["sync", "connectors", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert "failing (1 in a row)" in as_json.output
