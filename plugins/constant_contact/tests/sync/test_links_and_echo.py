"""Links, first matches by email, no echo."""
from __future__ import annotations


def test_first_sync_creates_on_both_sides_and_links_them(world):
    ada = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                    title="Analyst", organization="Engines Ltd", mobile_phone="+44 1")
    world.seed(world.contact("grace@example.com", "Grace", "Hopper", job_title="Rear Admiral"))
    summary = world.sync()
    assert summary.counts["crm"]["created"] == 1
    assert summary.counts["constant-contact"]["created"] == 1
    remote = world.remote("ada@example.com")
    assert (remote["first_name"], remote["last_name"], remote["job_title"],
            remote["company_name"]) == ("Ada", "Lovelace", "Analyst", "Engines Ltd")
    grace = world.by_email("grace@example.com")
    assert (grace["first_name"], grace["last_name"], grace["title"]) == ("Grace", "Hopper", "Rear Admiral")
    links = {link.record_id: link.remote_id for link in world.links()}
    assert links[ada] == remote["contact_id"]
    assert len(links) == 2


def test_a_second_sync_with_nothing_changed_writes_nothing_and_makes_one_request(world):
    for i in range(30):
        world.add(first_name=f"P{i}", last_name="Crm", email=f"crm{i}@example.com")
    world.seed(*[world.contact(f"cc{i}@example.com", f"R{i}", "Remote") for i in range(30)])
    world.sync()
    world.sandbox.reset_counts()
    summary = world.sync()
    assert all(v == 0 for side in summary.counts.values() for v in side.values()), summary.counts
    assert summary.requests <= 2
    assert world.sandbox.request_total <= 2
    writes = [k for k in world.sandbox.requests if not k.startswith("GET")]
    assert writes == []


def test_first_match_is_by_normalised_email_and_makes_no_duplicate(world):
    crm_id = world.add(first_name="Ada", last_name="Lovelace", email="  Ada@Example.COM ")
    world.seed(world.contact("ada@example.com", "Ada", "Lovelace"))
    summary = world.sync()
    assert summary.counts["crm"]["created"] == 0
    assert summary.counts["constant-contact"]["created"] == 0
    assert len(world.sandbox.contacts()) == 1
    assert len(world.contacts()) == 1
    assert [link.record_id for link in world.links()] == [crm_id]


def test_after_linking_an_email_change_moves_the_email_not_the_person(world):
    crm_id = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    remote_id = world.links()[0].remote_id
    world.update(crm_id, email="ada@lovelace.org")
    world.sync()
    assert world.sandbox.get_contact(remote_id)["email_address"]["address"] == "ada@lovelace.org"
    assert len(world.sandbox.contacts()) == 1
    world.sandbox.update_contact(remote_id, {"email_address": {"address": "countess@example.com"}})
    world.sync()
    assert world.contacts()[crm_id]["email"] == "countess@example.com"
    assert len(world.contacts()) == 1 and len(world.sandbox.contacts()) == 1


def test_two_crm_records_with_one_email_are_an_ambiguous_match(world):
    world.add(first_name="Ada", last_name="One", email="ada@example.com")
    world.add(first_name="Ada", last_name="Two", email="ADA@example.com")
    world.seed(world.contact("ada@example.com", "Ada", "Remote"))
    summary = world.sync()
    items = world.env.invoke(["sync", "log", "constant-contact", str(summary.run_id), "--json"])
    reasons = [r["reason"] for r in __import__("json").loads(items.output)["records"]
               if r["action"] == "skipped"]
    assert any(r.startswith("ambiguous match: 2 CRM records have the email") for r in reasons), reasons
    # nothing was merged or guessed on the CRM side
    assert sorted(c["last_name"] for c in world.contacts().values()) == ["One", "Two"]


def test_a_first_match_loses_nothing_from_either_side(world):
    crm_id = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                       title="Analyst", mobile_phone="+44 1")
    import time
    time.sleep(0.01)
    world.seed(world.contact("ada@example.com", "Augusta Ada", "Lovelace",
                             company_name="Engines Ltd"))  # newer, lacks title and phone
    world.sync()
    crm = world.contacts()[crm_id]
    remote = world.remote("ada@example.com")
    assert (crm["first_name"], crm["title"], crm["mobile_phone"], crm["organization"]) == (
        "Augusta Ada", "Analyst", "+44 1", "Engines Ltd")
    assert (remote["first_name"], remote["job_title"], remote["company_name"]) == (
        "Augusta Ada", "Analyst", "Engines Ltd")
    assert world.sync().counts == {side: dict.fromkeys(("created", "updated", "skipped", "deleted"), 0)
                                   for side in ("crm", "constant-contact")}


def test_a_record_that_cannot_be_linked_is_not_logged_again_on_every_run(world):
    world.seed(world.contact("nolast@example.com", "No", None))
    assert world.sync().counts["crm"]["skipped"] == 1
    assert world.sync().counts["crm"]["skipped"] == 0


