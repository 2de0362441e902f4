"""pytest fixtures for the core, the bundled plugins and third-party plugins.

Loaded with ``-p crmcore.testing.fixtures`` (the project's pytest settings do it). Every test that
uses ``crm_env`` runs once on a fresh SQLite file and, when ``CRM_TEST_DATABASE_URL`` is set, once
more on PostgreSQL (in a schema of its own, dropped afterwards). No test loads installed plugins
unless it names them: ``CRM_PLUGINS`` is set to exactly what the test asks for.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from crmcore.app import CRM
from crmcore.cli import build_cli
from crmcore.config import Settings
from crmcore.initialise import initialise
from crmcore.plugins import PluginHost

PG_ENV = "CRM_TEST_DATABASE_URL"

# the conformance suite's checks report like any test's asserts
pytest.register_assert_rewrite("crmcore.testing.conformance", "crmcore.testing.conformance_world")


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


@pytest.fixture(autouse=True)
def _no_stray_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless a test asks, no installed plugin loads and no user setting leaks in."""
    monkeypatch.setenv("CRM_PLUGINS", "")
    for name in ("CRM_USER", "CRM_DATABASE_URL", "CRM_SECRET_KEY", "CRM_TRACE_HOOKS"):
        monkeypatch.delenv(name, raising=False)


@contextmanager
def fresh_database(backend_of: str, where: Path) -> Iterator[str]:
    """A new, empty database on the backend of the URL ``backend_of``: a SQLite file in
    ``where``, or a PostgreSQL schema of its own (dropped afterwards)."""
    if backend_of.startswith("sqlite"):
        yield f"sqlite:///{where / 'crm.sqlite'}"
        return
    base = os.environ[PG_ENV]
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base[len("postgresql://"):]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test: SQLite, or PostgreSQL in a new schema."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@dataclass
class CrmEnv:
    """An isolated CRM: its home, database, key and the plugins it loads (by entry-point name)."""

    home: Path
    database_url: str
    secret_key: str
    plugins: tuple[str, ...]
    extra_plugins: tuple[object, ...] = ()  # plugin objects registered directly (in-process only)

    def environ(self, **extra: str) -> dict[str, str]:
        """The environment of a ``crm`` subprocess: this one's without ``CRM_*`` variables, then
        this CRM's home, database, key and plugins, then ``extra``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        env.update(CRM_HOME=str(self.home), CRM_DATABASE_URL=self.database_url,
                   CRM_SECRET_KEY=self.secret_key, CRM_PLUGINS=",".join(self.plugins))
        env.update(extra)
        return env

    def crm(self) -> CRM:
        """A CRM object on this environment, as a command would build it."""
        host = PluginHost(plugins=self.extra_plugins, only=set(self.plugins))
        return CRM(Settings(home=self.home, database_url=self.database_url), plugins=host)

    def unthrottle(self, connector_name: str) -> int:
        """Take the client-side rate limit off every saved connection of ``connector_name`` in
        this CRM (``rate_per_second`` None, see :func:`crmcore.api.set_http_options`): a local
        fake or sandbox publishes no limit, and the connector's default of a few requests a
        second would make a test of a few hundred single-record writes a minute of waiting.
        Returns how many connections there were."""
        from sqlmodel import select

        from crmcore.api import set_http_options
        from crmcore.auth.models import Connection

        crm = self.crm()
        try:
            with crm.session() as session:
                ids = list(session.exec(select(Connection.id).where(
                    Connection.connector == connector_name)))
            for connection_id in ids:
                set_http_options(crm, connection_id, rate_per_second=None)
        finally:
            crm.close()
        return len(ids)

    def invoke(self, args: Sequence[str], input: str | None = None, user: str | None = None,
               **env: str) -> Result:
        """Run ``crm ARGS`` in this process (fast); output and exit code in the result."""
        environ = self.environ(**env)
        if user:
            environ["CRM_USER"] = user
        old = {k: os.environ.get(k) for k in environ}
        os.environ.update(environ)
        try:
            crm = self.crm()
            try:
                return CliRunner().invoke(build_cli(crm), list(args), input=input,
                                          prog_name="crm", catch_exceptions=False)
            finally:
                crm.close()
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def run(self, args: Sequence[str], input: str | None = None, timeout: float = 120,
            **env: str) -> subprocess.CompletedProcess:
        """Run the real ``crm`` command in a subprocess."""
        exe = shutil.which("crm", path=str(Path(sys.executable).parent)) or "crm"
        return subprocess.run([exe, *args], input=input, capture_output=True, text=True,
                              env=self.environ(**env), timeout=timeout)


@pytest.fixture
def crm_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CrmEnv:
    """An initialised CRM (admin ``admin``) loading the plugins named by ``crm_plugins``."""
    return make_env(database_url, tmp_path, monkeypatch, plugins=())


def make_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             plugins: Sequence[str], extra: Sequence[object] = ()) -> CrmEnv:
    """An initialised :class:`CrmEnv` on ``database_url`` with its home in ``tmp_path``."""
    env = CrmEnv(home=tmp_path / "home", database_url=database_url,
                 secret_key=Fernet.generate_key().decode(), plugins=tuple(plugins),
                 extra_plugins=tuple(extra))
    monkeypatch.setenv("CRM_SECRET_KEY", env.secret_key)
    monkeypatch.setenv("CRM_PLUGINS", ",".join(plugins))
    crm = env.crm()
    try:
        initialise(crm, "admin")
    finally:
        crm.close()
    return env


@pytest.fixture
def make_crm_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Factory: ``make_crm_env("contacts", "constant-contact")`` -> an initialised :class:`CrmEnv`
    loading exactly those plugins (entry-point names), plus plugin objects given as ``extra``."""

    def factory(*plugins: str, extra: Sequence[object] = ()) -> CrmEnv:
        return make_env(database_url, tmp_path, monkeypatch, plugins, extra)

    return factory


def plugin_site(where: Path, name: str, source: str) -> Path:
    """A folder to put on PYTHONPATH holding a plugin ``name`` as an installed distribution
    would declare it (``crm-<name>`` with a ``[crm]`` entry point to module
    ``crm_<name>_plugin``, whose code is ``source``), for a real ``crm`` run with
    ``CRM_PLUGINS=<name>``. Returns the folder (``where / "site"``)."""
    site = where / "site"
    dist = site / f"crm_{name}-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: crm-{name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[crm]\n{name} = crm_{name}_plugin\n")
    (site / f"crm_{name}_plugin.py").write_text(source)
    return site
