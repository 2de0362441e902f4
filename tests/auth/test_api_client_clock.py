"""ApiClient.service_clock over real HTTP against the sandbox, whose Date header and contact
stamps both come from this machine's wall clock: what the client learns must hold that clock."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from crmcore.http import ApiClient


class Tokens:
    def __init__(self, sandbox) -> None:
        self.token = sandbox.issue_token()["access_token"]

    def access_token(self) -> str:
        return self.token

    def refresh_after_unauthorized(self, used: str) -> str:
        raise AssertionError("the sandbox refused its own token")


@pytest.fixture
def api(sandbox):
    client = ApiClient(sandbox.api_url, Tokens(sandbox), rate_per_second=None, max_retries=0)
    yield client
    client.close()


def test_every_answer_dates_the_service_clock_and_the_bounds_hold_it(api):
    for _ in range(5):
        api.get("contacts", params={"limit": 1})
    clock = api.service_clock
    assert clock.samples == 5 and clock.restarts == 0
    assert clock.newest_answer_at is not None and clock.newest_answer_at <= time.monotonic()
    before = datetime.now(timezone.utc)
    bounds = clock.bounds(time.monotonic())
    after = datetime.now(timezone.utc)
    assert bounds.low <= after and before <= bounds.high
    assert bounds.width <= timedelta(seconds=1.1)  # a second's Date, plus round trips at most


def test_a_cached_answer_or_a_second_date_teaches_nothing(api, sandbox):
    sandbox.faults.add_headers_next(1, [("Age", "30")], path="/v3/contacts")
    api.get("contacts", params={"limit": 1})
    sandbox.faults.add_headers_next(1, [("Date", "Mon, 30 Nov 2026 18:00:00 GMT")], path="/v3/contacts")
    api.get("contacts", params={"limit": 1})
    assert api.service_clock.samples == 0 and api.service_clock.bounds(time.monotonic()) is None
