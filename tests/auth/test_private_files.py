"""Private files: a home the command creates is 0700, its SQLite file and key 0600; an exposed key
is refused with the chmod to run; the client secret comes from standard input; a lost key has a
way out (--reset-secrets) that does not need it."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlmodel import select

from crmcore.auth.models import CONFIGURED, Connection
from crmcore.secrets import Vault

from .conftest import store_token


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _crm(args: list[str], environ: dict[str, str], input: str | None = None):
    exe = shutil.which("crm", path=str(Path(sys.executable).parent))
    return subprocess.run([exe, *args], input=input, capture_output=True, text=True, env=environ,
                          timeout=120, preexec_fn=lambda: os.umask(0o022))


def _plain_environ(home: Path, database_url: str | None) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    environ.update(CRM_HOME=str(home), CRM_PLUGINS="")
    if database_url and not database_url.startswith("sqlite"):
        environ["CRM_DATABASE_URL"] = database_url
    return environ


def test_a_home_the_command_creates_is_private(database_url, tmp_path):
    home = tmp_path / "new" / "crm-home"
    environ = _plain_environ(home, database_url)
    out = _crm(["init", "--admin", "alice"], environ)
    assert out.returncode == 0, out.stderr
    assert _mode(home) == 0o700
    assert _mode(home / "secret.key") == 0o600
    if database_url.startswith("sqlite"):
        for name in ("crm.sqlite", "crm.sqlite-wal", "crm.sqlite-shm"):
            if (home / name).exists():
                assert _mode(home / name) == 0o600, name


def test_a_key_file_others_can_read_is_refused_with_the_chmod_to_run(database_url, tmp_path):
    home = tmp_path / "home"
    environ = _plain_environ(home, database_url)
    assert _crm(["init", "--admin", "alice"], environ).returncode == 0
    key = home / "secret.key"
    for mode in (0o644, 0o640, 0o604):
        key.chmod(mode)
        out = _crm(["init", "--admin", "alice"], environ)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert f"accessible by others (mode {mode:04o})" in out.stderr
        assert f"Run 'chmod 600 {key}'" in out.stderr
    key.chmod(0o600)
    assert _crm(["init", "--admin", "alice"], environ).returncode == 0


def _connection(env) -> Connection:
    crm = env.crm()
    try:
        with crm.session() as session:
            return session.exec(select(Connection)).one()
    finally:
        crm.close()


def test_configure_reads_the_client_secret_from_standard_input(env):
    run = dict(PYTHONPATH=env.pythonpath, CRM_DEMO_SERVER=env.sandbox.base_url)
    secret = env.sandbox.client_secret
    out = env.run(["sync", "configure", "demo", "--client-id", env.sandbox.client_id,
                   "--redirect-uri", env.redirect_uri], input=secret + "\n", **run)
    assert out.returncode == 0, out.stderr
    assert secret not in out.stdout + out.stderr
    row = _connection(env)
    assert Vault(env.secret_key.encode()).decrypt(row.client_secret_enc) == secret
    # saved: later changes need no secret, and '-' replaces it from standard input
    out = env.run(["sync", "configure", "demo", "--scopes", "contact_data offline_access"], **run)
    assert out.returncode == 0, out.stderr
    out = env.run(["sync", "configure", "demo", "--client-secret", "-"], input="another-secret\n",
                  **run)
    assert out.returncode == 0, out.stderr
    assert Vault(env.secret_key.encode()).decrypt(_connection(env).client_secret_enc) == "another-secret"


def test_a_lost_key_is_recovered_with_reset_secrets_without_the_old_key(env):
    store_token(env)  # configured and signed in under the test's key (CRM_SECRET_KEY)
    run = dict(PYTHONPATH=env.pythonpath, CRM_DEMO_SERVER=env.sandbox.base_url)
    lost = dict(run, CRM_SECRET_KEY="")  # the key is gone: no variable, no key file yet
    out = env.run(["sync", "authorize", "demo", "--no-browser"], **lost)
    assert out.returncode == 1 and "No secret key" in out.stderr
    assert "--reset-secrets" in out.stderr
    out = env.run(["sync", "configure", "demo", "--reset-secrets"],
                  input=env.sandbox.client_secret + "\n", **lost)
    assert out.returncode == 0, out.stderr
    assert "Dropped the saved client secret and sign-in (--reset-secrets)" in out.stdout
    key_file = env.home / "secret.key"
    assert _mode(key_file) == 0o600 and _mode(env.home) == 0o700
    row = _connection(env)
    assert row.state == CONFIGURED and row.token_enc is None
    new_key = key_file.read_bytes().strip()
    assert Vault(new_key).decrypt(row.client_secret_enc) == env.sandbox.client_secret
    out = env.run(["init", "--admin", "admin"], **lost)  # the key check follows the new key
    assert out.returncode == 0, out.stderr
    # a replaced key (another value in CRM_SECRET_KEY) takes the same way out
    replaced = dict(run, CRM_SECRET_KEY=Fernet.generate_key().decode())
    out = env.run(["sync", "configure", "demo", "--scopes", "contact_data"], **replaced)
    assert out.returncode == 1 and "cannot be decrypted" in out.stderr
    assert "--reset-secrets" in out.stderr
    out = env.run(["sync", "configure", "demo", "--reset-secrets", "--client-secret", "-"],
                  input=env.sandbox.client_secret + "\n", **replaced)
    assert out.returncode == 0, out.stderr
