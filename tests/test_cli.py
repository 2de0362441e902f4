"""The real ``crm`` command: help everywhere, init, acting user, broken plugins."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from crmcore.cli import build_cli
from crmcore.plugins import PluginHost
from crmcore.testing.fixtures import plugin_site


def _all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, (*prefix, name))


def test_every_command_explains_itself(make_crm_env):
    env = make_crm_env("contacts", "constant-contact")
    cli = build_cli(env.crm())
    for path, cmd in _all_commands(cli):
        assert cmd.help and len(cmd.help.strip()) > 10, f"'crm {' '.join(path)}' needs help text"
        result = env.invoke([*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage: crm " + " ".join(path) in result.output


@pytest.mark.slow
def test_init_in_a_subprocess_then_acting_users(tmp_path):
    env = {"PATH": str(Path(sys.executable).parent), "CRM_HOME": str(tmp_path / "home"),
           "CRM_PLUGINS": ""}
    crm = [str(Path(sys.executable).parent / "crm")]
    out = subprocess.run([*crm, "init", "--admin", "alice"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    key = tmp_path / "home" / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "home" / "crm.sqlite").exists()
    out = subprocess.run([*crm, "users", "add", "bob"], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "Added user 'bob'" in out.stdout
    out = subprocess.run([*crm, "--as", "bob", "users", "add", "eve"], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 3
    assert out.stderr.startswith("Error: Only an admin can add users")
    assert "Traceback" not in out.stderr
    out = subprocess.run([*crm, "users", "list", "--json"], env={**env, "CRM_USER": "bob"},
                         capture_output=True, text=True)
    assert '"bob"' in out.stdout


def test_commands_before_init_say_what_to_run(tmp_path):
    env = {"PATH": str(Path(sys.executable).parent), "CRM_HOME": str(tmp_path / "nothing"),
           "CRM_PLUGINS": ""}
    out = subprocess.run([str(Path(sys.executable).parent / "crm"), "users", "list"], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "Run 'crm init --admin NAME' first" in out.stderr


def test_a_plugin_that_fails_to_load_is_named(tmp_path):
    site = plugin_site(tmp_path, "broken", "raise ImportError('needs libfoo')\n")
    env = {"PATH": str(Path(sys.executable).parent), "CRM_HOME": str(tmp_path / "home"),
           "PYTHONPATH": str(site), "CRM_PLUGINS": "broken"}
    out = subprocess.run([str(Path(sys.executable).parent / "crm"), "--help"], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "Plugin 'broken' (crm_broken_plugin) failed to load: ImportError: needs libfoo" in out.stderr
    assert "CRM_PLUGINS" in out.stderr


def test_crm_plugins_restricts_what_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_PLUGINS", "")
    assert PluginHost().pm.get_plugins() == set()


def test_init_is_no_back_door_to_a_new_admin(crm_env):
    crm_env.invoke(["users", "add", "bob"])
    result = crm_env.invoke(["init", "--admin", "mallory"], user="bob")
    assert result.exit_code == 3
    assert "already initialised" in result.output and "crm users add mallory --admin" in result.output
    names = [u["name"] for u in __import__("json").loads(crm_env.invoke(["users", "list", "--json"]).output)]
    assert names == ["admin", "bob"]
    assert crm_env.invoke(["init", "--admin", "admin"]).exit_code == 0  # rerun: idempotent


def test_an_unreachable_database_is_a_clear_error_not_a_traceback(tmp_path):
    exe = str(Path(sys.executable).parent / "crm")
    for url in ("postgresql://nobody:secret@127.0.0.1:1/nothing", "mysql://x@localhost/db"):
        env = {"PATH": str(Path(sys.executable).parent), "CRM_HOME": str(tmp_path),
               "CRM_PLUGINS": "", "CRM_DATABASE_URL": url}
        out = subprocess.run([exe, "users", "list"], env=env, capture_output=True, text=True)
        assert out.returncode == 1, out.stderr
        assert "Traceback" not in out.stderr and "secret" not in out.stderr
        assert out.stderr.startswith("Error: The database at") and "CRM_DATABASE_URL" in out.stderr


def test_an_unexpected_error_is_a_message_not_a_traceback(monkeypatch, capsys, tmp_path):
    import click

    import crmcore.cli as cli_module

    @click.command()
    def broken() -> None:
        raise TypeError("token=abc123 leaked into a message")

    monkeypatch.setenv("CRM_HOME", str(tmp_path))
    monkeypatch.setattr(cli_module, "build_cli", lambda crm: broken)
    with pytest.raises(SystemExit) as stopped:
        cli_module.main([])
    err = capsys.readouterr().err
    assert stopped.value.code == 1
    assert "failed unexpectedly (TypeError)" in err and "CRM_DEBUG=1" in err
    assert "Traceback" not in err and "abc123" not in err
    monkeypatch.setenv("CRM_DEBUG", "1")
    with pytest.raises(TypeError):
        cli_module.main([])
