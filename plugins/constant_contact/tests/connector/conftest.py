"""The connector against the local sandbox over real HTTP, with the real Contacts module's fields."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from crmcore.http import ApiClient
from crmcore.plugins import PluginHost
from crmcore.sync.mapping import FieldMapping

from crm_constant_contact.connector import ConstantContactConnector
from crm_constant_contact.sandbox import Sandbox
from crm_constant_contact.session import ConstantContactSession


class StaticTokens:
    """A token source holding one sandbox-issued access token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def access_token(self) -> str:
        return self.token

    def refresh_after_unauthorized(self, used: str) -> str:
        raise AssertionError("the sandbox refused a fresh token")


@pytest.fixture(scope="session")
def host() -> PluginHost:
    return PluginHost(only={"contacts", "constant-contact"})


@pytest.fixture
def connector(host) -> ConstantContactConnector:
    return host.connectors["constant-contact"].connector


@pytest.fixture
def module(host):
    return host.modules["contacts"].spec


@pytest.fixture
def mapping(connector, module) -> FieldMapping:
    return FieldMapping.from_data(connector.default_mapping, module, connector)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True) as sb:
        yield sb
        assert sb.internal_errors == []


@pytest.fixture
def exchanges() -> list[dict]:
    return []


@pytest.fixture
def api(sandbox, connector, exchanges) -> Iterator[ApiClient]:
    token = sandbox.issue_token()["access_token"]
    client = ApiClient(sandbox.api_url, StaticTokens(token), rate_per_second=None, max_retries=1,
                       backoff_base=0.0, sleep=lambda _s: None,
                       is_quota_exhausted=connector.is_quota_exhausted, on_exchange=exchanges.append)
    yield client
    client.close()


@pytest.fixture
def session(connector, api) -> Iterator[ConstantContactSession]:
    s = connector.open(api, {})
    yield s
    s.close()
