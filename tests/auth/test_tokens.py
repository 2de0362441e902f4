"""The token store against the sandbox's rotating refresh tokens: refresh before expiry, rotation
committed first, concurrent refreshes that burn nothing, invalid_grant, 401, revoke."""
from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlmodel import select

from crmcore.auth import connections, tokens
from crmcore.auth.errors import NotSignedIn, ReauthorizationRequired
from crmcore.auth.models import CONFIGURED, REAUTH_REQUIRED, SIGNED_IN, Connection
from crmcore.models import User

from .conftest import store_token

TOKEN_CALLS = "POST /oauth2/default/v1/token"


def _stored(env, connection_id: int) -> tuple[Connection, dict | None]:
    crm = env.crm()
    try:
        with crm.session() as session:
            row = session.get(Connection, connection_id)
            return row, tokens.load_token(row, crm.vault)
    finally:
        crm.close()


def _client(crm, connection_id, **options):
    return connections.open_api_client(crm, connection_id, rate_per_second=None,
                                       sleep=lambda s: None, **options)


def test_refresh_before_expiry_commits_the_rotated_token(env):
    connection_id, first = store_token(env, expires_in=60)  # inside the 5-minute slack
    crm = env.crm()
    try:
        client = _client(crm, connection_id)
        assert client.get("/contacts") is not None
        _, stored = _stored(env, connection_id)
        assert stored["refresh_token"] != first["refresh_token"]  # rotated and saved
        assert stored["access_token"] != first["access_token"]
        assert env.sandbox.requests[TOKEN_CALLS] == 1
        client.get("/contacts")  # the refreshed token is used, not refreshed again
        assert env.sandbox.requests[TOKEN_CALLS] == 1
        client.close()
    finally:
        crm.close()


def test_unauthorized_refreshes_once_then_retries(env):
    connection_id, _ = store_token(env)
    crm = env.crm()
    try:
        client = _client(crm, connection_id)
        client.get("/contacts")
        env.sandbox.faults.expire_access_tokens()
        client.get("/contacts")
        assert env.sandbox.requests[TOKEN_CALLS] == 1
        assert client.by_endpoint["GET /contacts"] == 3  # ok, 401, ok after the refresh
    finally:
        crm.close()


@pytest.mark.parametrize("share_process_lock", [True, False], ids=["threads", "db-lock-only"])
def test_concurrent_refreshes_burn_nothing(env, monkeypatch, share_process_lock):
    connection_id, first = store_token(env, expires_in=1)
    if not share_process_lock:  # as if each thread were its own process: only the row lock helps
        monkeypatch.setattr(tokens, "process_lock", lambda crm, cid: threading.Lock())
    barrier = threading.Barrier(4)
    errors, seen = [], []

    def worker():
        crm = env.crm()
        try:
            source = tokens.ConnectionTokenSource(crm, connection_id, "demo")
            source._token = dict(first)  # every worker holds the expiring token
            barrier.wait()
            seen.append(source.access_token())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            crm.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert env.sandbox.requests[TOKEN_CALLS] == 1
    row, stored = _stored(env, connection_id)
    assert row.state == SIGNED_IN and set(seen) == {stored["access_token"]}


_PROCESS = """
import sys, time
from crmcore.app import CRM
from crmcore.auth.connections import open_api_client
crm = CRM()
client = open_api_client(crm, int(sys.argv[1]), rate_per_second=None)
while time.time() < float(sys.argv[2]):
    time.sleep(0.005)
client.get("/contacts")
print("ok")
"""


