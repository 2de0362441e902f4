"""Real CardDAV servers for the tests: Radicale and Xandikos, each a separate process on a free
loopback port with a temporary storage folder (test dependencies, used as servers only)."""
from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from crm_carddav.dav import Send

USER, PASSWORD = "alice", "s3cret-app-password"
MAX_BODY = 9000  # Radicale's request size limit here: a card with a long note is refused (413)
MKCOL = ('<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" '
         'xmlns:c="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/>'
         '<c:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running server: ``root`` (scheme, host, port), its user's home of address books."""

    kind: str
    root: str
    home: str
    process: subprocess.Popen
    auth: tuple[str, str] = (USER, PASSWORD)

    def new_book(self) -> str:
        """A fresh, empty address book (extended MKCOL, RFC 5689); returns its URL."""
        url = f"{self.root}{self.home}{uuid.uuid4().hex[:12]}/"
        resp = requests.request("MKCOL", url, data=MKCOL, auth=self.auth, timeout=30,
                                headers={"Content-Type": "application/xml"})
        assert resp.status_code == 201, (resp.status_code, resp.text)
        return url

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


_RUNNING: dict[str, tuple[Server, Path]] = {}


def running(kind: str) -> Server:
    """One server of each kind per test process (each test makes a fresh address book in it),
    started on first use; :func:`stop_all` (at the end of the session) stops it."""
    if kind not in _RUNNING:
        folder = Path(tempfile.mkdtemp(prefix=f"crm-{kind}-"))
        _RUNNING[kind] = start(kind, folder), folder
        atexit.register(stop_all)  # a process that ends without the session's end (no-op after)
    return _RUNNING[kind][0]


def stop_all() -> None:
    """Stop the servers :func:`running` started and remove their folders."""
    while _RUNNING:
        server, folder = _RUNNING.popitem()[1]
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def start(kind: str, folder: Path, attempts: int = 3, max_body: int | None = MAX_BODY) -> Server:
    """Start a server on a free port (another port when someone else took that one meanwhile);
    ``max_body``: Radicale's request size limit in bytes (None: its default)."""
    for attempt in range(attempts):
        try:
            return _start(kind, folder, max_body)
        except RuntimeError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _start(kind: str, folder: Path, max_body: int | None) -> Server:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / "server.log", "wb")
    if kind == "radicale":
        users = folder / "users"
        users.write_text(f"{USER}:{PASSWORD}\n")
        cmd = [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
               "--storage-filesystem-folder", str(folder / "storage"), "--auth-type", "htpasswd",
               "--auth-htpasswd-filename", str(users), "--auth-htpasswd-encryption", "plain",
               "--logging-level", "warning"]
        cmd += ["--server-max-content-length", str(max_body)] if max_body else []
        home = f"/{USER}/"
    else:  # xandikos: no authentication of its own (it expects a proxy); one user at /user/
        exe = Path(sys.executable).with_name("xandikos")
        cmd = [str(exe), "-d", str(folder / "storage"), "-p", str(port), "-l", "127.0.0.1", "--defaults"]
        home = "/user/contacts/"
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    root = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            resp = requests.request("PROPFIND", root + home, auth=(USER, PASSWORD), timeout=2,
                                    headers={"Depth": "0"})
            time.sleep(0.1)
            if resp.status_code != 207 or proc.poll() is not None:  # not ours: the port was taken
                proc.kill()
                raise RuntimeError(f"{kind} could not listen on port {port}")
            return Server(kind, root, home, proc)
        except requests.ConnectionError:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} did not start: {(folder / 'server.log').read_text()}")
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{kind} did not listen on port {port}")


def requests_sender(session: Any, auth: tuple[str, str] | None = None, timeout: float = 30) -> Send:
    """A ``send`` over a ``requests.Session`` (redirects not followed: discovery follows them)."""
    def send(method: str, url: str, headers: dict[str, str], body: bytes | None) -> requests.Response:
        resp = session.request(method, url, headers=headers, data=body, auth=auth,
                               allow_redirects=False, timeout=timeout)
        resp.status, resp.body = resp.status_code, resp.content
        return resp
    return send
