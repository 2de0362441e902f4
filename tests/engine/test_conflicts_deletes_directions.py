"""Conflicts by policy, deletes both ways, revivals and one-way directions (DESIGN.md "Sync
semantics"), over the fake connector: moved here from the Constant Contact tests, which now keep
only what is Constant Contact's own."""
from __future__ import annotations

import time

from crmcore.sync import settings as sync_settings
from crmcore.users import get_user


def _settings(w, **changes) -> None:
    with w.crm.session() as s:
        sync_settings.update(s, get_user(s, "admin"), w.connection_id, "fake", changes)


def _reasons(w, summary, side: str | None = None) -> list[str]:
    return [i["reason"] or "" for i in w.items(summary.run_id) if side in (None, i["side"])]


def _linked_pair(w, email: str = "ada@example.com"):
    crm_id = w.add({"first_name": "Ada", "last_name": "Lovelace", "email": email})
    w.sync()
    [remote_id] = w.harness.live()
    return crm_id, remote_id


def _remote(w, remote_id):
    return w.harness.remote.records[remote_id]


def test_both_changed_the_most_recent_wins_and_the_decision_is_logged(fake_world):
    w = fake_world()
    crm_id, remote_id = _linked_pair(w)
    w.edit(crm_id, {"title": "CRM title"})
    time.sleep(0.01)
    w.harness.update(remote_id, {"title": "Remote title"})  # newer
    run = w.sync()
    assert w.records()[crm_id]["title"] == "Remote title"
    assert w.harness.live()[remote_id]["title"] == "Remote title"
    assert any("conflict" in r and "replaces the CRM version" in r for r in _reasons(w, run, "fake"))

    w.harness.update(remote_id, {"title": "Remote again"})
    time.sleep(0.01)
    w.edit(crm_id, {"title": "CRM newest"})  # newer
    run = w.sync()
    assert w.harness.live()[remote_id]["title"] == "CRM newest"
    assert w.records()[crm_id]["title"] == "CRM newest"
    assert any("the CRM version is kept" in r for r in _reasons(w, run, "crm"))


def test_policy_crm_wins_overrides_recency(fake_world):
    w = fake_world()
    crm_id, remote_id = _linked_pair(w)
    _settings(w, conflict_policy="crm-wins")
    w.edit(crm_id, {"title": "CRM"})
    time.sleep(0.01)
    w.harness.update(remote_id, {"title": "Remote, newer"})
    w.sync()
    assert w.harness.live()[remote_id]["title"] == "CRM"


def test_policy_remote_wins_overrides_recency(fake_world):
    w = fake_world()
    crm_id, remote_id = _linked_pair(w)
    _settings(w, conflict_policy="remote-wins")
    w.harness.update(remote_id, {"title": "Remote"})
    time.sleep(0.01)
    w.edit(crm_id, {"title": "CRM, newer"})
    w.sync()
    assert w.records()[crm_id]["title"] == "Remote"
    w.assert_converged()


def test_deletes_travel_both_ways_and_both_deleted_is_nothing(fake_world):
    w = fake_world()
    crm_id, remote_id = _linked_pair(w)
    w.remove(crm_id)
    run = w.sync()
    assert run.counts["fake"]["deleted"] == 1 and _remote(w, remote_id).deleted
    assert w.sync().counts["fake"]["deleted"] == 0

    w2 = fake_world("second")
    crm_id, remote_id = _linked_pair(w2)
    w2.harness.delete(remote_id)
    run = w2.sync()
    assert run.counts["crm"]["deleted"] == 1
    assert crm_id not in w2.records() and crm_id in w2.records(deleted=True)

    w3 = fake_world("third")
    crm_id, remote_id = _linked_pair(w3)
    w3.remove(crm_id)
    w3.harness.delete(remote_id)
    run = w3.sync()
    assert run.counts["crm"]["deleted"] == 0 and run.counts["fake"]["deleted"] == 0


def test_a_new_crm_record_whose_email_a_deleted_remote_record_owns_revives_it(fake_world):
    """409 on create: linked to the deleted record and revived on purpose (the CRM record is
    newer than the deletion); never a duplicate."""
    w = fake_world()
    remote_id = w.harness.create({"email": "ada@example.com", "given_name": "Old",
                                  "family_name": "Name"})
    w.harness.delete(remote_id)
    time.sleep(0.01)
    crm_id = w.add({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"})
    run = w.sync()
    record = _remote(w, remote_id)
    assert not record.deleted and record.values["given_name"] == "Ada"
    assert len(w.harness.remote.records) == 1 and crm_id in w.records()
    assert any("revived" in r for r in _reasons(w, run))


def test_a_crm_edit_newer_than_a_remote_delete_revives_and_an_older_one_loses(fake_world):
    w = fake_world()
    crm_id, remote_id = _linked_pair(w)
    w.harness.delete(remote_id)
    time.sleep(0.01)
    w.edit(crm_id, {"title": "Still a customer"})
    run = w.sync()
    assert not _remote(w, remote_id).deleted
    assert _remote(w, remote_id).values["title"] == "Still a customer"
    assert any("revived" in r for r in _reasons(w, run))

    w2 = fake_world("second")
    crm_id, remote_id = _linked_pair(w2)
    w2.edit(crm_id, {"title": "Edited first"})
    time.sleep(0.01)
    w2.harness.delete(remote_id)
    w2.sync()
    assert crm_id not in w2.records() and _remote(w2, remote_id).deleted


def test_restoring_in_the_crm_after_both_sides_deleted_revives_the_remote(fake_world):
    w = fake_world()
    crm_id, remote_id = _linked_pair(w)
    w.remove(crm_id)
    w.sync()
    with w.crm.session() as s:
        w.store.restore(s, crm_id, get_user(s, "admin"))
    w.sync()
    assert not _remote(w, remote_id).deleted
    assert len(w.harness.remote.records) == 1


def test_to_crm_never_writes_to_the_remote(fake_world):
    w = fake_world()
    _settings(w, direction="to-crm")
    w.add({"first_name": "Crm", "last_name": "Only", "email": "crm@example.com"})
    w.harness.create({"email": "remote@example.com", "given_name": "Remote",
                      "family_name": "Person"})
    w.harness.remote.requests.clear()
    w.sync()
    assert all(r.startswith("GET") for r in w.harness.remote.requests), w.harness.remote.requests
    emails = {v["email"] for v in w.records().values()}
    assert emails == {"crm@example.com", "remote@example.com"}
    assert {v["email"] for v in w.harness.live().values()} == {"remote@example.com"}


def test_to_the_remote_never_writes_to_the_crm(fake_world):
    w = fake_world()
    _settings(w, direction="to-fake")
    w.add({"first_name": "Crm", "last_name": "Only", "email": "crm@example.com"})
    w.harness.create({"email": "remote@example.com", "given_name": "Remote",
                      "family_name": "Person"})
    before = w.records()
    w.sync()
    assert w.records() == before
    assert {v["email"] for v in w.harness.live().values()} == {"crm@example.com",
                                                                "remote@example.com"}
