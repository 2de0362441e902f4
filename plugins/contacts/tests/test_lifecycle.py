"""The real ``crm`` command in a subprocess, and the extension's install and uninstall."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect


@pytest.mark.slow
def test_real_command_end_to_end(env, tmp_path):
    added = env.run(["contacts", "add", "--first-name", "Ada", "--last-name", "Lovelace",
                     "--email", "ada@example.com", "--phone", "+44 1", "--json"])
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["id"] == 1
    bad = env.run(["contacts", "add", "--last-name", "X", "--email", "x@"])
    assert bad.returncode == 2 and "is not a valid email address" in bad.stderr
    assert "Traceback" not in bad.stderr
    out = tmp_path / "out.csv"
    assert env.run(["contacts", "export", str(out)]).returncode == 0
    assert "'+44 1" in out.read_text(encoding="utf-8")
    listed = env.run(["contacts", "list"])
    assert listed.returncode == 0 and "Ada Lovelace" in listed.stdout and "X" not in listed.stdout


def test_uninstall_keeps_data_and_purge_drops_the_table(env, add):
    add("--last-name", "Lovelace")
    assert env.invoke(["extensions", "uninstall", "contacts", "-y"]).exit_code == 0
    refused = env.invoke(["contacts", "list"])
    assert refused.exit_code == 1 and "not installed" in refused.output
    crm = env.crm()
    try:
        assert inspect(crm.engine).has_table("contact")
    finally:
        crm.close()

    # reinstalling after an uninstall finds the data again (the install step runs twice)
    assert env.invoke(["extensions", "install", "contacts", "-y"]).exit_code == 0
    listed = json.loads(env.invoke(["contacts", "list", "--json"]).output)
    assert [c["last_name"] for c in listed] == ["Lovelace"]

    purged = env.invoke(["extensions", "uninstall", "contacts", "--purge", "-y"])
    assert purged.exit_code == 0, purged.output
    crm = env.crm()
    try:
        assert not inspect(crm.engine).has_table("contact")
    finally:
        crm.close()
    assert env.invoke(["extensions", "install", "contacts", "-y"]).exit_code == 0
    assert json.loads(env.invoke(["contacts", "list", "--json"]).output) == []


def test_only_an_admin_installs_it(make_crm_env):
    env = make_crm_env("contacts")
    assert env.invoke(["users", "add", "bob"]).exit_code == 0
    refused = env.invoke(["extensions", "install", "contacts", "-y"], user="bob")
    assert refused.exit_code == 3
    listed = json.loads(env.invoke(["extensions", "list", "--json"]).output)
    entry = next(e for e in listed if e["name"] == "contacts")
    assert entry["installed"] is False and entry["category"] == "Sales"
