"""Cases an independent review found: late commits in the overlap window, one-way 409s, deleted
contacts met by a bulk create, and ids in the Sync Log."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlmodel import select

from crmcore.sync.models import SyncRunItem


def _items(world, run_id):
    with world.crm.session() as s:
        return list(s.exec(select(SyncRunItem).where(SyncRunItem.run_id == run_id)))


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_remote_change_committed_late_inside_the_overlap_window_is_not_lost(world):
    [first] = world.seed(world.contact("a@example.com", "Aa", "One"))
    world.sync()
    mark = datetime.fromisoformat(world.sandbox.get_contact(first)["updated_at"].replace("Z", "+00:00"))
    late = _stamp(mark - timedelta(seconds=1))  # stamped before the mark, visible only now
    world.seed({**world.contact("b@example.com", "Bb", "Two"), "created_at": late, "updated_at": late})
    world.sync()
    assert world.by_email("b@example.com")["last_name"] == "Two"


def test_one_way_to_constant_contact_never_writes_the_crm_on_a_409(world):
    world.settings(direction="to-constant-contact")
    world.add(first_name="Crm", last_name="Name", email="ada@example.com", title="CRM title")
    world.add(first_name="Crm", last_name="Gone", email="gone@example.com")
    time.sleep(0.02)
    world.seed(world.contact("ada@example.com", "Remote", "Other", job_title="Remote title"))
    [gone] = world.seed(world.contact("gone@example.com", "Remote", "Deleted"))
    world.sandbox.delete_contact(gone)  # newer than the CRM record, but one-way: the CRM wins
    before = world.contacts()
    world.sync()
    assert world.contacts() == before
    assert world.remote("ada@example.com")["job_title"] == "CRM title"
    assert not world.sandbox.get_contact(gone).get("deleted_at")


def test_a_bulk_create_meets_a_deleted_remote_contact_like_a_single_one_does(world):
    ids = [world.add(first_name=f"P{i}", last_name="X", email=f"p{i}@example.com") for i in range(15)]
    time.sleep(0.02)
    [deleted] = world.seed(world.contact("p0@example.com", "Old", "Remote"))
    world.sandbox.delete_contact(deleted)  # deleted after the CRM's last change
    world.sync()
    assert world.sandbox.get_contact(deleted).get("deleted_at"), "the import revived it"
    assert ids[0] not in world.contacts()  # the deletion travelled to the CRM, on purpose
    assert world.sandbox.requests.get("POST /v3/activities/contacts_json_import", 0) == 1


def test_sync_log_rows_of_new_crm_records_carry_their_crm_id(world):
    world.seed(world.contact("x@example.com", "Xx", "Yy"))
    run = world.sync()
    created = [i for i in _items(world, run.run_id) if i.side == "crm" and i.action == "created"]
    assert created and all(i.record_id is not None for i in created)
    assert created[0].record_id in world.contacts()
