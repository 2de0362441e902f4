"""The push passes over the CRM records this run's pull has just written and fingerprinted into
their links (their only news is the pull's own write), and still sends everything else."""
from __future__ import annotations


def _pushed_ids(monkeypatch) -> list[int]:
    from crmcore.sync.push import Pusher

    seen: list[int] = []
    inner = Pusher._push_records

    def spy(self, ids, last_seq):
        seen.extend(ids)
        return inner(self, ids, last_seq)

    monkeypatch.setattr(Pusher, "_push_records", spy)
    return seen


def test_records_the_pull_created_are_not_read_again_by_the_push(fake_world, monkeypatch):
    w = fake_world()
    crm_ids = [w.add(w.crm_values(i)) for i in range(3)]
    for i in range(3, 7):
        w.harness.create(w.harness.new_values(i))
    pushed = _pushed_ids(monkeypatch)
    run = w.sync()
    pulled = set(w.records()) - set(crm_ids)
    assert len(pulled) == 4 and run.counts["crm"]["created"] == 4
    assert sorted(pushed) == sorted(crm_ids)  # the CRM's own records only
    w.assert_converged()
    pushed.clear()
    again = w.sync()
    assert not any(w.writes(again).values()) and pushed == []


def test_a_pulled_record_changed_in_the_crm_afterwards_is_still_sent(fake_world, monkeypatch):
    w = fake_world()
    remote_id = w.harness.create(w.harness.new_values(1))
    w.sync()
    (record_id,) = w.records()
    w.harness.update(remote_id, {w.connector.email_field: w.harness.new_values(2)[w.connector.email_field]})
    from crmcore.sync.applier import Applier

    after_commit = Applier._after_commit
    edited = []

    def then_edit(self, own):  # someone edits the record right after the pull's write commits
        after_commit(self, own)
        if own and not edited:
            edited.append(own)
            w.edit(record_id, {w.email_crm: w.harness.new_values(3)[w.connector.email_field]})

    monkeypatch.setattr(Applier, "_after_commit", then_edit)
    pushed = _pushed_ids(monkeypatch)
    w.sync()
    assert pushed == [record_id]
    email = w.harness.new_values(3)[w.connector.email_field]
    assert [v[w.connector.email_field] for v in w.harness.live().values()] == [email]
    w.assert_converged()


def test_a_record_the_pull_restores_is_looked_at_and_not_deleted_there(fake_world, monkeypatch):
    """Deleted in the CRM, then changed remotely: the pull restores it (its write is the run's
    own), the CRM's deletion is a change of someone else's, so the push looks at the record, finds
    it live and in step, and sends nothing; the remote contact stays."""
    import time

    w = fake_world()
    record_id = w.add(w.crm_values(1))
    w.sync()
    (remote_id,) = w.harness.live()
    w.remove(record_id)
    time.sleep(0.01)  # the remote change is newer than the CRM's deletion
    w.harness.update(remote_id, {"company": "Restored Inc"})
    pushed = _pushed_ids(monkeypatch)
    run = w.sync()
    assert pushed == [record_id]
    assert w.writes(run)["crm"] == {"updated": 1} and not w.writes(run)["fake"]
    assert record_id in w.records()
    assert list(w.harness.live()) == [remote_id]
    w.assert_converged()
    pushed.clear()
    assert not any(w.writes(w.sync()).values()) and pushed == []


def test_a_first_match_the_pull_merges_with_values_the_remote_lacks_is_still_sent(fake_world,
                                                                                  monkeypatch):
    """A first match merged by the pull where the CRM holds a value the remote lacks: that write
    is marked for the push, so it is not passed over as the run's own."""
    w = fake_world()
    values = w.harness.new_values(1)
    remote_id = w.harness.create({k: v for k, v in values.items() if k != "company"})
    crm = w.crm_values(1)
    given = next(k for k, v in crm.items() if v == values["given_name"])
    record_id = w.add({**crm, given: None})  # the company, not the given name
    pushed = _pushed_ids(monkeypatch)
    run = w.sync()
    assert w.writes(run)["crm"] == {"updated": 1}  # the given name came from the remote
    assert record_id in pushed
    assert w.harness.live()[remote_id].get("company") == "Acme"
    assert w.records()[record_id][given] == values["given_name"]
    w.assert_converged()
