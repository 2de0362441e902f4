"""Sign-in, sign-out, the guard on every page, CSRF, the per-account back-off, set-password."""
from __future__ import annotations

import re

from datetime import timedelta

import pytest

from crmcore import passwords
from crmcore.models import User, utcnow
from crmcore.users import get_user

from web.webkit import ADMIN_PW, csrf_of, login, post

BOOKMARKS = ["/", "/contacts", "/contacts/1", "/contacts/new", "/extensions", "/sync",
             "/sync/constant-contact/settings", "/sync/constant-contact/log",
             "/sync/constant-contact/log/1?side=crm&action=created",
             "/sync/constant-contact/debug-log", "/sync/constant-contact/attention",
             "/sync/constant-contact/oauth", "/sync/constant-contact/now"]


def test_every_page_sends_a_visitor_to_login(web):
    client = web.client()
    for path in BOOKMARKS:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/login"), path
    assert "next=/sync/constant-contact/log" in client.get("/sync/constant-contact/log").location
    assert client.post("/sync/constant-contact/now").status_code in (302, 400)
    assert client.get("/login").status_code == 200


def test_login_goes_where_the_visitor_was_going_and_logout_ends_it(web):
    client = web.client()
    response = client.post("/login", data={"name": "admin", "password": ADMIN_PW,
                                           "next": "/extensions", "csrf_token": csrf_of(client)})
    assert response.location == "/extensions"
    assert client.get("/extensions").status_code == 200
    post(client, "/logout")
    assert client.get("/extensions").location.startswith("/login")


def test_login_never_redirects_off_site(web):
    client = web.client()
    response = client.post("/login", data={"name": "admin", "password": ADMIN_PW,
                                           "next": "https://evil.example/", "csrf_token": csrf_of(client)})
    assert response.location == "/sync"


def test_wrong_password_and_unknown_user_get_the_same_answer(web):
    client = web.client()
    wrong = login(client, "admin", "not the password")
    unknown = login(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.text and "Wrong user name or password." in unknown.text


def test_a_refused_form_is_described_by_its_problem(web):
    """Assistive technology reads the problem with the form: aria-describedby names the alert."""
    client = web.client()
    first = client.get("/login")
    assert "aria-describedby" not in first.text  # nothing to describe yet
    wrong = login(client, "admin", "not the password")
    form = re.search(r"<form[^>]*action=\"/login[^>]*>", wrong.text).group(0)
    assert 'aria-describedby="form-problem"' in form
    assert re.search(r'<div[^>]*role="alert"[^>]*id="form-problem"', wrong.text)


def test_a_form_without_its_csrf_token_is_refused(web):
    client = web.client()
    response = client.post("/login", data={"name": "admin", "password": ADMIN_PW})
    assert response.status_code == 400 and "Form expired" in response.text
    signed_in = web.login()
    response = signed_in.post("/contacts/new", data={"last_name": "Lovelace"})
    assert response.status_code == 400
    response = signed_in.post("/contacts/new", data={"last_name": "X", "csrf_token": "forged"})
    assert response.status_code == 400


def test_login_backs_off_per_account_after_repeated_failures(web):
    client = web.client()
    for _ in range(passwords.FREE_FAILURES):  # the last of these starts the pause
        assert login(client, "admin", "guess").status_code == 401
    throttled = login(client, "admin", ADMIN_PW)  # even the right password waits
    assert throttled.status_code == 429
    assert "sign-in is paused" in throttled.text
    assert login(web.client(), "bob", "bob-password-1").status_code == 302  # others unaffected
    with web.crm.session() as session:  # the pause is over
        user = get_user(session, "admin")
        assert user.failed_logins == passwords.FREE_FAILURES
        user.locked_until = utcnow() - timedelta(seconds=1)
        session.add(user)
    assert login(web.client(), "admin", ADMIN_PW).status_code == 302
    with web.crm.session() as session:
        assert get_user(session, "admin").failed_logins == 0


def test_back_off_doubles_and_is_capped():
    assert passwords._lock_for(passwords.FREE_FAILURES - 1) == timedelta(0)
    assert passwords._lock_for(passwords.FREE_FAILURES) == timedelta(seconds=2)
    assert passwords._lock_for(passwords.FREE_FAILURES + 1) == timedelta(seconds=4)
    assert passwords._lock_for(100) == passwords.MAX_LOCK


def test_changing_the_password_ends_other_sessions(web):
    client = web.login()
    assert client.get("/sync").status_code == 200
    with web.crm.session() as session:
        passwords.set_password(session, None, "admin", "a-brand-new-pass")
    assert client.get("/sync").location.startswith("/login")


def test_a_user_without_a_password_cannot_sign_in(web):
    with web.crm.session() as session:
        session.get(User, get_user(session, "bob").id).password_hash = None
    assert login(web.client(), "bob", "bob-password-1").status_code == 401


def test_stored_passwords_are_argon2_hashes(web):
    with web.crm.session() as session:
        stored = get_user(session, "admin").password_hash
    assert stored.startswith("$argon2id$") and ADMIN_PW not in stored


def test_cli_set_password_reads_stdin_and_refuses_others_for_non_admins(web):
    env = web.env
    result = env.invoke(["users", "set-password", "bob"], input="new-bob-password\n")
    assert result.exit_code == 0, result.output
    assert login(web.client(), "bob", "new-bob-password").status_code == 302
    result = env.invoke(["users", "set-password", "admin"], input="whatever-long\n", user="bob")
    assert result.exit_code == 3 and "Only an admin can set another user's password" in result.output
    result = env.invoke(["users", "set-password", "bob"], input="short\n", user="bob")
    assert result.exit_code == 2 and "too short" in result.output


def test_init_sets_the_first_admins_password_from_stdin(tmp_path):
    import os
    import subprocess
    import shutil
    import sys
    from pathlib import Path

    from cryptography.fernet import Fernet

    exe = shutil.which("crm", path=str(Path(sys.executable).parent))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(CRM_HOME=str(tmp_path), CRM_SECRET_KEY=Fernet.generate_key().decode(), CRM_PLUGINS="")
    done = subprocess.run([exe, "init", "--admin", "ada", "--password-stdin"], input="ada-secret-pw\n",
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Password set for 'ada'" in done.stdout and "ada-secret-pw" not in done.stdout
    from crmcore.app import CRM
    from crmcore.config import Settings

    crm = CRM(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'crm.sqlite'}"))
    try:
        with crm.session() as session:
            assert passwords.authenticate(session, "ada", "ada-secret-pw").name == "ada"
    finally:
        crm.close()


def test_cli_set_password_with_nothing_on_stdin_says_how_to_give_one(web):
    result = web.env.invoke(["users", "set-password", "bob"], input="")
    assert result.exit_code == 2
    assert "No password was given" in result.output and "too short" not in result.output
    assert 'echo "$PW" | crm users set-password bob' in result.output
