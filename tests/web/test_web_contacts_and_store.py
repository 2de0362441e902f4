"""Contacts pages (from the contacts plugin) and the Extension Store, through Flask's test client."""
from __future__ import annotations

import re

from web.webkit import csrf_of, post


def test_extension_store_is_for_admins_and_installs_dependencies_first(web):
    bob = web.login("bob", "bob-password-1")
    assert bob.get("/extensions").status_code == 403
    refused = post(bob, "/extensions/install", {"name": "constant-contact", "confirm": "yes"})
    assert refused.status_code == 403 and "Only an admin can install extensions" in refused.text
    assert "Extension Store" not in bob.get("/sync").text

    admin = web.login()
    page = admin.get("/extensions")
    assert "constant-contact" in page.text and "Available" in page.text
    confirm = admin.get("/extensions/install?name=constant-contact")
    assert confirm.status_code == 200
    plan = re.findall(r"<li>([\w-]+) [\d.]+</li>", confirm.text)
    assert plan == ["contacts", "constant-contact"]  # dependencies first, nothing installed yet
    done = post(admin, "/extensions/install", {"name": "constant-contact", "confirm": "yes"},
                follow_redirects=True)
    assert "Installed contacts" in done.text and "constant-contact" in done.text
    gone = post(admin, "/extensions/uninstall", {"name": "contacts", "confirm": "yes"})
    assert gone.status_code == 400 and "depends on it" in gone.text
    gone = post(admin, "/extensions/uninstall", {"name": "constant-contact", "confirm": "yes"},
                follow_redirects=True)
    assert "Uninstalled constant-contact." in gone.text


def test_contacts_need_their_extension(web):
    page = web.login().get("/contacts")
    assert page.status_code == 409
    assert "Install contacts on the Extensions page" in page.text


def test_contacts_create_show_edit_delete_restore(web):
    web.install("contacts")
    client = web.login("bob", "bob-password-1")
    bad = post(client, "/contacts/new", {"first_name": "Ada", "email": "not-an-email"})
    assert bad.status_code == 400
    assert "Last Name" in bad.text or "last_name" in bad.text  # the service's own message
    assert 'value="Ada"' in bad.text  # what was typed stays
    made = post(client, "/contacts/new", {"first_name": "Ada", "last_name": "Lovelace",
                                          "email": "ada@example.com"})
    assert made.status_code == 302
    record_id = int(made.location.rsplit("/", 1)[1])
    page = client.get(made.location)
    assert "Ada Lovelace" in page.text and "ada@example.com" in page.text and "bob" in page.text
    bad_email = post(client, f"/contacts/{record_id}/edit", {"last_name": "Lovelace",
                                                              "email": "ada@@example"})
    assert bad_email.status_code == 400 and "Email" in bad_email.text
    edited = post(client, f"/contacts/{record_id}/edit", {"first_name": "Ada", "last_name": "King",
                                                           "title": "Countess"},
                  follow_redirects=True)
    assert "Updated contact" in edited.text and "Countess" in edited.text
    assert "ada@example.com" not in edited.text  # an emptied field is cleared, as in the CLI
    deleted = post(client, f"/contacts/{record_id}/delete", follow_redirects=True)
    assert "to the recycle bin" in deleted.text and "In the recycle bin since" in deleted.text
    assert "Ada King" not in client.get("/contacts").text
    assert "Ada King" in client.get("/contacts?deleted=1").text
    refused = post(client, f"/contacts/{record_id}/edit", {"last_name": "X"})
    assert refused.status_code == 409 and "recycle bin" in refused.text
    restored = post(client, f"/contacts/{record_id}/restore", follow_redirects=True)
    assert f"Restored contact {record_id}" in restored.text
    assert client.get("/contacts/999999").status_code == 404


def test_contacts_list_searches_and_pages(web):
    web.install("contacts")
    from crm_contacts import service

    with web.crm.session() as session:
        from crmcore.users import get_user

        admin = get_user(session, "admin")
        for i in range(120):
            service.add(session, admin, {"first_name": f"P{i:03d}", "last_name": f"Person{i:03d}",
                                         "organization": "Acme" if i % 2 else "Globex"})
    client = web.login()
    first = client.get("/contacts")
    assert "120 contacts" in first.text and "Page 1 of 3" in first.text
    assert "P000 Person000" in first.text and "P050 Person050" not in first.text
    third = client.get("/contacts?page=3")
    assert "P119 Person119" in third.text and "Next" not in third.text
    found = client.get("/contacts?q=acme+person01")
    assert "5 contacts" in found.text  # 011, 013, 015, 017, 019
    assert "Sync</a>" in first.text  # the Sync button opens the Sync window
    assert 'href="/sync"' in first.text
