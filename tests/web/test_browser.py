"""The issue's whole path in a real browser (Debian's Chromium through Playwright) against the
web app served by waitress and the local Constant Contact sandbox; and a non-admin's walk.

Screenshots of the main screens go to ``$CRM_SCREENSHOTS`` if set, else the test's tmp dir.
"""
from __future__ import annotations

import csv
import io
import os
import re
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# one worker runs both tests, on one Chromium (the fixture below is per module)
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]
if not CHROMIUM.exists():
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium; "
                ".ci/run does it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

CC = "constant-contact"


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the whole session (no browser download: Debian's binary)."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def site(tmp_path, monkeypatch):
    """The web app on a fresh SQLite CRM, served by waitress on a free port, and a sandbox that
    asks for consent (a real Allow Access button)."""
    import waitress

    from crm_constant_contact.sandbox import Sandbox
    from crmcore import passwords
    from crmcore.testing.fixtures import fresh_database, make_env
    from crmcore.users import add_user, get_user
    from crmcore.web import create_app

    with fresh_database("sqlite", tmp_path) as url:
        env = make_env(url, tmp_path, monkeypatch, ("contacts", "constant-contact"))
        crm = env.crm()
        with crm.session() as session:
            add_user(session, get_user(session, "admin"), "bob")
            passwords.set_password(session, None, "admin", "admin-password-1")
            passwords.set_password(session, None, "bob", "bob-password-1")
        server = waitress.create_server(create_app(crm), host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        with Sandbox(rate_limit_per_second=None, auto_approve=False) as sandbox:
            shots = Path(os.environ.get("CRM_SCREENSHOTS") or tmp_path / "screenshots")
            shots.mkdir(parents=True, exist_ok=True)
            yield {"base": f"http://127.0.0.1:{server.effective_port}", "crm": crm,
                   "sandbox": sandbox, "shots": shots}
        server.close()
        crm.close()


def log_in(page, base, name, password):
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_admin_walks_the_whole_path(browser, site):
    base, crm, sandbox, shots = site["base"], site["crm"], site["sandbox"], site["shots"]
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    expect = sync_api.expect

    log_in(page, base, "admin", "admin-password-1")
    expect(page.get_by_role("heading", name="Sync", exact=True)).to_be_visible()

    page.get_by_role("link", name="Extension Store", exact=True).click()
    page.get_by_role("button", name="Install constant-contact").click()
    expect(page.get_by_role("listitem").filter(has_text="contacts 0.1.0")).to_be_visible()
    page.get_by_role("button", name="Yes, install").click()
    expect(page.get_by_text("Installed contacts")).to_be_visible()
    page.screenshot(path=str(shots / "01-extension-store.png"), full_page=True)

    from crmcore.users import get_user

    records = crm.plugins.modules["contacts"].spec.records
    with crm.session() as session:
        admin = get_user(session, "admin")
        records.create(session, {"first_name": "Ada", "last_name": "Lovelace",
                                 "email": "ada@example.com", "organization": "Engines"}, admin)
        records.create(session, {"first_name": "Alan", "last_name": "Turing",
                                 "email": "alan@example.com"}, admin)
    sandbox.seed_contacts([{"email_address": {"address": "grace@example.com",
                                              "permission_to_send": "implicit"},
                            "first_name": "Grace", "last_name": "Hopper"}])

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    page.screenshot(path=str(shots / "02-contacts.png"), full_page=True)
    page.get_by_role("main").get_by_role("link", name="Sync", exact=True).click()
    expect(page.get_by_text("not configured")).to_be_visible()

    page.get_by_role("link", name="OAuth settings").click()
    page.get_by_label("Client id").fill(sandbox.client_id)
    page.get_by_label("Client secret").fill(sandbox.client_secret)
    page.get_by_label("Authorization URL").fill(sandbox.auth_url)
    page.get_by_label("Token URL").fill(sandbox.token_url)
    page.get_by_label("API URL").fill(sandbox.api_url)
    page.get_by_label("Revocation URL").fill(sandbox.revoke_url)
    page.get_by_label("Scopes").fill("contact_data")
    expect(page.get_by_label("Redirect URI")).to_have_value(f"{base}/sync/{CC}/callback")
    page.screenshot(path=str(shots / "03-oauth-settings.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved the OAuth settings")).to_be_visible()

    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Allow Access").click()  # the service's consent page
    expect(page.get_by_text("Signed in: your Constant Contact connection is ready")).to_be_visible()
    assert page.url == f"{base}/sync"
    from crmcore.api import set_http_options
    from crmcore.auth.models import Connection
    from sqlmodel import select

    with crm.session() as session:
        connection_id = session.exec(select(Connection)).one().id
    set_http_options(crm, connection_id, rate_per_second=None)

    page.get_by_role("link", name="Settings", exact=True).click()
    page.get_by_label("Debug Mode").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved the sync settings")).to_be_visible()
    page.screenshot(path=str(shots / "04-sync-settings.png"), full_page=True)

    page.get_by_role("link", name="Sync", exact=True).first.click()
    page.get_by_role("button", name="Sync Now").click()
    expect(page.get_by_text("Sync finished")).to_be_visible(timeout=60_000)
    page.screenshot(path=str(shots / "05-sync-window.png"), full_page=True)

    page.get_by_role("link", name="Sync Log", exact=True).first.click()
    expect(page.get_by_role("heading", name="Sync Log: Constant Contact")).to_be_visible()
    page.screenshot(path=str(shots / "06-sync-log.png"), full_page=True)
    page.get_by_role("link", name=re.compile(r"^2 created in Constant Contact, run \d+")).click()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    page.screenshot(path=str(shots / "07-run-records.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download as CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["record_name"] for r in rows} == {"Ada Lovelace", "Alan Turing"}
    assert {r["side"] for r in rows} == {CC} and {r["action"] for r in rows} == {"created"}

    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_text("Engines")).to_be_visible()
    page.screenshot(path=str(shots / "08-contact.png"), full_page=True)

    page.goto(f"{base}/sync/{CC}/debug-log")
    expect(page.get_by_text(re.compile(r"GET http://127\.0\.0\.1:\d+/v3/contacts")).first).to_be_visible()
    page.screenshot(path=str(shots / "09-debug-log.png"), full_page=True)

    page.goto(f"{base}/sync")
    page.get_by_role("link", name="Revoke Access").click()
    page.get_by_role("button", name="Yes, revoke access").click()
    expect(page.get_by_text("Access revoked")).to_be_visible()
    page.screenshot(path=str(shots / "10-revoked.png"), full_page=True)
    context.close()


def test_a_non_admin_sees_no_settings_and_no_extension_store(browser, site):
    base, crm, shots = site["base"], site["crm"], site["shots"]
    from crmcore.extensions import store
    from crmcore.users import get_user

    with crm.session() as session:
        admin = get_user(session, "admin")
    store.install(crm, admin, [CC])
    context = browser.new_context(viewport={"width": 380, "height": 800})  # a phone
    page = context.new_page()
    log_in(page, base, "bob", "bob-password-1")
    expect = sync_api.expect
    expect(page.get_by_role("heading", name="Sync", exact=True)).to_be_visible()
    assert page.get_by_role("link", name="Extension Store", exact=True).count() == 0
    page.get_by_role("link", name="OAuth settings").click()
    page.get_by_label("Client id").fill("bobs-app")
    page.get_by_label("Client secret").fill("bobs-secret")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved the OAuth settings")).to_be_visible()
    assert page.get_by_role("link", name="Settings", exact=True).count() == 0
    page.screenshot(path=str(shots / "11-non-admin-sync-narrow.png"), full_page=True)
    page.goto(f"{base}/extensions")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    page.goto(f"{base}/sync/{CC}/settings")
    expect(page.get_by_text("Only an admin can change these")).to_be_visible()
    assert page.get_by_role("button", name="Save").count() == 0
    page.goto(f"{base}/contacts")
    page.keyboard.press("Tab")  # the first stop is the skip link
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.screenshot(path=str(shots / "12-contacts-narrow.png"), full_page=True)
    context.close()
