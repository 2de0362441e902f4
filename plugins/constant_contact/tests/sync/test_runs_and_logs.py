"""One run at a time, dry runs, the Sync Log and its CSV, the Debug Log, failed runs."""
from __future__ import annotations

import csv
import io
import json

import pytest

from crmcore.sync import lock
from crmcore.sync.lock import AlreadyRunning
from crmcore.sync.runner import sync_connection


def test_a_second_run_of_the_same_connection_is_refused_clearly(world):
    with world.crm.session() as s:
        lock.acquire(s, world.connection_id, "contacts", 999, "wait")
        point = lock.checkpoint(s, world.connection_id, "contacts")
        point.lock_holder = "another-host:1"  # alive elsewhere: not ours to break
        s.add(point)
    with pytest.raises(AlreadyRunning, match="already running"):
        sync_connection(world.crm, world.connection_id)
    result = world.env.invoke(["sync", "now", "constant-contact"])
    assert result.exit_code == 1 and "already running" in result.output
    with world.crm.session() as s:
        lock.release(s, world.connection_id, "contacts", 999)
    world.sync()


def test_a_lock_left_by_a_dead_process_does_not_block(world):
    with world.crm.session() as s:
        lock.acquire(s, world.connection_id, "contacts", 999, "wait")
        point = lock.checkpoint(s, world.connection_id, "contacts")
        point.lock_holder = f"{lock.holder_id().rpartition(':')[0]}:999999999"
        s.add(point)
    world.sync()


