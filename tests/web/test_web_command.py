"""The commands a person types: ``crm web`` and ``crm demo --web``, as real subprocesses."""
from __future__ import annotations

import re
import subprocess
import time

import pytest
import requests

from crm_constant_contact.rehearsal import free_port


def _start(env, args):
    import shutil
    import sys
    from pathlib import Path

    exe = shutil.which("crm", path=str(Path(sys.executable).parent))
    return subprocess.Popen([exe, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _wait_for(url: str, process, timeout: float = 60.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            return requests.get(url, timeout=2, allow_redirects=False)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")


def _login(base: str, name: str, password: str) -> requests.Session:
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{base}/login").text).group(1)
    answer = http.post(f"{base}/login", data={"name": name, "password": password,
                                              "csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return http


def test_crm_web_serves_the_app(make_crm_env):
    env = make_crm_env("contacts")
    assert env.invoke(["users", "set-password", "admin"], input="admin-password-9\n").exit_code == 0
    port = free_port()
    process = _start(env.environ(), ["web", "--port", str(port)])
    try:
        first = _wait_for(f"http://127.0.0.1:{port}/contacts", process)
        assert first.status_code == 302 and "/login" in first.headers["Location"]
        assert first.headers["X-Frame-Options"] == "DENY"
        cookie_rules = requests.get(f"http://127.0.0.1:{port}/login").headers["Set-Cookie"]
        assert "HttpOnly" in cookie_rules and "SameSite=Lax" in cookie_rules
        http = _login(f"http://127.0.0.1:{port}", "admin", "admin-password-9")
        assert "User level Connectors" in http.get(f"http://127.0.0.1:{port}/sync").text
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.slow
def test_crm_demo_web_serves_the_demo_with_its_runs(tmp_path):
    import os

    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(CRM_HOME=str(tmp_path / "home"), CRM_SECRET_KEY=Fernet.generate_key().decode(),
               CRM_PLUGINS="contacts,constant-contact")
    port = free_port()
    process = _start(env, ["demo", "--web", "--port", str(port)])
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
            if line.startswith("Web application:"):
                break
        found = re.search(r"(http://\S+)/ +\(log in as '(\w+)' with password '([^']+)'\)", lines[-1])
        base, name, password = found.groups()
        _wait_for(f"{base}/login", process)
        http = _login(base, name, password)
        window = http.get(f"{base}/sync").text
        assert 'data-state="signed in"' in window and "last run success" in window
        log = http.get(f"{base}/sync/constant-contact/log").text
        assert "/sync/constant-contact/log/2" in log and "/sync/constant-contact/log/1" in log
    finally:
        process.terminate()
        process.wait(10)
