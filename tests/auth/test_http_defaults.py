"""A connector's own HTTP defaults (``Connector.http_defaults``): the API client of its
connections uses them, a connection's ``http`` option overrides them key by key, and a connector
that declares nothing keeps 4 requests/s and 30 s. Real HTTP over loopback to the fake remote."""
from __future__ import annotations

import dataclasses
import json
import time

import pytest
from sqlmodel import select

from crmcore import http
from crmcore.api import HttpDefaults, set_http_options
from crmcore.auth.connections import open_api_client
from crmcore.auth.models import Connection
from crmcore.http import ApiClient
from crmcore.sync.runner import HTTP_KEYS
from crmcore.testing.fake import plugin
from crmcore.testing.fake.connector import FakeConnector
from crmcore.testing.fake.remote import FakeRemote

class Arrivals(list):
    """The fake remote's request log, with the arrival time of each request (``time.monotonic``;
    the remote runs in this process)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: str) -> None:
        self.times.append(time.monotonic())
        super().append(item)

    def clear(self) -> None:
        self.times.clear()
        super().clear()


class ThrottleEntries(list):
    """When each request of a throttled API client asked its throttle to go
    (``time.monotonic``, on entry to ``_Throttle.wait``)."""

    def spacings_by(self, arrivals: Arrivals) -> list[float]:
        """For each request after the first: its arrival at the remote less the moment the request
        before it asked to go. The throttle sends a request no sooner than one interval after it
        scheduled the one before, and scheduled that one no sooner than it asked, so each of
        these is at least the interval, however late a thread is woken or a packet arrives (a
        gap between two arrivals is not: the first of them may arrive late)."""
        assert len(self) == len(arrivals.times) >= 2, (list(self), arrivals)
        return [arrived - asked for asked, arrived in zip(self, arrivals.times[1:])]


@pytest.fixture
def asked(monkeypatch) -> ThrottleEntries:
    """The entries of every throttled client's requests (unthrottled clients record none)."""
    entries = ThrottleEntries()
    wait = http._Throttle.wait

    def recorded(throttle) -> None:
        if throttle.interval:
            entries.append(time.monotonic())
        wait(throttle)

    monkeypatch.setattr(http._Throttle, "wait", recorded)
    return entries


@pytest.fixture
def remote():
    with FakeRemote(page_size=1) as remote:
        remote.requests = Arrivals()
        yield remote


def _connected(make_crm_env, remote) -> tuple:
    env = make_crm_env("contacts", "fake", extra=(plugin,))
    assert env.invoke(["extensions", "install", "fake", "-y"]).exit_code == 0
    done = env.invoke(["sync", "configure", "fake", "--url", remote.url, "--username", "ada"],
                      input="secret-pw\n")
    assert done.exit_code == 0, done.output
    crm = env.crm()
    with crm.session() as session:
        connection_id = session.exec(select(Connection.id).where(Connection.connector == "fake")).one()
    return env, crm, connection_id


def _client(crm, connection_id, **options) -> ApiClient:
    client = open_api_client(crm, connection_id, **options)
    client.close()
    return client


def test_the_defaults_are_the_api_clients_and_checked():
    assert dataclasses.asdict(HttpDefaults()) == {"rate_per_second": 4.0, "timeout": 30.0,
                                                 "max_retries": 5, "backoff_base": 0.5,
                                                 "backoff_max": 30.0}
    client = ApiClient("https://api.invalid", None)
    assert (client.rate_per_second, client.timeout, client.max_retries, client.backoff_base,
            client.backoff_max) == (4.0, 30.0, 5, 0.5, 30.0)
    assert set(HTTP_KEYS) == {f.name for f in dataclasses.fields(HttpDefaults)}  # set_http_options
    assert HttpDefaults(rate_per_second=None).rate_per_second is None
    for bad in ({"rate_per_second": 0}, {"timeout": -1}, {"max_retries": -1}, {"backoff_base": 0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            HttpDefaults(**bad)


def test_a_connector_that_declares_nothing_keeps_four_requests_a_second(make_crm_env, remote,
                                                                       asked):
    assert "http_defaults" not in FakeConnector.__dict__
    env, crm, connection_id = _connected(make_crm_env, remote)
    try:
        client = _client(crm, connection_id)
        assert (client.rate_per_second, client.timeout, client.max_retries) == (4.0, 30.0, 5)
        remote.requests.clear()
        asked.clear()
        for _ in range(4):
            client.get("ping")
        assert min(asked.spacings_by(remote.requests)) >= 1 / 4  # 4 requests/s
    finally:
        crm.close()


def test_the_declared_defaults_are_what_the_client_uses(make_crm_env, remote, monkeypatch, asked):
    monkeypatch.setattr(FakeConnector, "http_defaults",
                        HttpDefaults(rate_per_second=2.0, timeout=7.0, max_retries=1, backoff_base=0.1))
    env, crm, connection_id = _connected(make_crm_env, remote)
    try:
        client = _client(crm, connection_id)
        assert (client.rate_per_second, client.timeout, client.max_retries, client.backoff_base,
                client.backoff_max) == (2.0, 7.0, 1, 0.1, 30.0)
        remote.requests.clear()
        asked.clear()
        for _ in range(3):
            client.get("ping")
        assert min(asked.spacings_by(remote.requests)) >= 1 / 2  # 2 requests/s
        remote.fail_next.extend([("GET", 503), ("GET", 503)])
        with pytest.raises(Exception, match="after 1 retries"):  # max_retries=1, declared
            client.get("ping")
        given = _client(crm, connection_id, timeout=3.0, rate_per_second=None)
        assert (given.rate_per_second, given.timeout, given.max_retries) == (None, 3.0, 1)
        monkeypatch.setattr(FakeConnector, "http_defaults", HttpDefaults(rate_per_second=None))
        free = _client(crm, connection_id)
        assert (free.rate_per_second, free.timeout) == (None, 30.0)
    finally:
        crm.close()


def test_a_connections_http_option_overrides_the_declared_rate_in_a_sync(make_crm_env, remote,
                                                                         monkeypatch, asked):
    monkeypatch.setattr(FakeConnector, "http_defaults", HttpDefaults(rate_per_second=None))
    for i in range(4):
        remote.create(email=f"p{i}@example.com", given_name=f"P{i}")
    env, crm, connection_id = _connected(make_crm_env, remote)
    try:
        set_http_options(crm, connection_id, rate_per_second=4)
        remote.requests.clear()
        asked.clear()
        done = env.invoke(["sync", "now", "fake", "--json"])
        assert done.exit_code == 0, done.output
        summary = json.loads(done.output)
        assert summary["outcome"] == "success" and summary["requests"] >= 4, summary
        assert len(remote.requests) == summary["requests"]
        assert min(asked.spacings_by(remote.requests)) >= 1 / 4  # 4 requests/s, not unthrottled
    finally:
        crm.close()
