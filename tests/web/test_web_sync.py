"""The Sync window through Flask's test client against the local sandbox: OAuth settings, the
web Sign In with state and PKCE, Settings, Sync Now in the background, the logs, CSV, Dry run,
Test connection, Revoke Access; and every refusal for a non-admin."""
from __future__ import annotations

import csv
import io
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlmodel import select

from crm_constant_contact.sandbox import Sandbox
from crmcore.api import set_http_options
from crmcore.auth.models import Connection
from crmcore.sync import sync_now
from crmcore.sync.models import SyncRun
from crmcore.users import get_user

from web.webkit import post

CC = "constant-contact"


@pytest.fixture
def sandbox():
    with Sandbox(rate_limit_per_second=None, auto_approve=True) as sb:
        yield sb


def configure(client, sandbox, scopes="contact_data"):
    return post(client, f"/sync/{CC}/oauth", {
        "client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
        "auth_url": sandbox.auth_url, "token_url": sandbox.token_url, "api_url": sandbox.api_url,
        "revoke_url": sandbox.revoke_url, "scopes": scopes,
        "redirect_uri": f"http://localhost/sync/{CC}/callback"}, follow_redirects=True)


def sign_in(client, tamper=None):
    """Press Sign In, let the (auto-approving) sandbox answer, follow it back to the callback."""
    started = post(client, f"/sync/{CC}/sign-in")
    assert started.status_code == 302
    query = parse_qs(urlsplit(started.location).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["code_challenge"]
    answer = requests.get(started.location, allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    assert back.path == f"/sync/{CC}/callback"
    target = f"{back.path}?{back.query}"
    if tamper:
        target = tamper(target)
    return client.get(target, follow_redirects=True)


def connection_id(web, name="admin") -> int:
    with web.crm.session() as session:
        user = get_user(session, name)
        return session.exec(select(Connection).where(Connection.user_id == user.id,
                                                     Connection.connector == CC)).one().id


def wait_for_sync(client, timeout=60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(f"/sync/{CC}/now")
        if "Sync running" not in page.text:
            return page.text
        assert 'http-equiv="refresh"' in page.text  # without JS the page refreshes itself
        time.sleep(0.2)
    raise AssertionError("the sync did not finish")


def test_the_whole_sync_window_path(web, sandbox):
    web.install(CC)
    client = web.login()
    window = client.get("/sync")
    assert "Constant Contact" in window.text and "not configured" in window.text

    refused = configure(client, sandbox, scopes="account_read")
    assert refused.status_code == 400 and "contact_data" in refused.text
    saved = configure(client, sandbox)
    assert "Saved the OAuth settings of your Constant Contact connection" in saved.text
    assert "Added the scope offline_access" in saved.text
    assert sandbox.client_secret not in saved.text

    forged = sign_in(client, tamper=lambda t: re.sub(r"state=[^&]+", "state=forged", t))
    assert "Sign-in failed" in forged.text and 'data-state="configured"' in forged.text
    done = sign_in(client)
    assert "Signed in: your Constant Contact connection is ready" in done.text
    assert 'data-state="signed in"' in done.text

    set_http_options(web.crm, connection_id(web), rate_per_second=None)
    web_store = web.crm.plugins.modules["contacts"].spec.records
    with web.crm.session() as session:
        admin = get_user(session, "admin")
        ada = web_store.create(session, {"first_name": "Ada", "last_name": "Lovelace",
                                         "email": "ada@example.com"}, admin)
        web_store.create(session, {"first_name": "=HYPERLINK(1)", "last_name": "Formula",
                                   "email": "f@example.com"}, admin)
        web_store.create(session, {"last_name": "Babbage"}, admin)  # no email: skipped
    sandbox.seed_contacts([{"email_address": {"address": "grace@example.com",
                                              "permission_to_send": "implicit"},
                            "first_name": "Grace", "last_name": "Hopper"}])

    settings = post(client, f"/sync/{CC}/settings", {"debug": "on", "contacts_enabled": "on",
                                                     "frequency": "1m"})
    assert settings.status_code == 400 and "too often" in settings.text
    settings = post(client, f"/sync/{CC}/settings", {"debug": "on", "contacts_enabled": "on",
                                                     "frequency": "1h", "direction": "both",
                                                     "sync_records_from": "all",
                                                     "conflict_policy": "most-recent"},
                    follow_redirects=True)
    assert "Saved the sync settings of admin&#39;s Constant Contact connection" in settings.text

    preview = post(client, f"/sync/{CC}/dry-run")
    assert preview.status_code == 200 and "nothing was changed" in preview.text
    assert "Grace Hopper" in preview.text and sandbox.contacts() and len(sandbox.contacts()) == 1

    started = post(client, f"/sync/{CC}/now")
    assert started.status_code == 302 and started.location == f"/sync/{CC}/now"
    finished = wait_for_sync(client)
    assert "Sync finished" in finished and "Open run" in finished
    run = int(re.search(r"run (\d+) in the Sync Log", finished).group(1))

    log = client.get(f"/sync/{CC}/log")
    assert log.status_code == 200
    link = f"/sync/{CC}/log/{run}?side={CC}&amp;action=created"
    assert link in log.text  # each count opens its records
    records = client.get(f"/sync/{CC}/log/{run}?side={CC}&action=created")
    assert f'href="/contacts/{ada}"' in records.text and "Ada Lovelace" in records.text
    assert "Grace Hopper" not in records.text  # created on the CRM side, filtered out
    crm_side = client.get(f"/sync/{CC}/log/{run}?side=crm&action=created")
    assert "Grace Hopper" in crm_side.text
    assert client.get(f"/sync/{CC}/log/{run}?side=moon").status_code == 400

    download = client.get(f"/sync/{CC}/log/{run}.csv?side={CC}")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    names = {r["record_name"] for r in rows}
    assert "'=HYPERLINK(1) Formula" in names and "Ada Lovelace" in names  # formula-safe
    assert all(r["side"] == CC for r in rows)

    attention = client.get(f"/sync/{CC}/attention")
    assert "Babbage" in attention.text

    debug = client.get(f"/sync/{CC}/debug-log")
    assert f"GET {sandbox.api_url}" in debug.text and f"POST {sandbox.api_url}" in debug.text
    with web.crm.session() as session:
        token_enc = session.get(Connection, connection_id(web)).token_enc
    token = json.loads(web.crm.vault.decrypt(token_enc))
    assert token["access_token"] not in debug.text and token["refresh_token"] not in debug.text

    tested = post(client, f"/sync/{CC}/test", follow_redirects=True)
    assert "Connected: the sign-in works" in tested.text

    confirm = client.get(f"/sync/{CC}/revoke")
    assert "Revoke Access to Constant Contact?" in confirm.text
    revoked = post(client, f"/sync/{CC}/revoke", {"confirm": "yes"}, follow_redirects=True)
    assert "Access revoked" in revoked.text and 'data-state="configured"' in revoked.text
    untested = post(client, f"/sync/{CC}/test", follow_redirects=True)
    assert "Test failed" in untested.text
    # the next step is named as the page's own button, not as a command line
    assert f"Sign In for {CC} on the Sync page" in untested.text
    assert "crm sync authorize" not in untested.text
    # Sync Now and Dry run refuse up front: no failed run is recorded for a signed-out connection
    with web.crm.session() as session:
        runs_before = len(session.exec(select(SyncRun)).all())
    for action in ("now", "dry-run"):
        refused = post(client, f"/sync/{CC}/{action}")
        assert refused.status_code == 409 and "is not signed in" in refused.text
        assert f"Sign In for {CC} on the Sync page" in refused.text
    with web.crm.session() as session:
        assert len(session.exec(select(SyncRun)).all()) == runs_before


def test_a_second_sync_now_while_one_runs_says_so(web, sandbox):
    web.install(CC)
    client = web.login()
    configure(client, sandbox)
    sign_in(client)
    taken = []
    sync_now.set_dispatcher(lambda crm, cid, state: taken.append(cid))  # a run that never ends
    try:
        first = post(client, f"/sync/{CC}/now", follow_redirects=True)
        assert "already running" not in first.text and "Sync running" in first.text
        second = post(client, f"/sync/{CC}/now", follow_redirects=True)
        assert "A sync of this connection is already running" in second.text
        fragment = post(client, f"/sync/{CC}/now", headers={"HX-Request": "true"})
        assert "hx-trigger=\"every 1s\"" in fragment.text and "<html" not in fragment.text
        assert taken == [connection_id(web)]  # handed over once
    finally:
        sync_now.set_dispatcher(None)
        sync_now._states.clear()


def test_a_non_admin_sees_no_settings_and_is_refused_in_the_services(web, sandbox):
    web.install(CC)
    bob = web.login("bob", "bob-password-1")
    configure(bob, sandbox)
    window = bob.get("/sync")
    assert "Settings</a>" not in window.text and "Extension Store" not in window.text
    shown = bob.get(f"/sync/{CC}/settings")
    assert shown.status_code == 200 and "Only an admin can change these" in shown.text
    assert "<form" not in shown.text.split("<main")[1]
    refused = post(bob, f"/sync/{CC}/settings", {"debug": "on"})
    assert refused.status_code == 403 and "Only an admin can change sync settings" in refused.text
    assert bob.get(f"/sync/{CC}/log?user=admin").status_code == 403
    admin = web.login()
    others = admin.get(f"/sync/{CC}/settings?user=bob")
    assert "The connection of <strong>bob</strong>" in others.text
    saved = post(admin, f"/sync/{CC}/settings", {"user": "bob", "contacts_enabled": ""},
                 follow_redirects=True)
    assert "Saved the sync settings of bob&#39;s Constant Contact connection" in saved.text
