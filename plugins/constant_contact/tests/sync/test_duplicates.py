"""Duplicates in the CRM (one email, two records) removed by the user: the sync's own writes are
never taken for remote changes, so no record is deleted or revived on their strength, and the
record left takes over the link (same Constant Contact contact, lists kept)."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from crmcore.sync.models import SyncRunItem


def _items(world, run_id):
    with world.crm.session() as s:
        return [(i.side, i.action, i.record_id, i.reason) for i in
                s.exec(select(SyncRunItem).where(SyncRunItem.run_id == run_id))]


def _crm(world, *args):
    out = world.env.run(list(args))
    assert out.returncode == 0, out.stderr
    return out.stdout


def _linked_with_duplicates(world, copies=1):
    """A linked contact on the sync's list, then ``copies`` re-imported twins (other letter case)."""
    original = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                         title="Countess")
    world.sync()
    [link] = world.links()
    lists = world.sandbox.get_contact(link.remote_id)["list_memberships"]
    assert lists
    twins = [world.add(first_name="Ada", last_name="Lovelace", email=f"ADA@Example.com")
             for _ in range(copies)]
    run = world.sync()
    assert all("ambiguous match" in (r or "") for _, a, i, r in _items(world, run.run_id) if i in twins)
    return original, twins, link.remote_id, lists


def _live_remote(world):
    return [c for c in world.sandbox.contacts(include_deleted=False)]


@pytest.mark.slow
def test_deleting_the_linked_duplicate_hands_the_link_to_the_survivor(world):
    original, [twin], remote_id, lists = _linked_with_duplicates(world)
    _crm(world, "contacts", "delete", str(original))
    out = _crm(world, "sync", "now", "constant-contact")
    assert "Run 3: success" in out
    world.sync()  # a second run changes nothing more
    remote = world.sandbox.get_contact(remote_id)
    assert not remote.get("deleted_at"), "the sync deleted the contact the survivor owns"
    assert remote["list_memberships"] == lists
    assert [c["contact_id"] for c in _live_remote(world)] == [remote_id]
    assert twin in world.contacts(), "the survivor was deleted"
    assert world.contacts()[twin]["title"] == "Countess"  # filled from the contact it took over
    assert {l.record_id: l.remote_id for l in world.links()} == {twin: remote_id}
    log = json.loads(world.env.invoke(["sync", "log", "constant-contact", "3", "--json"]).output)["records"]
    assert any(r["record_id"] == original and "takes over" in (r["reason"] or "") for r in log)
    assert not any(r["action"] == "deleted" for r in log)


def test_with_several_survivors_nothing_is_deleted_until_one_is_left(world):
    original, twins, remote_id, lists = _linked_with_duplicates(world, copies=2)
    world.delete(original)
    run = world.sync()
    assert not world.sandbox.get_contact(remote_id).get("deleted_at")
    assert set(twins) <= set(world.contacts())
    reasons = [r for _, _, i, r in _items(world, run.run_id) if i == original]
    assert any("2 CRM records have its email" in (r or "") for r in reasons), reasons
    world.delete(twins[1])
    world.sync()
    world.sync()
    remote = world.sandbox.get_contact(remote_id)
    assert not remote.get("deleted_at") and remote["list_memberships"] == lists
    assert {l.record_id: l.remote_id for l in world.links()} == {twins[0]: remote_id}
    assert twins[0] in world.contacts()
    assert len(world.sandbox.contacts(include_deleted=True)) == 1


def test_the_survivors_own_values_reach_the_contact_it_takes_over(world):
    original, [twin], remote_id, _ = _linked_with_duplicates(world)
    world.update(twin, title="Analyst", department="Engines")  # newer than the contact
    world.delete(original)
    world.sync()
    world.sync()
    remote = world.sandbox.get_contact(remote_id)
    assert not remote.get("deleted_at") and remote["job_title"] == "Analyst"
    assert world.contacts()[twin]["title"] == "Analyst"


def test_deleting_the_unlinked_duplicate_leaves_the_pair_alone(world):
    original, [twin], remote_id, lists = _linked_with_duplicates(world)
    world.delete(twin)
    run = world.sync()
    world.sync()
    assert run.counts["constant-contact"]["deleted"] == 0 and run.counts["crm"]["deleted"] == 0
    assert world.sandbox.get_contact(remote_id)["list_memberships"] == lists
    assert {l.record_id: l.remote_id for l in world.links()} == {original: remote_id}


