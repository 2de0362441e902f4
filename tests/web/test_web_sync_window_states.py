"""The Sync window's connector states the walk-throughs do not reach: a connector whose extension
is not installed ("View available connectors", install for an admin, ask an admin otherwise) and a
connection the service no longer accepts ("re-authorization required", with Sign In)."""
from __future__ import annotations

from sqlmodel import select

from crmcore.auth.models import REAUTH_REQUIRED, Connection
from crmcore.users import get_user

from web.webkit import post

CC = "constant-contact"


def test_a_connector_whose_extension_is_missing_is_offered_as_available(web):
    admin = web.login().get("/sync").text
    assert "No connector is ready to use yet" in admin
    assert "Constant Contact" in admin and "needs the <code>constant-contact</code> extension" in admin
    assert f'href="/extensions/install?name={CC}">Install it from the Extension Store' in admin
    bob = web.login("bob").get("/sync").text
    assert "An admin installs it." in bob and "Install it from the Extension Store" not in bob

    web.install("contacts", CC)
    window = web.login().get("/sync").text
    assert "View available connectors</a> (0)" in window
    assert "Every connector of this CRM is in use above." in web.login().get("/sync?available=1").text


def test_a_connection_needing_re_authorization_says_so_and_offers_sign_in(web):
    web.install("contacts", CC)
    client = web.login()
    saved = post(client, f"/sync/{CC}/oauth", {
        "client_id": "app-1", "client_secret": "s3cret-value", "auth_url": "http://127.0.0.1:9/a",
        "token_url": "http://127.0.0.1:9/t", "api_url": "http://127.0.0.1:9/v3",
        "revoke_url": "http://127.0.0.1:9/r", "scopes": "contact_data",
        "redirect_uri": f"http://localhost/sync/{CC}/callback"}, follow_redirects=True)
    assert "Saved the OAuth settings" in saved.text
    with web.crm.session() as session:
        admin = get_user(session, "admin")
        row = session.exec(select(Connection).where(Connection.user_id == admin.id)).one()
        row.state = REAUTH_REQUIRED
        session.add(row)
        session.commit()
    page = client.get("/sync").text
    assert 'data-state="re-authorization required"' in page
    assert "the service no longer accepts the sign-in; press Sign In" in page
    assert ">Sign In</button>" in page and "Sync Now" not in page
    assert "s3cret-value" not in page


def test_a_connection_failing_in_the_background_says_so_in_the_sync_window(web):
    from crmcore.sync.models import SyncSettings

    web.install("contacts", CC)
    client = web.login()
    post(client, f"/sync/{CC}/oauth", {
        "client_id": "app-1", "client_secret": "s3cret-value", "auth_url": "http://127.0.0.1:9/a",
        "token_url": "http://127.0.0.1:9/t", "api_url": "http://127.0.0.1:9/v3",
        "revoke_url": "http://127.0.0.1:9/r", "scopes": "contact_data",
        "redirect_uri": f"http://localhost/sync/{CC}/callback"})
    assert "Failing in the background" not in client.get("/sync").text
    with web.crm.session() as session:
        admin = get_user(session, "admin")
        cid = session.exec(select(Connection).where(Connection.user_id == admin.id)).one().id
        row = session.get(SyncSettings, cid) or SyncSettings(connection_id=cid)
        row.failures, row.last_error = 3, "The remote service answered 500 <b>twice</b>"
        session.add(row)
        session.commit()
    page = client.get("/sync").text
    assert "Failing in the background (3 in a row): The remote service answered 500" in page
    assert "&lt;b&gt;twice&lt;/b&gt;" in page  # the error is text, never markup
