"""Rate limits (both 429s), the fault switches, and the request counters."""

from __future__ import annotations

import time

import pytest
import requests
from cc_sandbox_helpers import Api, contact_body

from crm_constant_contact.sandbox import Sandbox

THROTTLED = {"error_key": "throttled", "error_message": "Too Many Requests"}
QUOTA = {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"}


def test_per_second_limit_answers_throttled():
    with Sandbox(rate_limit_per_second=3, daily_limit=None) as sb:
        api = Api(sb, sb.issue_token()["access_token"])
        answers = [api.get("/contacts") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].json() == THROTTLED and "Retry-After" not in answers[-1].headers
        time.sleep(1.05)
        assert api.get("/contacts").status_code == 200


def test_default_limits_are_4_per_second_and_10000_per_day():
    sb = Sandbox()
    assert (sb.limits.per_second, sb.limits.daily) == (4, 10_000)


def test_daily_quota_answers_quota_exceeded(sb, api):
    sb.set_rate_limits(daily=2)
    assert [api.get("/contacts").status_code for _ in range(2)] == [200, 200]
    answer = api.get("/contacts")
    assert answer.status_code == 429 and answer.json() == QUOTA
    sb.reset_rate_limits()
    assert api.get("/contacts").status_code == 200


def test_quota_can_be_marked_used_up_and_limits_switched_off(sb, api):
    sb.set_rate_limits(per_second=None, daily=10_000)
    sb.exhaust_daily_quota()
    assert api.get("/contacts").json() == QUOTA
    sb.set_rate_limits(daily=None)
    assert all(api.get("/contacts").status_code == 200 for _ in range(20))


def test_oauth_endpoints_are_not_rate_limited():
    with Sandbox(rate_limit_per_second=1, daily_limit=1) as sb:
        token = sb.issue_token()["refresh_token"]
        for _ in range(3):
            answer = requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": token},
                                   auth=(sb.client_id, sb.client_secret), timeout=5)
            assert answer.status_code == 200
            token = answer.json()["refresh_token"]


def test_fail_next_with_a_path_prefix(sb, api):
    sb.faults.fail_next(2, status=503, path="/v3/contacts")
    assert api.get("/contact_lists").status_code == 200
    failed = [api.post("/contacts", contact_body(f"f{i}@example.com")) for i in range(2)]
    assert [f.status_code for f in failed] == [503, 503]
    assert failed[0].json()[0]["error_key"]
    assert sb.contacts() == []  # a refused request has no effect
    assert api.post("/contacts", contact_body("f@example.com")).status_code == 201
    assert sb.faults.pending == 0


def test_fail_next_with_a_custom_body_and_any_path(sb, api):
    sb.faults.fail_next(1, status=429, body={"error_key": "throttled", "error_message": "Too Many Requests"})
    answer = api.get("/contacts")
    assert answer.status_code == 429 and answer.json() == THROTTLED
    sb.faults.fail_next(1, status=500, path=None)
    assert requests.post(sb.token_url, timeout=5).status_code == 500


def test_drop_next_closes_the_connection_without_an_answer(sb, api):
    sb.faults.drop_next(1, path="/v3/contacts")
    with pytest.raises(requests.ConnectionError):
        api.get("/contacts")
    assert api.get("/contacts").status_code == 200  # the session reconnects


def test_drop_after_processing_loses_the_answer_of_a_request_that_took_effect(sb, api):
    sb.faults.drop_next(1, path="/v3/contacts", after_processing=True)
    with pytest.raises(requests.ConnectionError):
        api.post("/contacts", contact_body("lost@example.com"))
    assert [c["email_address"]["address"] for c in sb.contacts()] == ["lost@example.com"]
    assert api.post("/contacts", contact_body("lost@example.com")).status_code == 409


def test_latency_is_added(sb, api):
    sb.faults.latency = 0.2
    started = time.monotonic()
    assert api.get("/contacts").status_code == 200
    assert time.monotonic() - started >= 0.2
    sb.faults.latency = 0


def test_expire_access_tokens_then_refresh(sb, api):
    issued = sb.issue_token()
    api = Api(sb, issued["access_token"])
    sb.faults.expire_access_tokens()
    assert api.get("/contacts").status_code == 401
    fresh = requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
                          auth=(sb.client_id, sb.client_secret), timeout=5).json()
    assert Api(sb, fresh["access_token"]).get("/contacts").status_code == 200


def test_revoke_refresh_tokens(sb):
    token = sb.issue_token()["refresh_token"]
    sb.faults.revoke_refresh_tokens()
    answer = requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": token},
                           auth=(sb.client_id, sb.client_secret), timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_request_counters_by_path_template(sb, api, list_id):
    cid = api.post("/contacts", contact_body("count@example.com")).json()["contact_id"]
    api.get(f"/contacts/{cid}")
    api.get(f"/contacts/{cid}")
    api.get("/contacts")
    activity = api.post("/activities/contacts_json_import", {"import_data": [{"email": "i@example.com"}],
                                                             "list_ids": [list_id]}).json()
    api.poll(activity["activity_id"])
    counts = sb.requests
    assert counts["POST /v3/contacts"] == 1 and counts["GET /v3/contacts/{id}"] == 2
    assert counts["GET /v3/contacts"] == 1 and counts["POST /v3/activities/contacts_json_import"] == 1
    assert counts["GET /v3/activities/{id}"] == 2
    assert sb.request_total == 7
    sb.reset_counts()
    assert sb.request_total == 0 and not sb.requests


def test_keep_alive_reuses_one_connection(sb, api):
    for _ in range(5):
        answer = api.get("/contacts")
        assert answer.headers["Content-Length"] and answer.raw.version == 11
    pool = api.session.get_adapter(sb.base_url).poolmanager
    assert sum(p.num_connections for p in pool.pools._container.values()) == 1


def test_stop_is_clean_with_open_connections():
    sb = Sandbox(rate_limit_per_second=None, daily_limit=None)
    sb.start()
    api = Api(sb, sb.issue_token()["access_token"])
    assert api.get("/contacts").status_code == 200
    started = time.monotonic()
    sb.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(requests.ConnectionError):
        api.get("/contacts")
