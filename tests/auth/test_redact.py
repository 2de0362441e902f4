"""crmcore.redact: secrets go by key name, schema mark and Bearer form; bodies are truncated."""
from __future__ import annotations

import json

from crmcore.redact import (REDACTED, redact, redact_body, redact_headers, redact_url, scrub,
                            secret_keys_from_schema)


def test_secret_keys_are_redacted_at_any_depth():
    data = {"access_token": "a", "refresh_token": "r", "id_token": "i", "client_secret": "s",
            "code": "c", "code_verifier": "v", "password": "p", "token": "t",
            "nested": [{"Authorization": "Bearer xyz", "postal_code": "12345"}],
            "email": "ada@example.com", "empty_token": None}
    out = redact(data)
    for key in ("access_token", "refresh_token", "id_token", "client_secret", "code",
                "code_verifier", "password", "token"):
        assert out[key] == REDACTED
    assert out["nested"][0] == {"Authorization": REDACTED, "postal_code": "12345"}
    assert out["email"] == "ada@example.com" and out["empty_token"] is None
    assert data["access_token"] == "a"  # a copy


def test_bearer_values_in_free_text_and_headers():
    assert redact("failed with Bearer eyJ.abc.def here") == f"failed with Bearer {REDACTED} here"
    assert redact_headers({"Authorization": "Bearer x", "Accept": "json"}) == {
        "Authorization": REDACTED, "Accept": "json"}


def test_urls_lose_secret_parameters_and_passwords():
    url = redact_url("https://u:pw@host/cb?code=abc&state=s1&x=1")
    assert "abc" not in url and "pw" not in url and "state=s1" in url and "x=1" in url


def test_bodies_json_form_and_text_are_redacted_and_truncated():
    assert json.loads(redact_body(b'{"refresh_token": "r", "a": 1}')) == {"refresh_token": REDACTED, "a": 1}
    assert redact_body("grant_type=refresh_token&refresh_token=rrr") == (
        f"grant_type=refresh_token&refresh_token={REDACTED}")
    long = redact_body({"notes": "x" * 10000}, limit=100)
    assert len(long) < 150 and long.endswith("more characters]")
    assert redact_body(None) is None and redact_body(b"") is None


def test_schema_marks_and_known_values():
    schema = {"properties": {"api_key": {"type": "string"}, "pin": {"type": "string", "x-secret": True},
                             "inner": {"properties": {"seed": {"writeOnly": True}}}}}
    assert secret_keys_from_schema(schema) == {"pin", "seed"}
    assert redact({"pin": "1234", "name": "x"}, extra_keys={"pin"}) == {"pin": REDACTED, "name": "x"}
    assert scrub("token abcdef in text", ["abcdef", None]) == f"token {REDACTED} in text"
