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
    site = tmp_path / "site"
    dist = site / "crm_eager-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: crm-eager\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[crm]\neager = crm_eager_plugin\n")
    (site / "crm_eager_plugin.py").write_text("import psutil\n")
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
