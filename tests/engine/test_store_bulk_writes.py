"""The engine writes a batch's CRM updates through the store's optional ``update_many``, and one
by one through ``update`` for a store (a third-party module) that lacks it: same outcome. Its new
CRM records likewise go through ``create_many_returning``, ``create_many`` or ``create``."""
from __future__ import annotations

import pytest


def _linked_pairs(w, n: int):
    ids = [w.add({"first_name": f"P{i}", "last_name": "Person", "email": f"p{i}@example.com"})
           for i in range(n)]
    w.sync()
    by_email = {v["email"]: rid for rid, v in w.harness.live().items()}
    return [(crm_id, by_email[f"p{i}@example.com"]) for i, crm_id in enumerate(ids)]


@pytest.mark.parametrize("bulk", [True, False], ids=["update_many", "update only"])
def test_remote_edits_reach_the_crm_with_or_without_update_many(fake_world, monkeypatch, bulk):
    from crm_contacts.records import ContactStore

    calls: dict[str, list] = {"update": [], "update_many": []}
    update, update_many = ContactStore.update, ContactStore.update_many

    def one(self, session, record_id, values, user):
        calls["update"].append(record_id)
        return update(self, session, record_id, values, user)

    def many(self, session, updates, user):
        calls["update_many"].append([record_id for record_id, _ in updates])
        return update_many(self, session, updates, user)

    monkeypatch.setattr(ContactStore, "update", one)
    if bulk:
        monkeypatch.setattr(ContactStore, "update_many", many)
    else:
        monkeypatch.delattr(ContactStore, "update_many")
    w = fake_world()
    pairs = _linked_pairs(w, 3)
    for n, (_, remote_id) in enumerate(pairs):
        w.harness.update(remote_id, {"title": f"Remote {n}"})
    w.harness.update(pairs[2][1], {"title": "Bad \x1b[31m title"})  # the CRM refuses an escape
    run = w.sync()
    records = w.records()
    assert [records[crm_id]["title"] for crm_id, _ in pairs[:2]] == ["Remote 0", "Remote 1"]
    assert records[pairs[2][0]]["title"] is None
    assert run.counts["crm"]["skipped"] == 1
    assert any("the CRM refused it" in (i["reason"] or "") and i["record_id"] == pairs[2][0]
               for i in w.items(run.run_id))
    if bulk:
        assert calls["update"] == [] and sorted(calls["update_many"][0]) == sorted(
            crm_id for crm_id, _ in pairs)
    else:
        assert sorted(calls["update"]) == sorted(crm_id for crm_id, _ in pairs)


@pytest.mark.parametrize("store_api", ["create_many_returning", "create_many", "create only"])
def test_remote_records_new_to_the_crm_with_each_store_api(fake_world, monkeypatch, store_api):
    """A first sync creates the remote records in the CRM through the store's most capable
    create: with ``create_many_returning`` the new records are fingerprinted from its
    snapshots, without reading them back through ``get_many``; with ``create_many`` or
    ``create`` (a third-party store) they are read back. Either way the next sync finds
    nothing to do."""
    from crm_contacts.records import ContactStore

    read: list[int] = []
    get_many = ContactStore.get_many

    def reading(self, session, ids):
        ids = list(ids)
        read.extend(ids)
        return get_many(self, session, ids)

    monkeypatch.setattr(ContactStore, "get_many", reading)
    returning = ContactStore.create_many_returning

    def create_many(self, session, values_list, user):  # as a store without the snapshots
        return [getattr(r, "id", r) for r in returning(self, session, values_list, user)]

    if store_api != "create_many_returning":
        monkeypatch.delattr(ContactStore, "create_many_returning")
        monkeypatch.setattr(ContactStore, "create_many", create_many)
    if store_api == "create only":
        monkeypatch.delattr(ContactStore, "create_many")
    w = fake_world()
    remote_ids = [w.harness.create(w.harness.new_values(i)) for i in range(4)]
    first = w.sync()
    read_by_the_sync = set(read)
    assert w.writes(first) == {"crm": {"created": 4}, "fake": {}}, first.counts
    created = set(w.records())
    assert len(created) == 4 and sorted(w.harness.live()) == sorted(remote_ids)
    if store_api == "create_many_returning":
        assert not read_by_the_sync & created, read_by_the_sync
    else:
        assert created <= read_by_the_sync, read_by_the_sync
    again = w.sync()
    assert w.writes(again) == {"crm": {}, "fake": {}}, again.counts
    w.assert_converged()