def test_dry_run_shows_both_sides_and_changes_nothing_anywhere(world):
    crm_id = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.seed(world.contact("grace@example.com", "Grace", "Hopper"))
    world.add(first_name="No", last_name="Email")
    before_crm, before_remote = world.contacts(), world.sandbox.contacts()
    world.sandbox.reset_counts()
    result = world.env.invoke(["sync", "now", "constant-contact", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dry_run"] is True and summary["run_id"] is None
    assert summary["counts"]["crm"]["created"] == 1
    assert summary["counts"]["constant-contact"]["created"] == 1
    assert summary["counts"]["constant-contact"]["skipped"] == 1
    names = {(i["side"], i["action"], i["record_name"]) for i in summary["items"]}
    assert ("constant-contact", "created", "Ada Lovelace") in names
    assert world.contacts() == before_crm and world.sandbox.contacts() == before_remote
    assert all(k.startswith("GET") for k in world.sandbox.requests)
    assert world.links() == []
    assert json.loads(world.env.invoke(["sync", "log", "constant-contact", "--json"]).output) == []
    world.sync()  # and the real run afterwards does what the dry run said
    assert world.remote("ada@example.com") and world.by_email("grace@example.com")
    assert crm_id in world.contacts()


def test_sync_log_lists_runs_and_drills_down_with_csv_escaping_formulas(world, tmp_path):
    world.add(first_name="=HYPERLINK(\"http://evil\")", last_name="Sheet", email="f@example.com")
    world.add(first_name="No", last_name="Email")
    run = world.sync()
    result = world.env.invoke(["sync", "log", "constant-contact"])
    assert result.exit_code == 0
    assert "1/0/1/0" in result.output  # Constant Contact side: created/updated/skipped/deleted
    runs = json.loads(world.env.invoke(["sync", "log", "constant-contact", "--json"]).output)
    assert runs[0]["run"] == run.run_id and runs[0]["outcome"] == "success"
    assert runs[0]["counts"]["constant-contact"] == {"created": 1, "updated": 0, "skipped": 1, "deleted": 0}
    out = tmp_path / "log.csv"
    result = world.env.invoke(["sync", "log", "constant-contact", str(run.run_id),
                               "--side", "constant-contact", "--action", "created", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 1
    assert rows[0]["record_name"].startswith("'=HYPERLINK")
    skipped = json.loads(world.env.invoke(["sync", "log", "constant-contact", str(run.run_id),
                                            "--action", "skipped", "--json"]).output)["records"]
    assert [r["reason"] for r in skipped] == ["no email address"]


def test_a_failed_run_says_why_and_what_to_do(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sandbox.faults.fail_next(50, status=503)
    summary = sync_connection(world.crm, world.connection_id)
    assert summary.outcome == "failed"
    assert summary.error and summary.hint
    runs = json.loads(world.env.invoke(["sync", "log", "constant-contact", "--json"]).output)
    assert runs[0]["outcome"] == "failed" and runs[0]["error"] == summary.error
    world.sandbox.faults.clear()
    world.sync()
    assert world.remote("ada@example.com")


def test_debug_log_keeps_redacted_exchanges_only_when_debug_mode_is_on(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    assert "empty" in world.env.invoke(["sync", "debug-log", "constant-contact"]).output
    world.settings(debug=True)
    world.add(first_name="Grace", last_name="Hopper", email="grace@example.com")
    run = world.sync()
    entries = json.loads(world.env.invoke(["sync", "debug-log", "constant-contact",
                                           str(run.run_id), "--json"]).output)
    assert entries and all(e["run"] == run.run_id for e in entries)
    assert any(e["method"] == "POST" and "grace@example.com" in (e["request"] or "") for e in entries)
    blob = json.dumps(entries)
    token = world.sandbox.issue_token()  # same shape as the connection's: JWT-like
    assert "Bearer ey" not in blob and token["access_token"][:20] not in blob
    assert world.sandbox.client_secret not in blob


def test_hook_crm_sync_exchange(world):
    seen = []

    class Observer:
        from crmcore import hookimpl

        @hookimpl
        def crm_sync_exchange(self, connection_id, run_id, exchange):
            seen.append((connection_id, run_id, exchange["method"], exchange["status"]))

    world.crm.plugins.register(Observer())
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    assert seen == []  # Debug Mode off: nothing is observed
    world.settings(debug=True)
    world.add(first_name="Grace", last_name="Hopper", email="grace@example.com")
    run = world.sync()
    assert seen and {s[:2] for s in seen} == {(world.connection_id, run.run_id)}
    assert ("POST", 201) in {s[2:] for s in seen}


def test_an_exhausted_daily_quota_stops_the_run_cleanly_and_the_next_run_resumes(world):
    for i in range(8):
        world.add(first_name=f"P{i}", last_name="Crm", email=f"p{i}@example.com")
    # the day's quota runs out mid-push (the first run after a sign-in also reads the account)
    world.sandbox.set_rate_limits(per_second=None, daily=5)
    stopped = sync_connection(world.crm, world.connection_id)
    assert stopped.outcome == "stopped"
    assert "quota" in stopped.error.lower() and stopped.hint
    made = len(world.sandbox.contacts())
    assert 0 < made < 8
    runs = json.loads(world.env.invoke(["sync", "log", "constant-contact", "--json"]).output)
    assert runs[0]["outcome"] == "stopped"
    world.sandbox.set_rate_limits(per_second=None, daily=None)  # a new day
    world.sync()
    emails = sorted(c["email_address"]["address"] for c in world.sandbox.contacts())
    assert emails == sorted(f"p{i}@example.com" for i in range(8))
    assert len(world.links()) == 8


def test_a_dry_run_neither_waits_for_nor_blocks_a_running_sync(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    with world.crm.session() as s:
        lock.acquire(s, world.connection_id, "contacts", 999, "wait")
    dry = sync_connection(world.crm, world.connection_id, dry_run=True)
    assert dry.outcome == "success" and dry.counts["constant-contact"]["created"] == 1
    with world.crm.session() as s:
        assert lock.checkpoint(s, world.connection_id, "contacts").running_run_id == 999


def test_an_unknown_run_number_names_the_command_that_lists_the_runs(world):
    world.sync()
    result = world.env.invoke(["sync", "log", "constant-contact", "999"])
    assert result.exit_code != 0
    assert "No sync run 999" in result.output
    assert "'crm sync log constant-contact'" in result.output  # the real name, not a placeholder
