"""No secret leaves through an error: a token endpoint that echoes the client secret, the
authorization code and the PKCE verifier (sign-in) or the refresh token (refresh) shows none of
them in the real command's output or its exceptions."""
from __future__ import annotations

import pytest

from crmcore.auth import oauth
from crmcore.auth.tokens import ConnectionTokenSource
from crmcore.errors import CrmError
from crmcore.redact import REDACTED, redact_body, scrub

from .conftest import browser_env, configure, store_token


def leaks(text: str, secrets: list[str], size: int = 10) -> list[str]:
    """The secrets of which any ``size``-character piece shows in ``text`` (a cut one too)."""
    return [s for s in secrets
            if any(s[i:i + size] in text for i in range(max(1, len(s) - size + 1)))]


def test_scrub_covers_encoded_forms_and_runs_before_truncation():
    from crmcore.redact import Secrets

    secret = "s3cr+t/with=chars&more"
    known = Secrets([secret, None, "abc"])  # None and very short values are ignored
    assert len(known) == 1 and secret in known and secret not in repr(known)
    for form in (secret, "s3cr%2Bt%2Fwith%3Dchars%26more", "s3cr%2Bt%2Fwith%3Dchars%26more",
                 "s3cr+t\\/with=chars&more"):
        assert known.scrub(f"said {form} here") == f"said {REDACTED} here"
    body = "x" * 4090 + secret  # the secret straddles the 4096-character cut
    assert not leaks(redact_body(body, secrets=known), [secret], size=6)
    assert not leaks(scrub("x" * 10 + secret, [secret])[:15], [secret], size=6)
    assert known.scrub_value({"a": [secret, {"b": f"<{secret}>"}], secret: 1}) == {
        "a": [REDACTED, {"b": f"<{REDACTED}>"}], REDACTED: 1}


@pytest.mark.slow
def test_sign_in_echoing_secret_code_and_verifier_shows_none_of_them(env):
    assert configure(env).exit_code == 0
    env.sandbox.faults.echo_secrets_next(1, path="/oauth2/default/v1/token", pad=250)
    out = env.run(["sync", "authorize", "demo", "--timeout", "20"],
                  PYTHONPATH=env.pythonpath, CRM_DEMO_SERVER=env.sandbox.base_url,
                  **browser_env(env))
    assert out.returncode == 1, out.stderr
    echoed = env.sandbox.faults.echoed
    assert len(echoed) == 3 and env.sandbox.client_secret in echoed  # secret, code, verifier
    assert "The token endpoint answered invalid_request" in out.stderr
    assert REDACTED in out.stderr
    assert not leaks(out.stdout + out.stderr, echoed)


def test_refresh_echoing_refresh_token_and_secret_raises_clean_errors(env):
    connection_id, token = store_token(env, expires_in=0)  # due for a refresh at once
    crm = env.crm()
    try:
        for error in ("invalid_request", "invalid_grant"):
            env.sandbox.faults.echo_secrets_next(1, path="/oauth2/default/v1/token", error=error,
                                                 pad=290)
            source = ConnectionTokenSource(crm, connection_id, "demo")
            with pytest.raises(CrmError) as caught:
                source.access_token()
            shown = f"{caught.value} {caught.value!r} {caught.value.args}"
            assert not leaks(shown, [*env.sandbox.faults.echoed, token["access_token"]]), shown
            assert env.sandbox.client_secret in env.sandbox.faults.echoed
            assert token["refresh_token"] in env.sandbox.faults.echoed
    finally:
        crm.close()


def test_oauth_translation_scrubs_the_error_code_too():
    config = oauth.ClientConfig(connector="demo", client_id="id", client_secret="Zq9xW2kLm0pQ7rT",
                                auth_url="https://a.example/auth", token_url="https://a.example/t",
                                redirect_uri="http://127.0.0.1:1/cb", scopes=("x",))
    from oauthlib.oauth2.rfc6749 import errors
    exc = errors.CustomOAuth2Error("bad_Zq9xW2kLm0pQ7rT", "echo code-value-1234 Zq9xW2kLm0pQ7rT")
    error = oauth._translate(exc, config, ["code-value-1234"])
    assert not leaks(str(error), ["Zq9xW2kLm0pQ7rT", "code-value-1234"], size=6)
