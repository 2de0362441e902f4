"""The OAuth server over real HTTP, driven by requests-oauthlib as a connector would drive it."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from crm_constant_contact.sandbox import Sandbox

REDIRECT = "http://127.0.0.1:8765/oauth/callback"
BAD_REFRESH = {"error": "invalid_grant", "error_description": "The refresh token is invalid or expired."}


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the sandbox is local http


def _session(sb: Sandbox, scope=("contact_data", "offline_access"), **kw) -> OAuth2Session:
    return OAuth2Session(sb.client_id, redirect_uri=REDIRECT, scope=list(scope), pkce="S256", **kw)


def _consent(sb: Sandbox, url: str, decision: str = "allow") -> str:
    """Open the consent page, press a button, return the redirect it answers with."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "Allow Access" in page.text
    action = re.search(r"<form method='post' action='([^']+)'", page.text).group(1)
    fields = {html.unescape(k): html.unescape(v)
              for k, v in re.findall(r"<input type='hidden' name='([^']*)' value='([^']*)'>", page.text)}
    answer = requests.post(sb.base_url + action, data={**fields, "decision": decision}, allow_redirects=False,
                           timeout=5)
    assert answer.status_code == 302
    return answer.headers["Location"]


def _auto(url: str) -> str:
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def _token(sb: Sandbox, session: OAuth2Session, redirect: str) -> dict:
    return session.fetch_token(sb.token_url, authorization_response=redirect, client_secret=sb.client_secret)


def test_full_dance_with_consent_page_and_pkce(sb, schema):
    sb.auto_approve = False
    session = _session(sb)
    raw = []
    session.register_compliance_hook("access_token_response", lambda r: raw.append(r.json()) or r)
    url, state = session.authorization_url(sb.auth_url)
    assert "code_challenge_method=S256" in url
    redirect = _consent(sb, url)
    assert redirect.startswith(REDIRECT + "?")
    assert parse_qs(urlsplit(redirect).query)["state"] == [state]
    token = _token(sb, session, redirect)
    schema("token_response").validate(raw[0])
    assert token["scope"] == ["contact_data", "offline_access"] and token["refresh_token"]
    answer = session.get(sb.api_url + "/contacts", timeout=5)
    assert answer.status_code == 200 and answer.json() == {"contacts": []}
    fresh = session.refresh_token(sb.token_url, auth=HTTPBasicAuth(sb.client_id, sb.client_secret))
    assert fresh["refresh_token"] != token["refresh_token"]


def test_auto_approve_redirects_straight_back(sb):
    session = _session(sb)
    url, state = session.authorization_url(sb.auth_url)
    redirect = _auto(url)
    assert parse_qs(urlsplit(redirect).query)["state"] == [state]
    assert _token(sb, session, redirect)["access_token"]


def test_denying_consent_redirects_with_access_denied_and_state(sb):
    sb.auto_approve = False
    url, state = _session(sb).authorization_url(sb.auth_url)
    query = parse_qs(urlsplit(_consent(sb, url, "deny")).query)
    assert query["error"] == ["access_denied"] and query["state"] == [state]
    assert "code" not in query


def test_redirect_uri_must_match_a_registered_one_exactly():
    with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True,
                 redirect_uris=[REDIRECT]) as sb:
        for wrong in (REDIRECT + "/", REDIRECT.replace("8765", "8766"), REDIRECT.upper()):
            url, _ = OAuth2Session(sb.client_id, redirect_uri=wrong, scope=["contact_data"]).authorization_url(
                sb.auth_url)
            answer = requests.get(url, allow_redirects=False, timeout=5)
            assert answer.status_code == 400 and "Location" not in answer.headers
        assert _auto(_session(sb).authorization_url(sb.auth_url)[0]).startswith(REDIRECT)


