"""Links and checkpoints belong to the remote account: switching accounts (rehearse on the
sandbox, then configure the real one) starts fresh there, and switching back duplicates nothing."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from crm_constant_contact.rehearsal import follow_redirects
from crm_constant_contact.sandbox import Sandbox
from crmcore.auth import connections
from crmcore.auth.models import Connection
from crmcore.models import User


class _Out:
    def __init__(self, code: int, text: str) -> None:
        self.returncode, self.stdout, self.stderr = code, text, text


def _configure(world, sandbox, *extra, real: bool = False):
    """``crm sync configure`` for ``sandbox``: the real command in a subprocess with ``real``,
    else the same command in this process (quicker)."""
    args = ["sync", "configure", "constant-contact", "--client-id", sandbox.client_id,
            "--client-secret", "-", "--auth-url", sandbox.auth_url, "--token-url",
            sandbox.token_url, "--revoke-url", sandbox.revoke_url, "--api-url", sandbox.api_url,
            *extra]
    if real:
        return world.env.run(args, input=sandbox.client_secret + "\n")
    result = world.env.invoke(args, input=sandbox.client_secret + "\n")
    return _Out(result.exit_code, result.output)


def _sign_in(world):
    with world.crm.session() as s:
        user = s.get(User, world.user.id)
    connections.authorize(world.crm, user, "constant-contact", browser=True, timeout=30,
                          echo=lambda m: None, opener=follow_redirects)


def _sync(world, real: bool = False):
    if real:
        out = world.env.run(["sync", "now", "constant-contact", "--json"])
        assert out.returncode == 0, out.stderr
        text = out.stdout
    else:
        result = world.env.invoke(["sync", "now", "constant-contact", "--json"])
        assert result.exit_code == 0, result.output
        text = result.output
    summary = json.loads(text)
    assert summary["outcome"] == "success", summary
    return summary


def _switch(world, sandbox, real: bool = False):
    refused = _configure(world, sandbox, real=real)
    assert refused.returncode != 0
    assert "may reach another Constant Contact account" in refused.stdout + refused.stderr
    with world.crm.session() as s:
        assert s.get(Connection, world.connection_id).client_id != sandbox.client_id, "saved anyway"
    out = _configure(world, sandbox, "-y", real=real)
    assert out.returncode == 0, out.stderr
    assert "starts fresh" in out.stdout
    _sign_in(world)


def _emails(sandbox):
    return Counter(c["email_address"]["address"].lower()
                   for c in sandbox.contacts(include_deleted=True))


@pytest.mark.slow
def test_switching_accounts_starts_fresh_and_switching_back_duplicates_nothing(world):
    rehearsal = world.sandbox
    ada = world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                    title="Countess")
    world.add(first_name="Bob", last_name="Byron", email="bob@example.com")
    world.seed(world.contact("carl@example.com", "Carl", "Gauss"))
    _sync(world)
    assert set(_emails(rehearsal)) == {"ada@example.com", "bob@example.com", "carl@example.com"}

    with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True) as real:
        assert real.account_id != rehearsal.account_id
        real.seed_contacts([world.contact("ada@example.com", "Ada", "King", company_name="Engines Ltd"),
                            world.contact("dora@example.com", "Dora", "Maar")])
        _switch(world, real, real=True)  # as a person types it
        summary = _sync(world, real=True)
        assert "started fresh" in (summary["note"] or "")
        assert "no longer exists" not in json.dumps(summary)
        _sync(world)
        # every CRM contact reached the new account, matched by email: one contact each
        assert _emails(real) == Counter({"ada@example.com": 1, "bob@example.com": 1,
                                         "carl@example.com": 1, "dora@example.com": 1})
        ada_there = [c for c in real.contacts() if c["email_address"]["address"] == "ada@example.com"][0]
        assert ada_there["job_title"] == "Countess"  # the first match filled its empty fields
        assert world.contacts()[ada]["organization"] == "Engines Ltd"
        assert len(world.contacts()) == 4

        _switch(world, rehearsal)  # back to the rehearsal account
        summary = _sync(world)
        assert "started fresh" in (summary["note"] or "")
        _sync(world)
        assert _emails(rehearsal) == Counter({"ada@example.com": 1, "bob@example.com": 1,
                                              "carl@example.com": 1, "dora@example.com": 1})
        emails = Counter(v["email"].lower() for v in world.contacts().values())
        assert emails == Counter({"ada@example.com": 1, "bob@example.com": 1,
                                  "carl@example.com": 1, "dora@example.com": 1})
        assert not [c for c in rehearsal.contacts() if c.get("deleted_at")]


def test_signing_in_again_to_the_same_account_keeps_the_links(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    links = {(l.record_id, l.remote_id) for l in world.links()}
    _sign_in(world)
    world.sandbox.reset_counts()
    run = world.sync()
    assert run.note is None
    assert {(l.record_id, l.remote_id) for l in world.links()} == links
    assert world.sandbox.requests["GET /v3/account/summary"] == 1  # asked once per sign-in
    world.sync()
    assert world.sandbox.requests["GET /v3/account/summary"] == 1


def test_a_dry_run_after_a_switch_changes_nothing_and_says_what_comes(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True) as real:
        _switch(world, real)
        run = world.sync(dry_run=True)
        assert "next run starts fresh" in run.note
        assert len(world.links()) == 1 and real.contacts() == []
        world.sync()
        assert len(world.links()) == 1 and len(real.contacts()) == 1


def test_without_account_read_the_client_id_and_api_url_stand_for_the_account(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.sync()
    with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True) as real:
        out = _configure(world, real, "--scopes", "contact_data offline_access", "-y")
        assert out.returncode == 0, out.stderr
        _sign_in(world)
        summary = _sync(world)
        assert "started fresh" in (summary["note"] or "")
        assert [c["email_address"]["address"] for c in real.contacts()] == ["ada@example.com"]
        assert real.requests["GET /v3/account/summary"] == 1  # refused (no scope), not asked again
        assert _sync(world)["note"] is None
        assert real.requests["GET /v3/account/summary"] == 1
