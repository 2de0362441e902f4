"""'crm sync configure' and 'crm sync connectors': validation before saving, defaults from the
connector, the offline scope, per-user settings and what a settings change does to a sign-in."""
from __future__ import annotations

import json
import os

import pytest

from sqlmodel import select

from crmcore.auth.models import CONFIGURED, SIGNED_IN, Connection
from crmcore.models import User

from .conftest import configure, store_token


def _rows(env) -> dict[str, Connection]:
    crm = env.crm()
    try:
        with crm.session() as session:
            return {u.name: c for c, u in session.exec(select(Connection, User).join(User))}
    finally:
        crm.close()


def _overview(env, user=None) -> dict[str, dict]:
    r = env.invoke(["sync", "connectors", "--json"], user=user)
    assert r.exit_code == 0, r.output
    return {row["name"]: row for row in json.loads(r.output)}


def test_configure_with_connector_defaults_adds_offline_scope(env):
    assert _overview(env)["demo"]["state"] == "not configured"
    r = configure(env)
    assert r.exit_code == 0, r.output
    assert "Added the scope offline_access" in r.output
    assert "Saved the OAuth settings of admin's demo connection" in r.output
    assert "Next: 'crm sync authorize demo'" in r.output
    assert env.sandbox.client_secret not in r.output
    row = _rows(env)["admin"]
    assert row.scopes == "contact_data offline_access"
    assert row.auth_url == env.sandbox.auth_url and row.token_url == env.sandbox.token_url
    assert row.api_url == env.sandbox.api_url and row.revoke_url == env.sandbox.revoke_url
    assert row.client_secret_enc and env.sandbox.client_secret not in row.client_secret_enc
    overview = _overview(env)["demo"]
    assert overview["state"] == CONFIGURED and overview["next"] == "crm sync authorize demo"


def test_missing_required_scope_is_refused_and_nothing_saved(env):
    r = configure(env, "--scopes", "campaign_data offline_access")
    assert r.exit_code == 2
    assert "Demo Service needs the scope contact_data; the settings were not saved." in r.output
    assert 'Add it: --scopes "campaign_data offline_access contact_data"' in r.output
    assert _rows(env) == {}


def test_urls_must_be_http_urls(env):
    r = configure(env, "--token-url", "ftp://example.com/token")
    assert r.exit_code == 2
    assert "token_url must be an http:// or https:// URL, not 'ftp://example.com/token'" in r.output
    r = configure(env, "--auth-url", "not a url")
    assert r.exit_code == 2 and "auth_url must be an http:// or https:// URL" in r.output
    assert _rows(env) == {}


def test_opting_out_of_the_offline_scope_warns(env):
    r = configure(env, "--scopes", "contact_data", "--no-offline")
    assert r.exit_code == 0, r.output
    assert "Warning: without the scope offline_access there is no refresh token" in r.output
    assert _rows(env)["admin"].scopes == "contact_data"


def test_first_configure_needs_client_credentials(env):
    r = env.invoke(["sync", "configure", "demo", "--client-id", "abc"])
    assert r.exit_code == 2 and "The client secret is missing." in r.output


def test_connectors_whose_extension_is_missing_are_offered(env):
    r = env.invoke(["extensions", "uninstall", "demo-sync", "-y"])
    assert r.exit_code == 0, r.output
    demo = _overview(env)["demo"]
    assert demo["state"] == "available" and demo["next"].startswith("crm extensions install demo-sync")
    r = configure(env)
    assert r.exit_code == 1 and "crm extensions install demo-sync" in r.output


def test_settings_are_per_user_and_only_admins_act_for_others(env):
    assert configure(env, user="bob").exit_code == 0
    assert _overview(env, user="bob")["demo"]["state"] == CONFIGURED
    assert _overview(env)["demo"]["state"] == "not configured"  # the admin's own
    r = env.invoke(["sync", "connectors", "--user", "admin"], user="bob")
    assert r.exit_code == 3 and "Only an admin" in r.output
    r = env.invoke(["sync", "configure", "demo", "--user", "bob", "--scopes",
                    "contact_data offline_access campaign_data"])
    assert r.exit_code == 0, r.output
    assert _rows(env)["bob"].scopes == "contact_data offline_access campaign_data"


