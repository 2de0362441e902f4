"""Conflicts by policy, deletes both ways, and the deleted-but-still-owns-its-email cases."""
from __future__ import annotations

import time

from crmcore.sync.models import SyncRunItem
from sqlmodel import select


def _items(world, run_id):
    with world.crm.session() as s:
        return [(i.side, i.action, i.reason) for i in
                s.exec(select(SyncRunItem).where(SyncRunItem.run_id == run_id))]


def _linked_pair(world, email="ada@example.com"):
    crm_id = world.add(first_name="Ada", last_name="Lovelace", email=email)
    world.sync()
    return crm_id, world.links()[0].remote_id


def test_both_changed_the_most_recent_wins_and_the_decision_is_logged(world):
    crm_id, remote_id = _linked_pair(world)
    world.update(crm_id, title="CRM title")
    time.sleep(0.01)
    world.sandbox.update_contact(remote_id, {"job_title": "Remote title"})  # newer
    run = world.sync()
    assert world.contacts()[crm_id]["title"] == "Remote title"
    assert world.sandbox.get_contact(remote_id)["job_title"] == "Remote title"
    assert any(side == "constant-contact" and action == "skipped" and "conflict" in reason
               and "replaces the CRM version" in reason for side, action, reason in _items(world, run.run_id))

    world.sandbox.update_contact(remote_id, {"job_title": "Remote again"})
    time.sleep(0.01)
    world.update(crm_id, title="CRM newest")  # newer
    run = world.sync()
    assert world.sandbox.get_contact(remote_id)["job_title"] == "CRM newest"
    assert world.contacts()[crm_id]["title"] == "CRM newest"
    assert any(side == "crm" and "the CRM version is kept" in (reason or "")
               for side, action, reason in _items(world, run.run_id))


def test_policy_crm_wins_overrides_recency(world):
    crm_id, remote_id = _linked_pair(world)
    world.settings(conflict_policy="crm-wins")
    world.update(crm_id, title="CRM")
    time.sleep(0.01)
    world.sandbox.update_contact(remote_id, {"job_title": "Remote, newer"})
    world.sync()
    assert world.sandbox.get_contact(remote_id)["job_title"] == "CRM"


def test_a_crm_delete_soft_deletes_in_constant_contact(world):
    crm_id, remote_id = _linked_pair(world)
    world.delete(crm_id)
    run = world.sync()
    assert run.counts["constant-contact"]["deleted"] == 1
    assert world.sandbox.get_contact(remote_id)["deleted_at"]
    assert world.sync().counts["constant-contact"]["deleted"] == 0


def test_a_remote_delete_moves_the_crm_record_to_the_recycle_bin(world):
    crm_id, remote_id = _linked_pair(world)
    world.sandbox.delete_contact(remote_id)
    run = world.sync()
    assert run.counts["crm"]["deleted"] == 1
    assert crm_id not in world.contacts()
    assert world.contacts(deleted=True)[crm_id]["_deleted"] is True


def test_deleted_on_both_sides_is_nothing(world):
    crm_id, remote_id = _linked_pair(world)
    world.delete(crm_id)
    world.sandbox.delete_contact(remote_id)
    run = world.sync()
    assert run.counts["crm"]["deleted"] == 0 and run.counts["constant-contact"]["deleted"] == 0
    assert world.sandbox.get_contact(remote_id)["deleted_at"]


def test_a_new_crm_contact_whose_email_a_deleted_remote_contact_owns_revives_it(world):
    """409 on create: the engine links to the deleted contact and revives it with a PUT, on
    purpose, because the CRM record is newer than the deletion; it never makes a duplicate."""
    [remote_id] = world.seed(world.contact("ada@example.com", "Old", "Name"))
    world.sandbox.delete_contact(remote_id)
    time.sleep(0.01)
    crm_id = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    run = world.sync()
    remote = world.sandbox.get_contact(remote_id)
    assert "deleted_at" not in remote or not remote["deleted_at"]
    assert (remote["first_name"], remote["last_name"]) == ("Ada", "Lovelace")
    assert len(world.sandbox.contacts(include_deleted=True)) == 1
    assert {l.record_id: l.remote_id for l in world.links()} == {crm_id: remote_id}
    assert any("revived" in (reason or "") for _, _, reason in _items(world, run.run_id))


def test_a_crm_edit_newer_than_a_remote_delete_revives_on_purpose(world):
    crm_id, remote_id = _linked_pair(world)
    world.sandbox.delete_contact(remote_id)
    time.sleep(0.01)
    world.update(crm_id, title="Still a customer")
    run = world.sync()
    remote = world.sandbox.get_contact(remote_id)
    assert not remote.get("deleted_at") and remote["job_title"] == "Still a customer"
    assert crm_id in world.contacts()
    assert any("revived" in (reason or "") for _, _, reason in _items(world, run.run_id))


def test_a_remote_delete_newer_than_the_crm_edit_wins(world):
    crm_id, remote_id = _linked_pair(world)
    world.update(crm_id, title="Edited first")
    time.sleep(0.01)
    world.sandbox.delete_contact(remote_id)
    world.sync()
    assert crm_id not in world.contacts()
    assert world.sandbox.get_contact(remote_id)["deleted_at"]


def test_restoring_in_the_crm_after_both_sides_deleted_revives_the_remote(world):
    crm_id, remote_id = _linked_pair(world)
    world.delete(crm_id)
    world.sync()
    world.restore(crm_id)
    world.sync()
    assert not world.sandbox.get_contact(remote_id).get("deleted_at")
