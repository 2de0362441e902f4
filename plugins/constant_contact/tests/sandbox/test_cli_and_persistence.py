"""The ``sandbox`` command (in-process and as ``python -m``) and ``--data`` persistence."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from cc_sandbox_helpers import Api, contact_body
from click.testing import CliRunner

from crm_constant_contact.sandbox import Sandbox
from crm_constant_contact.sandbox.cli import sandbox_command

PLUGIN_ROOT = Path(__file__).resolve().parents[2]
LABELS = ("Client ID", "Client secret", "Auth URL", "Token URL", "API base URL")


def _settings(text: str) -> dict[str, str]:
    return {label: re.search(rf"^\s*{label}:\s+(\S+)$", text, re.M).group(1) for label in LABELS}


def test_command_prints_the_settings_to_paste():
    result = CliRunner().invoke(sandbox_command, ["--port", "0", "--run-for", "0.05", "--no-rate-limits"])
    assert result.exit_code == 0, result.output
    settings = _settings(result.output)
    assert settings["Auth URL"].endswith("/oauth2/default/v1/authorize")
    assert settings["Token URL"].endswith("/oauth2/default/v1/token")
    assert settings["API base URL"].endswith("/v3")
    assert f"--client-id {settings['Client ID']}" in result.output
    assert "crm sync configure constant-contact" in result.output and "Sandbox stopped." in result.output


def test_command_rejects_an_unknown_refresh_mode():
    result = CliRunner().invoke(sandbox_command, ["--refresh-mode", "forever"])
    assert result.exit_code != 0 and "forever" in result.output


def _start(data: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PLUGIN_ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.Popen([sys.executable, "-u", "-X", "faulthandler", "-m", "crm_constant_contact.sandbox", "--port", "0",
                             "--data", str(data), "--auto-approve", "--no-rate-limits"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Press Ctrl-C" in line:
            return proc, _settings("".join(lines))
    raise AssertionError("the sandbox did not start: " + "".join(lines) + proc.stderr.read())


def _stop(proc: subprocess.Popen, sig: int) -> str:
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        # started with -X faulthandler: SIGABRT makes it print every thread's stack, so a
        # sandbox that does not stop says where it hangs
        proc.send_signal(signal.SIGABRT)
        out, err = proc.communicate(timeout=30)
        raise AssertionError(f"the sandbox did not stop within 30 s of signal {sig}:\n{out}\n{err}")
    assert proc.returncode == 0, err
    return out


def test_served_from_a_subprocess_with_state_kept_across_restarts(tmp_path):
    data = tmp_path / "sandbox.json"
    proc, settings = _start(data)
    try:
        redirect = "http://127.0.0.1:9999/callback"
        answer = requests.get(settings["Auth URL"], params={
            "client_id": settings["Client ID"], "redirect_uri": redirect, "response_type": "code",
            "scope": "contact_data offline_access", "state": "s1"}, allow_redirects=False, timeout=5)
        code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        token = requests.post(settings["Token URL"], data={"grant_type": "authorization_code", "code": code,
                                                           "redirect_uri": redirect},
                              auth=(settings["Client ID"], settings["Client secret"]), timeout=5).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        created = requests.post(settings["API base URL"] + "/contacts", json=contact_body("kept@example.com"),
                                headers=headers, timeout=5)
        assert created.status_code == 201
    finally:
        out = _stop(proc, signal.SIGTERM)
    assert "State saved" in out
    assert json.loads(data.read_text())["client_id"] == settings["Client ID"]

    proc, again = _start(data)
    try:
        assert (again["Client ID"], again["Client secret"]) == (settings["Client ID"], settings["Client secret"])
        listed = requests.get(again["API base URL"] + "/contacts", headers=headers, timeout=5)
        assert listed.status_code == 200
        assert [c["contact_id"] for c in listed.json()["contacts"]] == [created.json()["contact_id"]]
        refreshed = requests.post(again["Token URL"], data={"grant_type": "refresh_token",
                                                            "refresh_token": token["refresh_token"]},
                                  auth=(again["Client ID"], again["Client secret"]), timeout=5)
        assert refreshed.status_code == 200
    finally:
        _stop(proc, signal.SIGINT)


def test_in_process_persistence_keeps_contacts_indexes_and_clock(tmp_path):
    data = tmp_path / "state" / "cc.json"
    with Sandbox(rate_limit_per_second=None, daily_limit=None, data_file=data) as sb:
        assert data.exists()  # saved at start, so the printed credentials survive a crash
        list_id = sb.create_list("Members")
        sb.create_custom_field("Tier")
        ids = sb.seed_contacts([{"email_address": {"address": f"p{i}@example.com"}, "list_memberships": [list_id]}
                                for i in range(3)])
        sb.delete_contact(ids[2])
        before = sb.contacts()
        client = (sb.client_id, sb.client_secret)
    with Sandbox(rate_limit_per_second=None, daily_limit=None, data_file=data) as sb:
        assert (sb.client_id, sb.client_secret) == client
        assert sb.contacts() == before
        assert [entry["membership_count"] for entry in sb.lists()] == [2]
        api = Api(sb, sb.issue_token()["access_token"])
        assert api.post("/contacts", contact_body("P2@example.com")).status_code == 409
        on_list = api.get("/contacts", params={"lists": list_id}).json()["contacts"]
        assert sorted(c["contact_id"] for c in on_list) == sorted(ids[:2])
        sb.update_contact(ids[0], {"first_name": "Later"})
        assert sb.get_contact(ids[0])["updated_at"] > max(c["updated_at"] for c in before)
        imported = api.post("/activities/contacts_json_import", {"import_data": [{"email": "n@example.com",
                                                                                  "cf:Tier": "gold"}],
                                                                 "list_ids": [list_id]}).json()
        assert api.poll(imported["activity_id"])[-1]["status"]["person_count"] == 1


def test_a_data_file_of_another_kind_is_refused(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}')
    try:
        Sandbox(data_file=other)
    except ValueError as exc:
        assert "not a Constant Contact sandbox data file" in str(exc)
    else:
        raise AssertionError("expected a ValueError")


def test_the_command_registers_exact_redirect_uris():
    from click.testing import CliRunner

    from crm_constant_contact.sandbox import cli as sandbox_cli

    seen = {}
    real = sandbox_cli.Sandbox

    class Spy(real):
        def __init__(self, *args, **kwargs):
            seen.update(kwargs)
            super().__init__(*args, **kwargs)

    sandbox_cli.Sandbox = Spy
    try:
        result = CliRunner().invoke(sandbox_cli.sandbox_command, [
            "--port", "0", "--redirect-uri", "http://127.0.0.1:8765/callback", "--run-for", "0.1"])
    finally:
        sandbox_cli.Sandbox = real
    assert result.exit_code == 0, result.output
    assert seen["redirect_uris"] == ["http://127.0.0.1:8765/callback"]
    assert "--revoke-url" in result.output
