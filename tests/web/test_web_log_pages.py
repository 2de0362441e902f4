"""The Sync Log of failed runs and "Needs attention", read from stored runs."""
from __future__ import annotations

from crmcore.auth import connections
from crmcore.models import utcnow
from crmcore.sync.models import SyncRun, SyncRunItem
from crmcore.users import get_user

CC = "constant-contact"


def _run(session, connection_id, outcome, items=(), error=None, hint=None) -> int:
    run = SyncRun(connection_id=connection_id, module="contacts", direction="both",
                  outcome=outcome, error=error, hint=hint, finished_at=utcnow(),
                  counts={"crm": {"created": 0, "updated": 0, "skipped": 0, "deleted": 0},
                          CC: {"created": 0, "updated": 0, "skipped": len(items), "deleted": 0}})
    session.add(run)
    session.flush()
    for action, name, record_id, reason in items:
        session.add(SyncRunItem(run_id=run.id, side=CC, action=action, module="contacts",
                                record_name=name, record_id=record_id, reason=reason))
    return run.id


def test_failed_runs_say_why_and_skips_that_persist_need_attention(web):
    web.install(CC)
    with web.crm.session() as session:
        bob = get_user(session, "bob")
    row = connections.configure(web.crm, bob, CC, client_id="id", client_secret="secret")
    with web.crm.session() as session:
        _run(session, row.id, "success", [("skipped", "Charles Babbage", 7, "no email address"),
                                          ("skipped", "Cher", 8, "no last name")])
        _run(session, row.id, "success", [("skipped", "Charles Babbage", 7, "no email address"),
                                          ("updated", "Cher", 8, None)])
        failed = _run(session, row.id, "failed", error="The token endpoint refused the client "
                      "credentials (invalid_client).", hint="Check the client id and secret.")
    client = web.login("bob", "bob-password-1")
    log = client.get(f"/sync/{CC}/log").text
    assert log.index(f"/log/{failed}") < log.index("/log/1?")  # newest first
    assert "refused the client credentials" in log and "Check the client id and secret." in log
    detail = client.get(f"/sync/{CC}/log/{failed}").text
    assert 'role="alert"' in detail and "invalid_client" in detail
    attention = client.get(f"/sync/{CC}/attention").text
    assert "Charles Babbage" in attention and "no email address" in attention
    assert ">2</td>" in attention  # skipped by both runs
    assert 'href="/contacts/7"' in attention
    assert "Cher" not in attention  # synced on the later run: fine again
    assert client.get(f"/sync/{CC}/log/999").status_code == 404
    admin = web.login()
    assert "Charles Babbage" in admin.get(f"/sync/{CC}/attention?user=bob").text
    assert admin.get(f"/sync/{CC}/log/{failed}").status_code == 404  # not admin's own connection


def test_a_run_of_one_record_says_record_not_records(web):
    web.install(CC)
    with web.crm.session() as session:
        bob = get_user(session, "bob")
    row = connections.configure(web.crm, bob, CC, client_id="id", client_secret="secret")
    with web.crm.session() as session:
        one = _run(session, row.id, "success", [("skipped", "Charles Babbage", 7, "no email address")])
        two = _run(session, row.id, "success", [("skipped", "Charles Babbage", 7, "no email address"),
                                                ("skipped", "Cher", 8, "no last name")])
    client = web.login("bob", "bob-password-1")
    assert "(1 record)" in client.get(f"/sync/{CC}/log/{one}").text
    assert "(2 records)" in client.get(f"/sync/{CC}/log/{two}").text
