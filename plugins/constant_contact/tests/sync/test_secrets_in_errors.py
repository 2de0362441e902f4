"""No secret leaves through an error: Constant Contact (the sandbox) echoes the access token, the
refresh token or the client secret in error bodies; the real command's output, the Sync Log and
the Debug Log show none of them, whole or cut."""
from __future__ import annotations

import json

import pytest

from crmcore.auth.models import Connection


def leaks(text: str, secrets: list[str], size: int = 10) -> list[str]:
    """The secrets of which any ``size``-character piece shows in ``text`` (a cut one too)."""
    return [s for s in secrets
            if any(s[i:i + size] in text for i in range(max(1, len(s) - size + 1)))]


def _known(world) -> list[str]:
    from crmcore.auth.tokens import connection_secrets

    with world.crm.session() as s:
        stored = connection_secrets(s.get(Connection, world.connection_id), world.crm.vault)
    return [*stored, world.sandbox.client_secret, *world.sandbox.faults.echoed]


def _everything_shown(world, run: int) -> str:
    """What a user can see of run ``run``: the Sync Log (list, records, CSV) and Debug Log."""
    shown = []
    for args in (["sync", "log", "constant-contact"], ["sync", "log", "constant-contact", "--json"],
                 ["sync", "log", "constant-contact", str(run)],
                 ["sync", "log", "constant-contact", str(run), "--csv", "-"],
                 ["sync", "debug-log", "constant-contact"],
                 ["sync", "debug-log", "constant-contact", "--json"]):
        out = world.env.invoke(args)
        assert out.exit_code == 0, out.output
        shown.append(out.output)
    return "\n".join(shown)


@pytest.mark.slow
def test_api_error_echoing_the_access_token_shows_it_nowhere(world):
    world.settings(debug=True)
    # the token starts 20 characters before the 500-character cut of the error message
    world.sandbox.faults.echo_secrets_next(1, path="/v3/contacts", pad=452)
    out = world.env.run(["sync", "now", "constant-contact"])
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "The remote service refused the data" in out.stderr and "[redacted]" in out.stderr
    echoed = world.sandbox.faults.echoed
    assert len(echoed) == 1
    shown = out.stdout + out.stderr + _everything_shown(world, 1)
    assert "[redacted]" in shown and "Rejected request carrying" in shown
    assert not leaks(shown, _known(world))


@pytest.mark.slow
def test_refresh_echoing_refresh_token_and_client_secret_shows_them_nowhere(world):
    world.sandbox.faults.expire_access_tokens()  # the run must refresh first
    world.sandbox.faults.echo_secrets_next(1, path="/oauth2/default/v1/token", pad=250,
                                           error="invalid_grant")
    out = world.env.run(["sync", "now", "constant-contact"])
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "needs re-authorization" in out.stderr and "[redacted]" in out.stderr
    echoed = world.sandbox.faults.echoed
    assert world.sandbox.client_secret in echoed and len(echoed) == 2  # + the refresh token
    shown = out.stdout + out.stderr + _everything_shown(world, 1)
    assert not leaks(shown, _known(world))


def test_a_refused_write_echoing_the_token_keeps_it_out_of_the_sync_log(world):
    record = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    remote_id = world.remote("ada@example.com")["contact_id"]
    world.update(record, title="Countess")
    world.sandbox.faults.echo_secrets_next(2, path=f"/v3/contacts/{remote_id}")
    summary = world.sync()
    assert summary.counts["constant-contact"]["skipped"] == 1
    out = world.env.run(["sync", "log", "constant-contact", str(summary.run_id), "--json"])
    records = json.loads(out.stdout)["records"]
    reasons = " ".join(r["reason"] or "" for r in records)
    assert "Rejected request carrying [redacted]" in reasons
    assert world.sandbox.faults.echoed and not leaks(out.stdout, _known(world))


def test_a_background_run_that_crashes_keeps_no_secret_in_its_last_error(world):
    from datetime import timedelta

    from crmcore import scheduler
    from crmcore.models import utcnow
    from crmcore.sync.models import SyncSettings

    assert world.env.invoke(["sync", "settings", "constant-contact", "--frequency", "15m"]).exit_code == 0
    secrets = _known(world)

    def crashing_runner(crm, connection_id, trigger):
        raise RuntimeError(f"the client library printed its state: {' '.join(secrets)}")

    item = scheduler.Due(world.connection_id, "constant-contact", timedelta(minutes=15))
    outcome = scheduler.run_one(world.crm, item, utcnow(), runner=crashing_runner)
    assert outcome.outcome == "failed" and outcome.error.startswith("RuntimeError")
    with world.crm.session() as s:
        kept = s.get(SyncSettings, world.connection_id).last_error
    assert kept and not leaks(kept, secrets) and not leaks(outcome.error, secrets)
