"""Consent owned by Constant Contact, skips with reasons, one-way directions, Sync Records From."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import update

from crm_contacts.models import Contact
from crmcore.models import utcnow


def test_unsubscribed_remotely_sets_the_crm_opt_out(world):
    world.seed(world.contact("ada@example.com", "Ada", "Lovelace", permission="unsubscribed"))
    world.sync()
    assert world.by_email("ada@example.com")["email_opt_out"] is True


def test_the_crm_never_resubscribes_anyone(world):
    [remote_id] = world.seed(world.contact("ada@example.com", "Ada", "Lovelace",
                                           permission="unsubscribed"))
    world.sync()
    crm = world.by_email("ada@example.com")
    crm_id = next(i for i, v in world.contacts().items() if v["email"] == "ada@example.com")
    time.sleep(0.01)
    world.update(crm_id, email_opt_out=False, title="Edited in the CRM")
    world.sync()
    remote = world.sandbox.get_contact(remote_id)
    assert remote["email_address"]["permission_to_send"] == "unsubscribed"
    assert remote["job_title"] == "Edited in the CRM"
    # and the CRM is told again: the opt-out comes back
    assert world.contacts()[crm_id]["email_opt_out"] is True
    assert crm["email_opt_out"] is True
    assert world.sync().counts["crm"]["updated"] == 0


def test_a_crm_opt_out_unsubscribes_in_constant_contact(world):
    crm_id = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    world.update(crm_id, email_opt_out=True)
    world.sync()
    assert world.remote("ada@example.com")["email_address"]["permission_to_send"] == "unsubscribed"


def test_skips_carry_reasons_a_person_can_act_on(world):
    world.add(first_name="No", last_name="Email")
    world.add(first_name="Long", last_name="Email", email=("x" * 40) + "@" + ("d" * 28) + ".example.com")
    world.add(first_name="Many", last_name="Phones", email="phones@example.com",
              home_phone="1", office_phone="2", mobile_phone="3")
    world.seed(world.contact("nolast@example.com", "No", None))
    run = world.sync()
    out = world.env.invoke(["sync", "log", "constant-contact", str(run.run_id), "--action",
                            "skipped", "--json"])
    reasons = sorted(r["reason"] for r in __import__("json").loads(out.output)["records"])
    assert "no email address" in reasons
    assert "email is 81 characters; Constant Contact allows 80" in reasons
    assert "last name is mandatory in the CRM" in reasons
    assert run.counts["constant-contact"]["created"] == 1  # three phones are allowed
    assert run.counts["constant-contact"]["skipped"] == 2 and run.counts["crm"]["skipped"] == 1
    assert world.sandbox.requests.get("POST /v3/contacts", 0) == 1  # never a 400 from the server


def test_to_crm_never_writes_to_constant_contact(world):
    world.settings(direction="to-crm")
    world.add(first_name="Crm", last_name="Only", email="crm@example.com")
    world.seed(world.contact("cc@example.com", "Remote", "Person"))
    world.sandbox.reset_counts()
    world.sync()
    assert all(k.startswith("GET") for k in world.sandbox.requests), world.sandbox.requests
    assert world.remote("crm@example.com") is None
    assert world.by_email("cc@example.com")["last_name"] == "Person"


def test_to_constant_contact_never_writes_to_the_crm(world):
    world.settings(direction="to-constant-contact")
    world.add(first_name="Crm", last_name="Only", email="crm@example.com")
    world.seed(world.contact("cc@example.com", "Remote", "Person"))
    before = world.contacts()
    world.sync()
    assert world.contacts() == before
    assert world.remote("crm@example.com")["last_name"] == "Only"


def test_sync_records_from_leaves_older_records_out(world):
    old = world.add(first_name="Old", last_name="Record", email="old@example.com")
    world.add(first_name="New", last_name="Record", email="new@example.com")
    with world.crm.session() as s:
        s.execute(update(Contact).where(Contact.id == old)
                  .values(modified_at=utcnow() - timedelta(days=200)))
    world.settings(sync_records_from="90d")
    world.sync()
    assert world.remote("new@example.com") is not None
    assert world.remote("old@example.com") is None


def test_contacts_sync_off_stops_the_run(world):
    world.settings(contacts_enabled=False)
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    run = world.sync(expect="skipped")
    assert "sync is off" in run.error and "--enable-module contacts" in run.hint
    assert world.sandbox.contacts() == []