def test_without_a_registered_list_only_loopback_uris_are_accepted(sb):
    for wrong in ("https://evil.example/callback", "http://192.168.1.2:80/cb", "http://127.0.0.1.evil.example/"):
        url, _ = OAuth2Session(sb.client_id, redirect_uri=wrong, scope=["contact_data"]).authorization_url(sb.auth_url)
        assert requests.get(url, allow_redirects=False, timeout=5).status_code == 400
    url, _ = OAuth2Session(sb.client_id, redirect_uri="http://localhost:5000/cb",
                           scope=["contact_data"]).authorization_url(sb.auth_url)
    assert _auto(url).startswith("http://localhost:5000/cb?code=")


def test_unknown_client_is_refused_without_redirect(sb):
    url, _ = OAuth2Session("someone-else", redirect_uri=REDIRECT, scope=["contact_data"]).authorization_url(sb.auth_url)
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_bad_scope_and_response_type_are_redirected_errors(sb):
    url, state = OAuth2Session(sb.client_id, redirect_uri=REDIRECT, scope=["everything"]).authorization_url(sb.auth_url)
    assert parse_qs(urlsplit(_auto(url)).query)["error"] == ["invalid_scope"]
    answer = requests.get(sb.auth_url, params={"client_id": sb.client_id, "redirect_uri": REDIRECT,
                                               "response_type": "token", "scope": "contact_data", "state": "s"},
                          allow_redirects=False, timeout=5)
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["unsupported_response_type"]


def test_codes_are_single_use(sb):
    session = _session(sb)
    redirect = _auto(session.authorization_url(sb.auth_url)[0])
    _token(sb, session, redirect)
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    again = requests.post(sb.token_url, data={"grant_type": "authorization_code", "code": code,
                                              "redirect_uri": REDIRECT, "code_verifier": session._code_verifier},
                          auth=(sb.client_id, sb.client_secret), timeout=5)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_codes_expire():
    with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True, auth_code_lifetime=0.2) as sb:
        session = _session(sb)
        redirect = _auto(session.authorization_url(sb.auth_url)[0])
        time.sleep(0.3)
        with pytest.raises(Exception, match="invalid_grant"):
            _token(sb, session, redirect)


def _code_and_verifier(sb: Sandbox) -> tuple[str, str]:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    answer = requests.get(sb.auth_url, params={
        "client_id": sb.client_id, "redirect_uri": REDIRECT, "response_type": "code", "state": "xyz",
        "scope": "contact_data offline_access", "code_challenge": challenge, "code_challenge_method": "S256"},
        allow_redirects=False, timeout=5)
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0], verifier


def test_pkce_verifier_is_checked(sb):
    code, verifier = _code_and_verifier(sb)
    wrong = requests.post(sb.token_url, data={"grant_type": "authorization_code", "code": code,
                                              "redirect_uri": REDIRECT, "code_verifier": verifier + "x"},
                          auth=(sb.client_id, sb.client_secret), timeout=5)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_plain_pkce_method_is_refused(sb):
    answer = requests.get(sb.auth_url, params={
        "client_id": sb.client_id, "redirect_uri": REDIRECT, "response_type": "code", "scope": "contact_data",
        "state": "s", "code_challenge": "abc", "code_challenge_method": "plain"}, allow_redirects=False, timeout=5)
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["invalid_request"]


def test_public_client_with_pkce_needs_no_secret(sb):
    code, verifier = _code_and_verifier(sb)
    answer = requests.post(sb.token_url, data={"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": REDIRECT, "code_verifier": verifier,
                                               "client_id": sb.client_id}, timeout=5)
    assert answer.status_code == 200 and answer.json()["refresh_token"]