def test_unchanged_client_keeps_the_sign_in_and_a_new_client_drops_it(env):
    store_token(env)
    r = env.invoke(["sync", "configure", "demo", "--redirect-uri", "http://127.0.0.1:9/cb"])
    assert r.exit_code == 0, r.output
    row = _rows(env)["admin"]
    assert row.state == SIGNED_IN and row.token_enc and row.redirect_uri == "http://127.0.0.1:9/cb"
    r = env.invoke(["sync", "configure", "demo", "--client-id", "another-app"])
    assert r.exit_code == 0, r.output
    assert "the old sign-in was dropped: run 'crm sync authorize demo'" in r.output
    row = _rows(env)["admin"]
    assert row.state == CONFIGURED and row.token_enc is None


def test_plain_http_off_loopback_is_refused_unless_allowed_explicitly(env):
    """The real command: a non-loopback http:// URL is refused (nothing saved) without
    --allow-insecure-http; with it, saved with a warning, and the choice is kept."""
    run = dict(PYTHONPATH=env.pythonpath, CRM_DEMO_SERVER=env.sandbox.base_url)
    base = ["sync", "configure", "demo", "--client-id", env.sandbox.client_id,
            "--redirect-uri", env.redirect_uri]
    secret = env.sandbox.client_secret + "\n"
    for flag in ("--token-url", "--auth-url", "--api-url", "--revoke-url"):
        out = env.run([*base, flag, "http://auth.example.com/x"], input=secret, **run)
        assert out.returncode == 2, out.stderr
        assert "uses plain http on another machine" in out.stderr
        assert "--allow-insecure-http" in out.stderr and "Traceback" not in out.stderr
        assert not _rows(env)
    out = env.run([*base, "--token-url", "http://127.0.0.2:9/token"], input=secret, **run)
    assert out.returncode == 0 and "plain http" not in out.stdout, out.stderr  # loopback
    out = env.run([*base, "--token-url", "http://auth.example.com/token",
                   "--allow-insecure-http"], input=secret, **run)
    assert out.returncode == 0, out.stderr
    assert "Warning: token_url uses plain http on another machine" in out.stdout
    out = env.run(["sync", "configure", "demo", "--scopes", "contact_data offline_access"], **run)
    assert out.returncode == 0, out.stderr  # the allowance is kept until changed
    out = env.run(["sync", "configure", "demo", "--refuse-insecure-http"], **run)
    assert out.returncode == 2 and "--allow-insecure-http" in out.stderr


def test_api_client_refuses_plain_http_off_loopback():
    from crmcore.http import ApiClient
    from crmcore.transport import InsecureTransport

    with pytest.raises(InsecureTransport, match="--allow-insecure-http"):
        ApiClient("http://api.example.com/v3", tokens=None)
    for url in ("http://127.0.0.1:9/v3", "http://[::1]:9/v3", "http://localhost:9/v3",
                "https://api.example.com/v3"):
        ApiClient(url, tokens=None).close()
    ApiClient("http://api.example.com/v3", tokens=None, allow_insecure_http=True).close()


def test_sign_in_and_refresh_over_loopback_http_leave_the_environment_alone(env, monkeypatch):
    """Plain http is allowed per call for loopback: the process-wide oauthlib switch is never set."""
    from crmcore.auth.tokens import ConnectionTokenSource

    from .conftest import browser_env

    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    assert configure(env).exit_code == 0
    r = env.invoke(["sync", "authorize", "demo", "--timeout", "20"], **browser_env(env))
    assert r.exit_code == 0, r.output
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    connection_id, token = store_token(env, expires_in=0)
    crm = env.crm()
    try:
        source = ConnectionTokenSource(crm, connection_id, "demo")
        assert source.access_token() != token["access_token"] and source.refreshes == 1
    finally:
        crm.close()
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
