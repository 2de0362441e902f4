"""Sign in through 'crm sync authorize': browser + loopback redirect, and the pasted-URL path."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests
from sqlmodel import select

from crmcore.auth import connections
from crmcore.auth.models import CONFIGURED, SIGNED_IN, Connection
from crmcore.models import User

from .conftest import browser_env, configure


def _row(env, user="admin") -> Connection:
    crm = env.crm()
    try:
        with crm.session() as session:
            return session.exec(select(Connection).join(User).where(User.name == user)).one()
    finally:
        crm.close()


def _secrets_in(text: str, env, row: Connection) -> list[str]:
    crm = env.crm()
    try:
        token = connections.load_token(row, crm.vault) if row.token_enc else {}
    finally:
        crm.close()
    values = [env.sandbox.client_secret, token.get("access_token"), token.get("refresh_token")]
    return [v for v in values if v and v in text]


def test_authorize_with_browser_signs_in_and_stores_tokens_encrypted(env):
    assert configure(env).exit_code == 0
    r = env.invoke(["sync", "authorize", "demo", "--timeout", "20"], **browser_env(env))
    assert r.exit_code == 0, r.output
    assert "Signed in: admin's demo connection is ready" in r.output
    assert "contact_data offline_access" in r.output
    row = _row(env)
    assert row.state == SIGNED_IN and row.token_expires_at is not None
    assert not _secrets_in(r.output, env, row)
    # the secret and the tokens are not in the database as plain text
    if env.database_url.startswith("sqlite"):
        raw = Path(env.database_url.removeprefix("sqlite:///")).read_bytes()
        for wal in Path(env.database_url.removeprefix("sqlite:///")).parent.glob("*.sqlite-wal"):
            raw += wal.read_bytes()
        crm = env.crm()
        try:
            token = connections.load_token(row, crm.vault)
        finally:
            crm.close()
        for secret in (env.sandbox.client_secret, token["access_token"], token["refresh_token"]):
            assert secret.encode() not in raw
    listing = env.invoke(["sync", "connectors"])
    assert re.search(r"demo\s+Demo Service\s+signed in", listing.output), listing.output


def test_wrong_state_is_refused_and_nothing_stored(env):
    assert configure(env).exit_code == 0
    r = env.invoke(["sync", "authorize", "demo", "--timeout", "20"], **browser_env(env, "tamper"))
    assert r.exit_code == 5
    assert "state does not match" in r.output and "nothing was saved" in r.output
    assert _row(env).state == CONFIGURED and _row(env).token_enc is None


def test_denied_consent_is_reported_and_nothing_stored(env):
    env.sandbox.auto_approve = False
    assert configure(env).exit_code == 0
    r = env.invoke(["sync", "authorize", "demo", "--timeout", "20"], **browser_env(env, "deny"))
    assert r.exit_code == 5
    assert "Access was not granted (access_denied)" in r.output
    assert "crm sync authorize demo" in r.output
    assert _row(env).token_enc is None


def test_timeout_is_reported_and_nothing_stored(env):
    assert configure(env).exit_code == 0
    r = env.invoke(["sync", "authorize", "demo", "--timeout", "0.5"], **browser_env(env, "idle"))
    assert r.exit_code == 5
    assert "No answer from the browser within 0.5 seconds" in r.output
    assert _row(env).token_enc is None


def test_no_browser_reads_the_pasted_redirect_in_the_real_command(env):
    """The real 'crm' command in a subprocess: print the URL, a person pastes the redirect."""
    env.sandbox.auto_approve = False
    assert configure(env).exit_code == 0
    exe = Path(sys.executable).parent / "crm"
    proc = subprocess.Popen([str(exe), "sync", "authorize", "demo", "--no-browser"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env.environ(PYTHONPATH=env.pythonpath,
                                                       CRM_DEMO_SERVER=env.sandbox.base_url))
    try:
        url = None
        for line in proc.stdout:
            if line.startswith("http"):
                url = line.strip()
                break
        assert url and "code_challenge_method=S256" in url and "state=" in url
        page = requests.get(url, timeout=10)  # the consent page: press Allow Access
        fields = dict(re.findall(r"name='([^']+)' value='([^']*)'", page.text))
        fields = {k: __import__("html").unescape(v) for k, v in fields.items()}
        fields["decision"] = "allow"
        answer = requests.post(env.sandbox.auth_url, data=fields, allow_redirects=False, timeout=10)
        out, err = proc.communicate(answer.headers["Location"] + "\n", timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Signed in" in out
    row = _row(env)
    assert row.state == SIGNED_IN
    assert not _secrets_in(out + err, env, row)