def test_removing_a_duplicate_by_editing_its_email_keeps_both(world):
    original, [twin], remote_id, lists = _linked_with_duplicates(world)
    world.update(twin, email="ada.work@example.com")
    world.sync()
    world.sync()
    assert world.sandbox.get_contact(remote_id)["list_memberships"] == lists
    assert world.remote("ada.work@example.com") and world.remote("ada@example.com")
    assert {original, twin} <= set(world.contacts())
    assert len(world.sandbox.contacts(include_deleted=True)) == 2


def test_removing_the_linked_duplicate_by_editing_its_email_keeps_both(world):
    original, [twin], remote_id, lists = _linked_with_duplicates(world)
    world.update(original, email="ada.old@example.com")
    world.sync()
    world.sync()
    remote = world.sandbox.get_contact(remote_id)
    assert remote["email_address"]["address"] == "ada.old@example.com"
    assert remote["list_memberships"] == lists
    assert world.remote("ada@example.com") and {original, twin} <= set(world.contacts())
    assert not [c for c in world.sandbox.contacts(include_deleted=True) if c.get("deleted_at")]


def test_duplicates_before_the_first_match_the_one_left_links_to_the_existing_contact(world):
    [remote_id] = world.seed(world.contact("ada@example.com", "Ada", "Lovelace", job_title="Countess"))
    first = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    second = world.add(first_name="Ada", last_name="Lovelace", email="Ada@Example.com")
    world.sync()
    assert world.links() == []  # ambiguous: no guess
    world.delete(first)
    world.sync()
    world.sync()
    assert {l.record_id: l.remote_id for l in world.links()} == {second: remote_id}
    assert second in world.contacts() and world.contacts()[second]["title"] == "Countess"
    assert not world.sandbox.get_contact(remote_id).get("deleted_at")


def test_a_duplicate_deleted_after_the_sync_deleted_the_contact_is_not_revived_by_it(world):
    """The other order: the pair is deleted first (the sync carries it to Constant Contact), and
    a twin re-created later revives the contact because it is newer, never the other way."""
    original = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    [link] = world.links()
    world.delete(original)
    world.sync()
    assert world.sandbox.get_contact(link.remote_id)["deleted_at"]
    twin = world.add(first_name="Ada", last_name="Byron", email="ADA@example.com")
    world.sync()
    assert twin in world.contacts()
    assert not world.sandbox.get_contact(link.remote_id).get("deleted_at")
    assert original not in world.contacts()


def test_one_way_to_constant_contact_hands_over_without_writing_the_crm(world):
    world.settings(direction="to-constant-contact")
    original, [twin], remote_id, lists = _linked_with_duplicates(world)
    before = world.contacts()[twin]
    world.delete(original)
    world.sync()
    world.sync()
    assert world.contacts()[twin] == before  # one-way: the CRM is never written
    remote = world.sandbox.get_contact(remote_id)
    assert not remote.get("deleted_at") and remote["list_memberships"] == lists
    assert remote["job_title"] == "Countess"  # the survivor's empty title clears nothing
    assert {l.record_id: l.remote_id for l in world.links()} == {twin: remote_id}


def test_a_deletion_the_sync_sent_never_deletes_an_older_twin_met_later(world):
    """The mechanism under the kind: a remote deletion made by the sync is not a change made in
    Constant Contact, so a 409 on its email never deletes a CRM record for being older than it
    (here a twin whose last change predates the deletion, as a restored backup's would)."""
    from datetime import timedelta

    from crm_contacts.models import Contact
    from crmcore.models import utcnow

    original = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    [link] = world.links()
    world.delete(original)
    world.sync()
    assert world.sandbox.get_contact(link.remote_id)["deleted_at"]
    twin = world.add(first_name="Ada", last_name="Byron", email="ADA@example.com")
    with world.crm.session() as s:  # its last change predates the deletion the sync made
        row = s.get(Contact, twin)
        row.modified_at = utcnow() - timedelta(days=1)
        s.add(row)
    run = world.sync()
    world.sync()
    assert twin in world.contacts(), [r for r in _items(world, run.run_id)]
    remote = world.sandbox.get_contact(link.remote_id)
    assert not remote.get("deleted_at") and remote["last_name"] == "Byron"
    assert {l.record_id: l.remote_id for l in world.links()} == {twin: link.remote_id}
