"""``crm --help`` stays cheap: the real command never imports what only some commands need.

Every command and every subprocess pays the start-up, so the migration tool, the HTTP stack, the
process inspector, the web framework, the job queue and the sync engine are imported where they
are used. A ``sitecustomize`` module put on the real ``crm`` script's path writes down, as the
process exits, every module it had imported.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crmcore.testing.fixtures import plugin_site

RECORDER = """import atexit, os, sys

def _write_modules():
    with open(os.environ["CRM_TEST_MODULES_FILE"], "w", encoding="utf-8") as out:
        out.write("\\n".join(sorted(sys.modules)))

atexit.register(_write_modules)
"""

#: Imported by ``crm --help`` they would cost start-up time on every command.
HEAVY = {
    "alembic", "mako", "psutil", "requests", "urllib3", "oauthlib", "requests_oauthlib", "flask",
    "werkzeug", "jinja2", "waitress", "procrastinate", "psycopg", "jsonschema", "cryptography",
    "crmcore.auth.connections", "crmcore.migrations.runner", "crmcore.sync.engine",
    "crmcore.sync.runner", "crmcore.sync.lock", "crmcore.http", "crmcore.web",
    "crm_constant_contact.sandbox",
}


def _imported_by(args: list[str], tmp_path: Path, path: tuple[Path, ...] = (), **env: str
                 ) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run the real ``crm`` with ``args`` (``path`` added to its module path, ``env`` to its
    environment); its result and every module it had imported when it exited."""
    recorder = tmp_path / "recorder"
    recorder.mkdir(exist_ok=True)
    (recorder / "sitecustomize.py").write_text(RECORDER, encoding="utf-8")
    listing = tmp_path / "modules.txt"
    listing.unlink(missing_ok=True)
    exe = str(Path(sys.executable).parent / "crm")
    env = {"PATH": str(Path(sys.executable).parent), "CRM_HOME": str(tmp_path / "home"),
           "PYTHONPATH": os.pathsep.join(str(p) for p in [recorder, *path]),
           "CRM_TEST_MODULES_FILE": str(listing), "LANG": os.environ.get("LANG", "C.UTF-8"), **env}
    out = subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=120)
    return out, set(listing.read_text(encoding="utf-8").split("\n"))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [["--help"], ["contacts", "--help"], ["sync", "now", "--help"]])
def test_help_imports_no_heavy_module(tmp_path, args):
    out, modules = _imported_by(args, tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("Usage: crm")
    assert {"click", "crmcore.cli", "crm_contacts.cli"} <= modules  # the plugins' commands too
    assert _heavy(modules) == []


def test_the_check_sees_a_heavy_import(tmp_path):
    """A plugin that imports a heavy module at once is caught: the record is complete."""
    site = plugin_site(tmp_path, "eager", "import psutil\n")
    out, modules = _imported_by(["--help"], tmp_path, (site,), CRM_PLUGINS="eager")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "crm_eager_plugin" in modules
    assert "psutil" in _heavy(modules)


def test_the_public_api_imports_each_name_from_its_home_on_first_use():
    """``crmcore.api`` imports its names lazily; each is the very object of its home module."""
    import importlib

    import crmcore.api as api

    for name, target in api._LAZY.items():
        module, _, attribute = target.partition(":")
        assert getattr(api, name) is getattr(importlib.import_module(module), attribute or name)
    assert set(api.__all__) <= set(dir(api))
    with pytest.raises(AttributeError):
        api.no_such_name  # noqa: B018


#: Not needed by a command on a database whose schema is current: the migration tool (and its
#: templates), the manifests' validator, and the encryption library (no secret is read).
NOT_ON_A_CURRENT_SCHEMA = {"alembic", "mako", "jsonschema", "cryptography"}


def _not_needed(modules: set[str]) -> list[str]:
    return sorted(m for m in modules
                  if any(m == h or m.startswith(h + ".") for h in NOT_ON_A_CURRENT_SCHEMA))


def test_a_command_on_a_current_schema_loads_no_migration_tool_nor_validator(tmp_path,
                                                                             database_url):
    """``crm contacts list`` (the real command, default plugins) checks the schema with plain SQL;
    the heads (found by Alembic once) and the manifests' validity come from CRM_HOME's cache."""
    url = {"CRM_DATABASE_URL": database_url}
    for args in (["init", "--admin", "ann"], ["extensions", "install", "-y", "contacts"]):
        out, _ = _imported_by(args, tmp_path, **url)
        assert out.returncode == 0, out.stderr[-2000:]
    # the install recorded the heads Alembic found: not even the first command after it loads it
    for _ in range(2):
        out, modules = _imported_by(["contacts", "list"], tmp_path, **url)
        assert out.returncode == 0, out.stderr[-2000:]
        assert "crm_contacts.cli" in modules and "crmcore.migrations.status" in modules
        assert _not_needed(modules) == []


def test_the_cached_check_still_refuses_an_out_of_date_schema(tmp_path, database_url):
    """With the cache warm, a lineage one revision behind is refused as before, naming the fix."""
    from crmcore.app import CRM
    from crmcore.config import Settings
    from crmcore.migrations.runner import extension_lineages, stamp_lineage
    from crmcore.plugins import PluginHost

    url = {"CRM_DATABASE_URL": database_url}
    for args in (["init", "--admin", "ann"], ["extensions", "install", "-y", "contacts"]):
        out, _ = _imported_by(args, tmp_path, **url)
        assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "home" / "cache" / "lineage-heads").read_text().count("\n") >= 2
    crm = CRM(Settings(home=tmp_path / "home", database_url=database_url),
              plugins=PluginHost(only={"contacts"}))
    try:
        contacts = extension_lineages(crm)["contacts"]
        behind = contacts.script().get_revision(contacts.head()).down_revision
        stamp_lineage(crm.engine, contacts, behind)  # one revision behind the head
    finally:
        crm.close()
    out, modules = _imported_by(["contacts", "list"], tmp_path, **url)
    assert out.returncode != 0
    assert "contacts: 1 revision(s) pending" in out.stderr + out.stdout
    assert "crm db upgrade" in out.stderr + out.stdout


def test_after_an_upgrade_the_next_command_loads_no_migration_tool(tmp_path, database_url):
    """An upgrade (new revision files: a cold cache) records the heads it reached."""
    from crmcore.app import CRM
    from crmcore.config import Settings
    from crmcore.migrations.runner import downgrade_lineage, extension_lineages
    from crmcore.plugins import PluginHost

    url = {"CRM_DATABASE_URL": database_url}
    for args in (["init", "--admin", "ann"], ["extensions", "install", "-y", "contacts"]):
        out, _ = _imported_by(args, tmp_path, **url)
        assert out.returncode == 0, out.stderr[-2000:]
    crm = CRM(Settings(home=tmp_path / "home", database_url=database_url),
              plugins=PluginHost(only={"contacts"}))
    try:
        contacts = extension_lineages(crm)["contacts"]
        downgrade_lineage(crm.engine, contacts, contacts.script().get_revision(
            contacts.head()).down_revision)  # one revision behind, for real
    finally:
        crm.close()
    (tmp_path / "home" / "cache" / "lineage-heads").unlink()  # as after new revision files
    out, _ = _imported_by(["db", "upgrade", "--no-backup"], tmp_path, **url)
    assert out.returncode == 0, out.stderr[-2000:]
    out, modules = _imported_by(["contacts", "list"], tmp_path, **url)
    assert out.returncode == 0, out.stderr[-2000:]
    assert _not_needed(modules) == []
