"""crmcore.http.ApiClient over real HTTP against the sandbox: retries, quota, error mapping,
throttling, addressing and the redacted exchange log. Needs no database: tokens come straight
from the sandbox through a minimal TokenSource."""
from __future__ import annotations

import json
import threading
import time

import pytest

from crm_constant_contact.translate import parse_error
from crmcore.http import (ApiClient, ApiError, ApiResponse, QuotaExhausted, RateLimited,
                          TransientError, error_details)


class SandboxTokens:
    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.token = sandbox.issue_token()["access_token"]
        self.refreshed = 0

    def access_token(self) -> str:
        return self.token

    def refresh_after_unauthorized(self, used: str) -> str:
        self.refreshed += 1
        self.token = self.sandbox.issue_token()["access_token"]
        return self.token


@pytest.fixture
def api(sandbox):
    sleeps: list[float] = []
    tokens = SandboxTokens(sandbox)
    exchanges: list[dict] = []
    client = ApiClient(sandbox.api_url, tokens, rate_per_second=None, max_retries=3, timeout=5,
                       sleep=sleeps.append, on_exchange=exchanges.append,
                       is_quota_exhausted=lambda s, b: isinstance(b, dict)
                       and b.get("error_key") == "quota_exceeded", parse_error=parse_error)
    client.sleeps, client.exchanges = sleeps, exchanges
    yield client
    client.close()


def _contact(email="ada@example.com"):
    return {"email_address": {"address": email, "permission_to_send": "implicit"},
            "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account"}


def test_429_and_5xx_are_retried_with_growing_backoff(api, sandbox):
    sandbox.faults.fail_next(2, status=429, path="/v3/contacts")
    sandbox.faults.fail_next(1, status=503, path="/v3/contacts")
    assert "contacts" in api.get("contacts")
    assert api.by_endpoint["GET /contacts"] == 4 and api.requests_made == 4
    assert len(api.sleeps) == 3 and all(0 < s <= 30 for s in api.sleeps)
    assert api.sleeps[2] > api.sleeps[0] * 1.01 or api.sleeps[2] >= 1.0  # exponential, jittered


def test_retries_are_bounded(api, sandbox):
    sandbox.faults.fail_next(10, status=429)
    with pytest.raises(RateLimited) as info:
        api.get("contacts")
    assert info.value.status == 429 and "after 3 retries" in info.value.message
    sandbox.faults.clear()
    sandbox.faults.fail_next(10, status=500)
    with pytest.raises(TransientError) as info:
        api.get("contacts")
    assert info.value.status == 500 and "run the sync again later" in info.value.hint


def test_dropped_connections_are_retried(api, sandbox):
    sandbox.faults.drop_next(2)
    assert "contacts" in api.get("contacts")
    assert api.requests_made == 3 and len(api.sleeps) == 2


def test_quota_exhaustion_stops_at_once(api, sandbox):
    sandbox.set_rate_limits(daily=10_000)
    sandbox.exhaust_daily_quota()
    with pytest.raises(QuotaExhausted) as info:
        api.get("contacts")
    assert api.requests_made == 1 and not api.sleeps
    assert "quota is used up" in info.value.message and "run it again" in info.value.hint


def test_unauthorized_refreshes_once_only(api, sandbox):
    sandbox.faults.fail_next(2, status=401)
    with pytest.raises(ApiError) as info:
        api.get("contacts")
    assert api.tokens.refreshed == 1 and info.value.status == 401


def test_error_bodies_become_messages_that_say_what_to_do(api, sandbox):
    created = api.post("contacts", _contact())
    with pytest.raises(ApiError) as conflict:
        api.post("contacts", _contact())
    assert conflict.value.status == 409
    assert isinstance(conflict.value.body, list) and "already exists" in conflict.value.message
    with pytest.raises(ApiError) as refused:
        api.post("contacts", {"create_source": "Account"})
    assert refused.value.status == 400
    assert refused.value.message.startswith("The remote service refused the data: ")
    with pytest.raises(ApiError) as missing:
        api.get("contacts/00000000-0000-4000-8000-000000000000")
    assert missing.value.status == 404 and "GET /contacts/{id}" in missing.value.message
    sandbox.faults.fail_next(1, status=403, body={"error_key": "forbidden", "error_message": "no scope"})
    with pytest.raises(ApiError) as forbidden:
        api.get("contacts")
    assert "lacks a scope" in forbidden.value.message and "sign in again" in forbidden.value.hint
    assert api.get(f"contacts/{created['contact_id']}")["first_name"] == "Ada"
    assert api.by_endpoint["GET /contacts/{id}"] == 2
    for err in (conflict, refused, missing, forbidden):
        assert api.tokens.token not in str(err.value) + repr(err.value)


def test_error_body_shapes():
    """The core reads only standard shapes; a service's own is its connector's parse_error."""
    assert error_details({"error": "invalid_grant", "error_description": "dead"}) == ("invalid_grant", "dead")
    assert error_details({"type": "about:blank", "title": "Gone", "detail": "moved"}) == (None, "moved")
    assert error_details([{"error_key": "a", "error_message": "x"}]) == (None, None)
    assert error_details("<html>") == (None, None)


