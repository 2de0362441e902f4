"""A field mapping changed after a sync is not a change of either record: the next run
re-baselines every linked pair (newly mapped fields merged as a first match is), erases nothing,
and says so in the Sync Log."""
from __future__ import annotations

import json
import time

import pytest

from crmcore.sync.mapping_store import get_mapping


def _crm(world, *args):
    """The real ``crm`` command, in a subprocess."""
    out = world.env.run(list(args))
    assert out.returncode == 0, out.stderr
    return out.stdout


def _cli(world, *args):
    """The same command in this process (quicker, for the steps around the one under test)."""
    out = world.env.invoke(list(args))
    assert out.exit_code == 0, out.output
    return out.output


def _narrow_mapping(world, tmp_path, *leave_out: str):
    data = get_mapping(world.crm, "constant-contact").data
    data = {**data, "fields": [f for f in data["fields"] if f["crm"] not in leave_out]}
    path = tmp_path / "narrow.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.slow
def test_restoring_the_default_mapping_backfills_both_ways_and_erases_nothing(world, tmp_path):
    path = _narrow_mapping(world, tmp_path, "title", "organization")
    _cli(world, "sync", "mapping", "constant-contact", "--file", str(path))
    crm_only = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                         title="Countess", organization="Analytical Engines")
    [remote_only] = world.seed(world.contact("grace@example.com", "Grace", "Hopper",
                                             job_title="Rear Admiral", company_name="US Navy"))
    world.sync()
    ada = world.remote("ada@example.com")
    assert "job_title" not in ada  # not mapped: not sent
    assert world.by_email("grace@example.com")["title"] is None
    time.sleep(0.01)  # the remote contacts are the newer side: they must not win by emptiness
    world.sandbox.update_contact(ada["contact_id"], {"first_name": "Augusta"})

    assert "re-baselines" in _crm(world, "sync", "mapping", "constant-contact", "--reset")
    out = _crm(world, "sync", "now", "constant-contact")
    assert "re-baselined" in out and "field mapping changed" in out
    world.sync()

    crm_ada = world.by_email("ada@example.com")
    assert (crm_ada["title"], crm_ada["organization"]) == ("Countess", "Analytical Engines")
    assert crm_ada["first_name"] == "Augusta"
    remote_ada = world.remote("ada@example.com")
    assert (remote_ada["job_title"], remote_ada["company_name"]) == ("Countess", "Analytical Engines")
    grace = world.by_email("grace@example.com")
    assert (grace["title"], grace["organization"]) == ("Rear Admiral", "US Navy")
    assert world.sandbox.get_contact(remote_only)["job_title"] == "Rear Admiral"
    runs = json.loads(_cli(world, "sync", "log", "constant-contact", "--json"))
    noted = [r for r in runs if r["note"]]
    assert len(noted) == 1 and "field mapping changed" in noted[0]["note"], runs
    assert "title" in noted[0]["note"]


def test_differing_values_of_a_newly_mapped_field_are_decided_by_the_policy_and_logged(world, tmp_path):
    path = _narrow_mapping(world, tmp_path, "title")
    _cli(world, "sync", "mapping", "constant-contact", "--file", str(path))
    newer_crm = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.add(first_name="Bob", last_name="Byron", email="bob@example.com", title="CRM title")
    world.sync()
    bob = world.remote("bob@example.com")
    world.sandbox.update_contact(world.remote("ada@example.com")["contact_id"],
                                 {"job_title": "Remote title"})
    time.sleep(0.01)
    world.update(newer_crm, title="CRM title, newer")  # not mapped yet: nothing syncs
    world.sync()
    world.sandbox.update_contact(bob["contact_id"], {"job_title": "Remote title, newer"})
    assert world.remote("ada@example.com")["job_title"] == "Remote title"

    _cli(world, "sync", "mapping", "constant-contact", "--reset")
    run = world.sync()
    world.sync()
    assert world.remote("ada@example.com")["job_title"] == "CRM title, newer"
    assert world.by_email("ada@example.com")["title"] == "CRM title, newer"
    assert world.by_email("bob@example.com")["title"] == "Remote title, newer"
    assert world.remote("bob@example.com")["job_title"] == "Remote title, newer"
    out = json.loads(_cli(world, "sync", "log", "constant-contact", str(run.run_id), "--json"))
    reasons = [r["reason"] or "" for r in out["records"]]
    assert any("field mapping changed: title differs" in r for r in reasons), reasons


def test_a_field_no_longer_mapped_stops_syncing_and_is_never_cleared(world, tmp_path):
    crm_id = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                       title="Countess")
    world.sync()
    remote_id = world.links()[0].remote_id
    path = _narrow_mapping(world, tmp_path, "title")
    _cli(world, "sync", "mapping", "constant-contact", "--file", str(path))
    world.sync()
    world.update(crm_id, title="Engineer", last_name="King")
    world.sandbox.update_contact(remote_id, {"job_title": "Remote only"})
    world.sync()
    world.sync()
    assert world.sandbox.get_contact(remote_id)["job_title"] == "Remote only"
    assert world.sandbox.get_contact(remote_id)["last_name"] == "King"
    assert world.contacts()[crm_id]["title"] == "Engineer"


def test_an_unchanged_mapping_re_baselines_nothing(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    assert world.sync().note is None
    world.sandbox.reset_counts()
    run = world.sync()
    assert run.note is None and world.sandbox.request_total <= 2
