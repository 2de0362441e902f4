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


class _Delegating:
    """The required RecordStore methods, passed on to the contacts store."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def get_many(self, session, ids):
        return self.inner.get_many(session, ids)

    def find_by_email(self, session, emails):
        return self.inner.find_by_email(session, emails)

    def create(self, session, values, user):
        return self.inner.create(session, values, user)

    def update(self, session, record_id, values, user):
        return self.inner.update(session, record_id, values, user)

    def delete(self, session, record_id, user):
        return self.inner.delete(session, record_id, user)

    def restore(self, session, record_id, user):
        return self.inner.restore(session, record_id, user)

    def display_name(self, values):
        return self.inner.display_name(values)

    def normalise(self, values):
        return self.inner.normalise(values)


def _with_store(w, monkeypatch, store) -> None:
    monkeypatch.setattr(w.crm.plugins.modules["contacts"].spec, "records", store)


def test_a_store_declared_as_a_record_store_with_only_the_required_methods_syncs(
        fake_world, monkeypatch):
    """``class S(RecordStore)`` inherits the protocol's empty optional methods: the engine
    takes them for missing and creates and updates one by one."""
    from crmcore.api import RecordStore

    class Plain(_Delegating, RecordStore):
        pass

    w = fake_world()
    store = Plain(w.store)
    _with_store(w, monkeypatch, store)
    remote_ids = [w.harness.create(w.harness.new_values(i)) for i in range(3)]
    assert w.writes(w.sync()) == {"crm": {"created": 3}, "fake": {}}
    w.harness.update(remote_ids[0], {"title": "Later"})
    assert w.writes(w.sync()) == {"crm": {"updated": 1}, "fake": {}}
    assert sorted(r["title"] or "" for r in w.records().values()) == ["", "", "Later"]
    w.assert_converged()


def test_a_subclass_that_overrides_create_many_is_called_by_the_sync(fake_world, monkeypatch):
    """A subclass of a module's store that changes ``create_many`` (a default title, here) is
    what the sync creates records with, although it inherits ``create_many_returning``."""
    from crm_contacts.records import ContactStore

    class Titled(ContactStore):
        def create_many(self, session, values_list, user):
            return super().create_many(
                session, [{**v, "title": v.get("title") or "Imported"} for v in values_list], user)

    w = fake_world()
    _with_store(w, monkeypatch, Titled())
    for i in range(2):
        w.harness.create(w.harness.new_values(i))
    assert w.writes(w.sync()) == {"crm": {"created": 2}, "fake": {}}
    assert [r["title"] for r in w.records().values()] == ["Imported", "Imported"]
    assert w.writes(w.sync()) == {"crm": {}, "fake": {}}  # fingerprinted as the store kept them


def test_create_many_returning_giving_something_else_fails_the_run_and_says_what(
        fake_world, monkeypatch):
    from crm_contacts.records import ContactStore

    class Wrong(ContactStore):
        def create_many_returning(self, session, values_list, user):
            return [str(s.id) for s in super().create_many_returning(session, values_list, user)]

    w = fake_world()
    _with_store(w, monkeypatch, Wrong())
    w.harness.create(w.harness.new_values(0))
    summary = w.sync(expect="failed")
    assert "Wrong.create_many_returning gave a str, not a RecordSnapshot" in summary.error
    assert w.records() == {}
