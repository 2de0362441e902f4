"""What a run reads of the CRM for the remote records it pulls, and how it writes links back.

A page of remote changes is mostly the run's own writes read back or an overlap re-read: only
the records that differ from their link have their CRM side read. A link row that keeps its
remote id is updated without that column; one whose remote id changed gets the new one."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import event, select


def test_the_pull_reads_the_crm_side_of_changed_records_only(fake_world, monkeypatch):
    from crmcore.sync.pull import Puller

    w = fake_world()
    ids = [w.add(w.crm_values(i)) for i in range(4)]
    w.sync()
    remote_ids = sorted(w.harness.live())
    w.harness.update(remote_ids[0], {"company": "Changed Ltd"})
    w.harness.invalidate_cursor(w.env)  # a full read: every remote record comes back
    pulled: list[str] = []
    asked: list[set[int]] = []  # the ids of each get_many of the store within a pulled page
    inner_page, inner_get = Puller._pull_page, type(w.store).get_many
    in_page = []

    def page_spy(self, records, *args, **kwargs):
        pulled.extend(r.remote_id for r in records)
        in_page.append(True)
        try:
            return inner_page(self, records, *args, **kwargs)
        finally:
            in_page.pop()

    def get_spy(self, session, ids):
        ids = set(ids)
        if in_page:
            asked.append(ids)
        return inner_get(self, session, ids)

    monkeypatch.setattr(Puller, "_pull_page", page_spy)
    monkeypatch.setattr(type(w.store), "get_many", get_spy)
    run = w.sync()
    assert w.writes(run)["crm"] == {"updated": 1}
    assert sorted(pulled) == remote_ids  # the unchanged ones too: their CRM side is not read
    changed = {record_id for record_id, values in w.records().items()
               if values.get("organization") == "Changed Ltd"}
    assert len(changed) == 1 and changed <= set(ids)
    assert set().union(*asked) == changed
    w.assert_converged()


def _applier(w):
    from crmcore.sync.applier import Applier

    ctx = SimpleNamespace(connection_id=w.connection_id, module=SimpleNamespace(name="contacts"))
    return Applier(ctx, SimpleNamespace())


def _link_rows(w) -> dict[int, tuple]:
    from crmcore.sync.models import SyncLink

    table = SyncLink.__table__
    with w.crm.session() as session:
        return {row.record_id: (row.remote_id, row.crm_fingerprint) for row in session.execute(
            select(table.c.record_id, table.c.remote_id, table.c.crm_fingerprint))}


def test_a_link_keeps_or_changes_its_remote_id_as_it_says(fake_world):
    from crmcore.sync.models import SyncLink

    w = fake_world()
    first, second = w.add(w.crm_values(1)), w.add(w.crm_values(2))
    w.sync()
    before = _link_rows(w)
    applier = _applier(w)
    with w.crm.session() as session:
        links = applier.links_by(session, SyncLink.record_id, [first, second])
        assert links[first].stored_remote_id == before[first][0]
        links[first].crm_fingerprint = "kept-id"
        links[second].remote_id = "moved-elsewhere"
        links[second].crm_fingerprint = "new-id"
        updates: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("UPDATE"):
                updates.append(statement)

        event.listen(w.crm.engine, "before_cursor_execute", seen)
        try:
            applier._save_links(session, links.values())
        finally:
            event.remove(w.crm.engine, "before_cursor_execute", seen)
    # one statement for each kind: the indexed remote_id column is set only where it changed
    assert len(updates) == 2, updates
    assert sorted("remote_id" in statement for statement in updates) == [False, True]
    after = _link_rows(w)
    assert after[first] == (before[first][0], "kept-id")
    assert after[second] == ("moved-elsewhere", "new-id")