def test_redirect_uri_of_the_exchange_must_match(sb):
    code, verifier = _code_and_verifier(sb)
    answer = requests.post(sb.token_url, data={"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": REDIRECT + "x", "code_verifier": verifier},
                           auth=(sb.client_id, sb.client_secret), timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_client_authentication_is_http_basic_and_params_may_be_in_the_query(sb):
    refresh = sb.issue_token()["refresh_token"]
    wrong = requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": refresh},
                          auth=(sb.client_id, "wrong"), timeout=5)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    missing = requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": refresh}, timeout=5)
    assert missing.status_code == 401 and missing.json()["error"] == "invalid_client"
    in_query = requests.post(sb.token_url, params={"grant_type": "refresh_token", "refresh_token": refresh},
                             auth=(sb.client_id, sb.client_secret), timeout=5)
    assert in_query.status_code == 200


def test_unknown_grant_type_is_refused(sb):
    answer = requests.post(sb.token_url, data={"grant_type": "client_credentials"},
                           auth=(sb.client_id, sb.client_secret), timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


def test_refresh_tokens_only_with_offline_access(sb):
    session = _session(sb, scope=("contact_data",))
    token = _token(sb, session, _auto(session.authorization_url(sb.auth_url)[0]))
    assert "refresh_token" not in token
    assert "refresh_token" not in sb.issue_token("contact_data")


def _refresh(sb: Sandbox, token: str) -> requests.Response:
    return requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": token},
                         auth=(sb.client_id, sb.client_secret), timeout=5)


def test_rotating_refresh_invalidates_every_earlier_token(sb):
    first = sb.issue_token()["refresh_token"]
    second = _refresh(sb, first).json()["refresh_token"]
    assert second != first
    old = _refresh(sb, first)
    assert old.status_code == 400 and old.json() == BAD_REFRESH
    third = _refresh(sb, second).json()["refresh_token"]
    assert _refresh(sb, second).json() == BAD_REFRESH
    assert _refresh(sb, third).status_code == 200


def test_long_lived_refresh_tokens_come_back_unchanged():
    with Sandbox(rate_limit_per_second=None, daily_limit=None, refresh_mode="long_lived") as sb:
        token = sb.issue_token()["refresh_token"]
        for _ in range(3):
            answer = _refresh(sb, token)
            assert answer.status_code == 200 and answer.json()["refresh_token"] == token


def test_refresh_tokens_expire_when_unused():
    with Sandbox(rate_limit_per_second=None, daily_limit=None, refresh_token_idle_expiry=0.2) as sb:
        token = sb.issue_token()["refresh_token"]
        time.sleep(0.3)
        assert _refresh(sb, token).json() == BAD_REFRESH


def test_access_token_lifetime_is_configurable():
    with Sandbox(rate_limit_per_second=None, daily_limit=None, access_token_lifetime=0.3) as sb:
        token = sb.issue_token()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(sb.api_url + "/contacts", headers=headers, timeout=5).status_code == 200
        time.sleep(0.4)
        assert requests.get(sb.api_url + "/contacts", headers=headers, timeout=5).status_code == 401


def test_revoke(sb):
    issued = sb.issue_token()
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    for token in (issued["refresh_token"], issued["access_token"]):
        answer = requests.post(sb.revoke_url, data={"token": token}, auth=(sb.client_id, sb.client_secret), timeout=5)
        assert answer.status_code == 200
    assert _refresh(sb, issued["refresh_token"]).json() == BAD_REFRESH
    assert requests.get(sb.api_url + "/contacts", headers=headers, timeout=5).status_code == 401
    unauthenticated = requests.post(sb.revoke_url, data={"token": "x"}, timeout=5)
    assert unauthenticated.status_code == 401


def test_api_needs_the_contact_data_scope(sb):
    token = sb.issue_token("account_read")["access_token"]
    answer = requests.get(sb.api_url + "/contacts", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert answer.status_code == 403 and answer.json()[0]["error_key"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc"])
def test_api_answers_401_for_a_missing_or_bad_token(sb, header):
    headers = {"Authorization": header} if header else {}
    answer = requests.get(sb.api_url + "/contacts", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"error_key": "unauthorized", "error_message": "Unauthorized"}
