"""Fixtures for the OAuth tests: the Constant Contact sandbox over real HTTP, a demo connector
pointing at it (a plugin found through a real entry point), and helpers to sign in.
"""
from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
DEMO_DIST = HERE / "demo_dist"
ROOT = HERE.parents[1]
_CC = ROOT / "plugins" / "constant_contact"
if str(_CC) not in sys.path:  # the sandbox ships inside the connector's distribution
    sys.path.append(str(_CC))

from crm_constant_contact.sandbox import Sandbox  # noqa: E402

from crmcore.auth import tokens  # noqa: E402
from crmcore.auth.models import Connection  # noqa: E402
from crmcore.extensions import store  # noqa: E402
from crmcore.models import User  # noqa: E402

BROWSER_SCRIPT = HERE / "fake_browser.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sandbox():
    with Sandbox(auto_approve=True, rate_limit_per_second=None, daily_limit=None) as sb:
        yield sb


@pytest.fixture
def env(make_crm_env, sandbox, monkeypatch):
    """An initialised CRM loading only the demo connector (at the sandbox), its extension
    installed, a second user ``bob``."""
    monkeypatch.syspath_prepend(str(DEMO_DIST))
    monkeypatch.setenv("CRM_DEMO_SERVER", sandbox.base_url)
    e = make_crm_env("demo")
    e.sandbox = sandbox
    e.redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    e.pythonpath = os.pathsep.join([str(DEMO_DIST), str(_CC)])
    crm = e.crm()
    try:
        with crm.session() as session:
            admin = session.exec(__import__("sqlmodel").select(User)).first()
            session.add(User(name="bob"))
        store.install(crm, admin, ["demo-sync"])
    finally:
        crm.close()
    return e


def configure(env, *extra: str, user: str | None = None):
    args = ["sync", "configure", "demo", "--client-id", env.sandbox.client_id,
            "--client-secret", env.sandbox.client_secret, "--redirect-uri", env.redirect_uri, *extra]
    return env.invoke(args, user=user)


def store_token(env, user: str = "admin", expires_in: float | None = None, **token_overrides):
    """Configure and sign ``user`` in without a browser (a token straight from the sandbox)."""
    result = configure(env, user=user)
    assert result.exit_code == 0, result.output
    issued = env.sandbox.issue_token()
    token = {"access_token": issued["access_token"], "refresh_token": issued.get("refresh_token"),
             "token_type": "Bearer", "scope": issued["scope"],
             "expires_at": time.time() + (expires_in if expires_in is not None else issued["expires_in"])}
    token.update(token_overrides)
    crm = env.crm()
    try:
        with crm.session() as session:
            row = session.exec(__import__("sqlmodel").select(Connection).join(User)
                               .where(User.name == user)).one()
            tokens.save_token(row, crm.vault, token)
            session.add(row)
            connection_id = row.id
    finally:
        crm.close()
    return connection_id, token


def browser_env(env, mode: str = "follow") -> dict[str, str]:
    return {"BROWSER": f"{sys.executable} {BROWSER_SCRIPT} %s", "FAKE_BROWSER_MODE": mode}