def test_raw_bodies_headers_and_expected_statuses(api, sandbox):
    body = json.dumps(_contact("raw@example.com")).encode()
    created = api.request("POST", "contacts", data=body,
                          headers={"Content-Type": "application/json"}, raw=True)
    assert isinstance(created, ApiResponse) and created.status in (200, 201)
    assert created.json()["email_address"]["address"] == "raw@example.com"
    assert created.headers["content-type"].startswith("application/json")
    assert "raw@example.com" in created.text
    missing = api.request("GET", "contacts/00000000-0000-4000-8000-000000000000", raw=True,
                          expect=(404,))
    assert missing.status == 404 and missing.body
    assert api.request("GET", f"contacts/{created.json()['contact_id']}")["first_name"] == "Ada"
    with pytest.raises(ApiError) as info:  # not expected: raised as before
        api.request("GET", "contacts/00000000-0000-4000-8000-000000000000", raw=True)
    assert info.value.status == 404


def test_without_the_connectors_parser_the_message_comes_from_the_status(sandbox):
    client = ApiClient(sandbox.api_url, SandboxTokens(sandbox), rate_per_second=None, max_retries=0)
    try:
        client.post("contacts", _contact("one@example.com"))
        with pytest.raises(ApiError) as conflict:
            client.post("contacts", _contact("one@example.com"))
        assert conflict.value.message == ("The remote service reports a conflict on "
                                          "POST /contacts.")
    finally:
        client.close()


def test_paths_hrefs_and_absolute_urls(api, sandbox):
    assert api.url_for("contacts") == f"{sandbox.api_url}/contacts"
    assert api.url_for("/contacts") == f"{sandbox.api_url}/contacts"
    assert api.url_for("/v3/contacts?cursor=abc") == f"{sandbox.base_url}/v3/contacts?cursor=abc"
    assert api.url_for(f"{sandbox.api_url}/contacts") == f"{sandbox.api_url}/contacts"
    for elsewhere in ("https://elsewhere.example/x", "//elsewhere.example/x",
                      f"{sandbox.base_url.replace('127.0.0.1', 'localhost')}/v3/contacts"):
        with pytest.raises(ApiError, match="link to another address"):
            api.url_for(elsewhere)  # the bearer token never leaves the API's origin
    sandbox.seed_contacts([{"email_address": {"address": f"p{i}@example.com"}, "first_name": "P"}
                           for i in range(3)])
    page = api.get("contacts", params={"limit": 2})
    nxt = page["_links"]["next"]["href"]
    assert nxt.startswith("/v3/contacts?")
    assert len(api.get(nxt)["contacts"]) == 1
    assert api.by_endpoint["GET /contacts"] == 2


def test_exchanges_are_reported_redacted(api, sandbox):
    api.post("contacts", _contact("grace@example.com"))
    api.get("contacts", params={"email": "grace@example.com", "access_token": "leak"})
    assert [e["method"] for e in api.exchanges] == ["POST", "GET"]
    post, get = api.exchanges
    assert post["status"] == 201 and json.loads(post["request"])["first_name"] == "Ada"
    assert "access_token=[redacted]" in get["url"] and "leak" not in get["url"]
    assert all(isinstance(e["elapsed_ms"], int) for e in api.exchanges)
    assert api.tokens.token not in json.dumps(api.exchanges)


def test_throttle_keeps_under_the_rate_across_threads(sandbox):
    slots: list[float] = []  # when each delayed call was let go: the time it slept at + the delay
    client = ApiClient(sandbox.api_url, SandboxTokens(sandbox), rate_per_second=4,
                       sleep=lambda delay: slots.append(time.monotonic() + delay))
    threads = [threading.Thread(target=client.get, args=("contacts",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    # the sleeps are not real here, so four calls at once must have queued 0.275 s apart (0.25 s
    # and a 10% margin for the service's sliding second), whenever each thread got to its call
    slots.sort()
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:])]
    assert len(slots) == 3 and all(0.27 <= gap <= 0.3 for gap in gaps), gaps  # 0.25: no margin


def test_the_throttle_never_meets_the_services_limit_for_real(sandbox):
    sandbox.set_rate_limits(per_second=4, daily=None)
    client = ApiClient(sandbox.api_url, SandboxTokens(sandbox), rate_per_second=4,
                       backoff_base=0.001)
    for _ in range(9):
        client.get("contacts")
    client.close()
    assert client.requests_made == 9  # not one 429 retried


def test_no_token_in_transport_errors(sandbox):
    tokens = SandboxTokens(sandbox)
    client = ApiClient(sandbox.api_url, tokens, rate_per_second=None, max_retries=1, sleep=lambda s: None)
    sandbox.stop()
    with pytest.raises(TransientError) as info:
        client.get("contacts")
    assert tokens.token not in str(info.value) + repr(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
