"""Record versions (ETag / If-Match): a write or delete that meets a newer remote version is a
conflict decided by the policy and logged, never a silent overwrite (DESIGN.md "Conflicts")."""
from __future__ import annotations


def _linked(fake_world, policy: str = "most-recent"):
    w = fake_world()
    rid = w.harness.create(w.harness.new_values(1))
    w.sync()
    [record_id] = w.records()
    if policy != "most-recent":
        from crmcore.sync import settings as sync_settings
        from crmcore.users import get_user

        with w.crm.session() as s:
            sync_settings.update(s, get_user(s, "admin"), w.connection_id, "fake",
                                 {"conflict_policy": policy})
    return w, rid, record_id


def _reasons(w, summary) -> list[str]:
    return [i["reason"] or "" for i in w.items(summary.run_id)]


def test_a_write_meeting_a_newer_version_lets_the_newer_change_win(fake_world):
    w, rid, record_id = _linked(fake_world)
    w.edit(record_id, {"first_name": "FromCrm"})
    w.harness.remote.stale_next = 1  # the record is edited remotely just before our PUT lands
    summary = w.sync()
    assert any("write met a newer version" in r and "replaces the CRM version" in r
               for r in _reasons(w, summary)), _reasons(w, summary)
    assert w.records()[record_id]["first_name"] == "Given1 (edited)"
    assert w.harness.live()[rid]["given_name"] == "Given1 (edited)"
    w.assert_converged()
    assert w.writes(w.sync()) == {"crm": {}, "fake": {}}


def test_with_crm_wins_the_write_goes_again_over_the_new_version(fake_world):
    w, rid, record_id = _linked(fake_world, "crm-wins")
    w.edit(record_id, {"first_name": "FromCrm"})
    w.harness.remote.stale_next = 1
    summary = w.sync()
    assert any("the CRM version is kept and sent" in r for r in _reasons(w, summary))
    assert w.harness.live()[rid]["given_name"] == "FromCrm"
    w.assert_converged()


def test_a_delete_meeting_a_newer_version_restores_the_crm_record(fake_world):
    w, rid, record_id = _linked(fake_world)
    w.remove(record_id)
    w.harness.remote.stale_next = 1
    summary = w.sync()
    assert any("the CRM record is restored" in r for r in _reasons(w, summary)), _reasons(w, summary)
    assert rid in w.harness.live() and record_id in w.records()
    assert w.records()[record_id]["first_name"] == "Given1 (edited)"
    w.assert_converged()


def test_with_crm_wins_a_stale_delete_is_sent_again(fake_world):
    w, rid, record_id = _linked(fake_world, "crm-wins")
    w.remove(record_id)
    w.harness.remote.stale_next = 1
    summary = w.sync()
    assert any("the deletion is newer and is sent" in r for r in _reasons(w, summary))
    assert rid not in w.harness.live() and record_id not in w.records()
