"""Auth kinds run by the core: HTTP Basic, an API key (header or query) and none, configured
from the connector's settings schema by the real command and checked by 'crm sync test'."""
from __future__ import annotations

import json

import pytest

from crmcore.api import ApiKey, HttpBasic, NoAuth
from crmcore.testing.fake import plugin
from crmcore.testing.fake.connector import FakeConnector
from crmcore.testing.fake.remote import FakeRemote


def _env(make_crm_env):
    env = make_crm_env("contacts", "fake", extra=(plugin,))
    assert env.invoke(["extensions", "install", "fake", "-y"]).exit_code == 0
    return env


def _status(env) -> dict:
    rows = json.loads(env.invoke(["sync", "connectors", "--json"]).output)
    return next(r for r in rows if r["name"] == "fake")


def test_basic_credentials_configured_tested_and_never_shown(make_crm_env):
    env = _env(make_crm_env)
    assert _status(env)["status"] == "not configured"
    assert "--url URL --username USERNAME" in _status(env)["next"]
    with FakeRemote(password="s3cret-pw") as remote:
        done = env.invoke(["sync", "configure", "fake", "--url", remote.url, "--username", "ada"],
                          input="s3cret-pw\n")
        assert done.exit_code == 0 and "crm sync test fake" in done.output, done.output
        assert _status(env)["status"] == "configured"
        ok = env.invoke(["sync", "test", "fake"])
        assert ok.exit_code == 0 and "ready" in ok.output, ok.output
        assert _status(env)["status"] == "ready"
        assert remote.requests[-1] == "GET /ping"
        wrong = env.invoke(["sync", "configure", "fake", "--password", "-"], input="nope\n")
        assert wrong.exit_code == 0
        refused = env.invoke(["sync", "test", "fake"])
        assert refused.exit_code == 1 and "refused the saved credentials" in refused.output
        assert "crm sync configure fake" in refused.output and "nope" not in refused.output
        assert _status(env)["status"] == "needs new credentials"
        shown = env.invoke(["sync", "connectors", "--json"]).output
        assert "s3cret-pw" not in shown and "nope" not in shown
        unknown = env.invoke(["sync", "configure", "fake", "--colour", "blue"])
        assert unknown.exit_code == 2 and "--url, --username, --password" in unknown.output


@pytest.mark.parametrize("kind", ["header", "query", "none"])
def test_api_key_in_a_header_or_the_query_and_no_credentials(make_crm_env, monkeypatch, kind):
    auth = {"header": ApiKey(header="X-Api-Key"), "query": ApiKey(query="api_key"),
            "none": NoAuth()}[kind]
    monkeypatch.setattr(FakeConnector, "auth", auth)
    env = _env(make_crm_env)
    with FakeRemote(auth="apikey" if kind == "header" else "none") as remote:
        args = ["sync", "configure", "fake", "--url", remote.url]
        done = env.invoke(args, input="key-123\n" if kind != "none" else None)
        assert done.exit_code == 0, done.output
        ok = env.invoke(["sync", "test", "fake"])
        assert ok.exit_code == 0 and "ready" in ok.output, ok.output
        if kind == "query":  # the key travelled in the query (the fake remote allows any here)
            assert remote.requests[-1] == "GET /ping"
    if kind == "header":
        with FakeRemote(auth="apikey", api_key="another") as remote:
            env.invoke(["sync", "configure", "fake", "--url", remote.url])
            refused = env.invoke(["sync", "test", "fake"])
            assert refused.exit_code == 1 and "needs new credentials" not in refused.output
            assert "refused the saved credentials" in refused.output


def test_a_connector_declares_its_kind_and_oauth_stays_an_alias():
    from crmcore.api import Connector, OAuth2, OAuthServer

    server = OAuthServer("https://a.invalid/a", "https://a.invalid/t", "https://api.invalid")

    class Old(Connector):
        oauth = server

        def open(self, api, options):
            raise NotImplementedError

    class New(Connector):
        auth = OAuth2(server)

        def open(self, api, options):
            raise NotImplementedError

    assert Old().auth == OAuth2(server) and New().oauth == server
    assert isinstance(FakeConnector().auth, HttpBasic)
    schema = FakeConnector().settings_schema
    assert schema["properties"]["password"]["writeOnly"] is True
    assert schema["required"] == ["url", "username", "password"]