def test_two_processes_refreshing_at_once_burn_nothing(env):
    connection_id, _ = store_token(env, expires_in=1)
    start = time.time() + 2.5  # both processes have imported everything by then
    procs = [subprocess.Popen([sys.executable, "-c", _PROCESS, str(connection_id), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env.environ(PYTHONPATH=env.pythonpath,
                                              CRM_DEMO_SERVER=env.sandbox.base_url))
             for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [o[0].strip() for o in outputs] == ["ok", "ok"], outputs
    assert env.sandbox.requests[TOKEN_CALLS] == 1
    row, _ = _stored(env, connection_id)
    assert row.state == SIGNED_IN


def test_invalid_grant_requires_reauthorization_everywhere(env):
    connection_id, _ = store_token(env, expires_in=1)
    env.sandbox.faults.revoke_refresh_tokens()
    crm = env.crm()
    try:
        with pytest.raises(ReauthorizationRequired) as info:
            _client(crm, connection_id).get("/contacts")
        assert "crm sync authorize demo" in str(info.value)
        with pytest.raises(ReauthorizationRequired):
            connections.open_api_client(crm, connection_id)
    finally:
        crm.close()
    row, stored = _stored(env, connection_id)
    assert row.state == REAUTH_REQUIRED and stored is None
    r = env.invoke(["sync", "connectors"])
    assert "re-authorization required" in r.output and "crm sync authorize demo" in r.output


def test_no_refresh_token_means_reauthorization_at_expiry(env):
    connection_id, _ = store_token(env, expires_in=1, refresh_token=None)
    crm = env.crm()
    try:
        with pytest.raises(ReauthorizationRequired) as info:
            _client(crm, connection_id).get("/contacts")
        assert "no refresh token" in info.value.message
    finally:
        crm.close()


def test_revoke_forgets_tokens_and_stops_syncs(env):
    connection_id, token = store_token(env)
    r = env.invoke(["sync", "revoke", "demo"])
    assert r.exit_code == 0, r.output
    assert "Access revoked" in r.output and "the service confirmed the revocation" in r.output
    assert token["access_token"] not in r.output
    row, stored = _stored(env, connection_id)
    assert row.state == CONFIGURED and stored is None and row.client_secret_enc
    crm = env.crm()
    try:
        with pytest.raises(NotSignedIn) as info:
            connections.open_api_client(crm, connection_id)
        assert "crm sync authorize demo" in str(info.value)
    finally:
        crm.close()
    # the sandbox no longer accepts the revoked refresh token
    refused = __import__("requests").post(
        env.sandbox.token_url, data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(env.sandbox.client_id, env.sandbox.client_secret), timeout=10)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_revoke_forgets_locally_when_the_service_is_unreachable(env):
    connection_id, _ = store_token(env)
    env.sandbox.stop()
    r = env.invoke(["sync", "revoke", "demo"])
    assert r.exit_code == 0, r.output
    assert "could not confirm" in r.output
    assert _stored(env, connection_id)[1] is None


def test_a_user_never_reaches_another_users_connection(env):
    store_token(env, user="bob")
    crm = env.crm()
    try:
        with crm.session() as session:
            admin = session.exec(select(User).where(User.name == "admin")).one()
        with pytest.raises(Exception) as info:
            with crm.session() as session:
                connections.get_connection(session, admin, "demo")
        assert "admin has no demo connection" in str(info.value)
    finally:
        crm.close()
    r = env.invoke(["sync", "revoke", "demo", "--user", "admin"], user="bob")
    assert r.exit_code == 3


def test_refresh_logs_no_secret_even_at_debug_level(env, caplog):
    import logging

    connection_id, first = store_token(env, expires_in=1)
    caplog.set_level(logging.DEBUG)
    crm = env.crm()
    try:
        client = _client(crm, connection_id)
        client.get("/contacts")
        _, stored = _stored(env, connection_id)
    finally:
        crm.close()
    assert env.sandbox.requests[TOKEN_CALLS] == 1
    for secret in (first["refresh_token"], stored["refresh_token"], stored["access_token"],
                   env.sandbox.client_secret):
        assert secret not in caplog.text


def test_after_revoke_the_status_promises_no_background_run(env):
    """A revoked connection is skipped by the scheduler, so its status must not name a next run."""
    from datetime import timedelta

    from crmcore.models import utcnow
    from crmcore.sync.models import SyncSettings

    connection_id, _ = store_token(env)
    crm = env.crm()
    try:
        with crm.session() as session:
            session.add(SyncSettings(connection_id=connection_id,
                                     next_run_at=utcnow() + timedelta(minutes=7)))
    finally:
        crm.close()

    def summary() -> str:
        crm = env.crm()
        try:
            with crm.session() as session:
                admin = session.exec(select(User).where(User.name == "admin")).one()
            entry = next(e for e in connections.connectors_overview(crm, admin) if e["name"] == "demo")
            return entry["sync"]["summary"]
        finally:
            crm.close()

    assert "next " in summary() and "until signed in" not in summary()
    assert env.invoke(["sync", "revoke", "demo"]).exit_code == 0
    after = summary()
    assert "no background sync until signed in again" in after and "next " not in after