def _spy(monkeypatch, owner, name: str) -> list:
    calls: list = []
    inner = getattr(owner, name)

    def spy(self, *args, **kwargs):
        calls.append(args)
        return inner(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def test_the_echo_of_a_bulk_create_is_linked_to_what_was_sent_without_a_lookup(world, monkeypatch):
    from crmcore.sync.pull import Puller

    ids = {world.add(first_name=f"P{i}", last_name="Bulk", email=f"bulk{i}@example.com")
           for i in range(25)}  # more than an import's threshold: sent by bulk import
    echoes = _spy(monkeypatch, Puller, "_link_echo")
    unlinked = _spy(monkeypatch, Puller, "_pull_unlinked")
    summary = world.sync()
    assert summary.counts["constant-contact"]["created"] == 25
    assert sorted(args[2] for args in echoes) == sorted(ids)  # (batch, record, CRM id, ...)
    assert unlinked == []  # no echo went the way of a first match by email
    links = {link.record_id: link.remote_id for link in world.links()}
    assert set(links) == ids
    for record_id, remote_id in links.items():
        email = world.contacts()[record_id]["email"]
        assert world.sandbox.get_contact(remote_id)["email_address"]["address"] == email
    world.sandbox.reset_counts()
    again = world.sync()
    assert all(v == 0 for side in again.counts.values() for v in side.values()), again.counts
    assert world.sandbox.request_total == 1


def test_an_echo_changed_before_it_is_read_back_is_matched_by_email(world, monkeypatch):
    from crmcore.sync.pull import Puller
    from crmcore.sync.push import Pusher

    ids = {world.add(first_name=f"P{i}", last_name="Bulk", email=f"bulk{i}@example.com")
           for i in range(25)}
    push = Pusher.push

    def then_edited_there(self):  # someone edits one new contact before the read-back
        push(self)
        contact = world.remote("bulk3@example.com")
        world.sandbox.update_contact(contact["contact_id"], {"job_title": "Edited there"})

    monkeypatch.setattr(Pusher, "push", then_edited_there)
    unlinked = _spy(monkeypatch, Puller, "_pull_unlinked")
    world.sync()
    assert [args[1].values["email_address"] for args in unlinked] == ["bulk3@example.com"]
    assert {link.record_id for link in world.links()} == ids
    assert len(world.sandbox.contacts()) == 25 and len(world.contacts()) == 25
    world.sync()
    assert world.by_email("bulk3@example.com")["title"] == "Edited there"
    assert world.remote("bulk3@example.com")["job_title"] == "Edited there"


def _after_first_push_batch(monkeypatch, action) -> list[int]:
    """Run ``action`` (someone working in the CRM) right after the push's first batch; returns
    the list that gets the size of each batch the push handles."""
    from crmcore.sync.push import Pusher

    inner = Pusher._push_records
    calls: list[int] = []

    def then_act(self, record_ids, last_seq):
        inner(self, record_ids, last_seq)
        calls.append(len(record_ids))
        if len(calls) == 1:
            action()

    monkeypatch.setattr(Pusher, "_push_records", then_act)
    return calls


def test_an_echo_whose_crm_record_was_linked_since_the_bulk_create_goes_by_email(world, monkeypatch):
    """A record bulk-created, then given another email while the push runs, is sent again (one
    by one: linked at once); the echo of the first send, read back later, is no longer its echo
    (the record has a link and another email) and is matched by email as before, not linked a
    second time to the same CRM record."""
    ids = sorted(world.add(first_name=f"P{i}", last_name="Bulk", email=f"bulk{i}@example.com")
                 for i in range(25))
    moved = ids[3]
    calls = _after_first_push_batch(monkeypatch, lambda: world.update(moved, email="moved3@example.com"))
    world.sync()
    assert calls == [25, 1]
    links = {link.record_id: link.remote_id for link in world.links()}
    assert world.sandbox.get_contact(links[moved])["email_address"]["address"] == "moved3@example.com"
    # the first send's contact is no echo of the record any more: taken as a CRM contact of
    # its own, as a first match that found no CRM record with its email
    assert world.by_email("bulk3@example.com") is not None
    assert len(world.contacts()) == 26 and len(world.sandbox.contacts()) == 26


def test_records_bulk_created_twice_with_other_emails_are_echoed_by_the_last_send(world, monkeypatch):
    """Records bulk-created, then given other emails while the push runs, are bulk-created again:
    only the last send's echo is theirs; the first send's contacts are matched by email as
    before (no CRM record has those emails now, so each becomes a CRM contact of its own)."""
    ids = sorted(world.add(first_name=f"P{i}", last_name="Bulk", email=f"bulk{i}@example.com")
                 for i in range(25))
    moved = ids[:12]  # more than an import's threshold: the second send is an import too

    def edit() -> None:
        for number, record_id in enumerate(moved):
            world.update(record_id, email=f"moved{number}@example.com")

    calls = _after_first_push_batch(monkeypatch, edit)
    world.sync()
    assert calls == [25, 12]
    links = {link.record_id: link.remote_id for link in world.links()}
    for number, record_id in enumerate(moved):
        remote = world.sandbox.get_contact(links[record_id])
        assert remote["email_address"]["address"] == f"moved{number}@example.com"
        assert world.by_email(f"bulk{number}@example.com") is not None
    assert len(world.contacts()) == 37 and len(world.sandbox.contacts()) == 37
    assert len(links) == 37
    again = world.sync()
    assert all(v == 0 for side in again.counts.values() for v in side.values()), again.counts


def test_an_echo_whose_crm_record_was_deleted_during_the_push_goes_by_email(world, monkeypatch):
    """A record bulk-created, then deleted in the CRM while the push runs (the push meets it again,
    deleted and unlinked): its echo is matched by email as before, not linked to the record in
    the recycle bin as if it were live."""
    ids = sorted(world.add(first_name=f"P{i}", last_name="Bulk", email=f"bulk{i}@example.com")
                 for i in range(25))
    gone = ids[3]
    calls = _after_first_push_batch(monkeypatch, lambda: world.delete(gone))
    world.sync()
    assert calls == [25, 1]
    links = {link.record_id: link for link in world.links()}
    assert gone not in links
    assert world.by_email("bulk3@example.com") is not None  # the contact, taken as a new one
    assert len(links) == 25 and len(world.sandbox.contacts()) == 25
