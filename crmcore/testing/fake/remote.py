"""An in-memory address book served over loopback HTTP: the remote the fake connector talks to.

A small JSON API with the features a real service has and a connector must handle, so the
conformance suite can exercise them for real (over sockets, through :class:`crmcore.http.ApiClient`):

- ``GET /ping``: 200 when the credentials are right (401 otherwise);
- ``GET /records?token=T&limit=N``: changes since sync token ``T`` (all live records without one),
  deleted ones as tombstones, in pages (``next`` link); the last page carries the new ``token``.
  A token older than :meth:`FakeRemote.expire_tokens` answers 410 Gone;
- ``GET /records/{id}``: one record with its ``ETag``; 404 when unknown;
- ``POST /records``: create; 409 ``{"conflict": id}`` when the email is taken (deleted included);
  400 ``{"message": ...}`` when a value is refused (no email, too long, ``refuse`` in it);
- ``PUT /records/{id}`` and ``DELETE /records/{id}`` with ``If-Match``: 412 when the record's
  version differs; a PUT on a deleted record revives it.

Authentication is one of ``basic`` (username/password), ``apikey`` (``X-Api-Key`` header) or
``none``. Tests edit the remote directly with :meth:`create`, :meth:`update`, :meth:`delete`.
"""
from __future__ import annotations

import base64
import itertools
import json
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIELDS = {"email": 80, "given_name": 50, "family_name": 50, "phone": 25, "company": 50,
          "title": 50, "consent": 20}
CONSENT_VALUES = ("granted", "revoked", "unknown")


@dataclass
class Stored:
    """A record as the remote keeps it."""

    id: str
    values: dict[str, Any]
    version: int = 1
    updated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    deleted: bool = False
    seq: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.values, "version": str(self.version),
                "updated_at": self.updated_at.isoformat(), "deleted": self.deleted}


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (a timeout, a closed connection) is no error of the server's: it
    is not printed, so it never mixes into the output of the command under test."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FakeRemote:
    """The remote's state and its HTTP server (``start`` / ``stop``, or ``with``)."""

    def __init__(self, auth: str = "basic", username: str = "ada", password: str = "secret-pw",
                 api_key: str = "key-123", page_size: int = 50) -> None:
        self.auth = auth
        self.username, self.password, self.api_key = username, password, api_key
        self.page_size = page_size
        self.records: dict[str, Stored] = {}
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self.seq = 0
        self.oldest_valid = 0  # sync tokens below this answer 410
        self.requests: list[str] = []
        self.fail_next: list[tuple[str, int]] = []  # (method, status) answered once
        self.stale_next = 0  # writes that meet a concurrent edit first (412)
        self._server: ThreadingHTTPServer | None = None

    # -- the store, for tests ------------------------------------------------------------------

    def _touch(self, record: Stored) -> None:
        self.seq += 1
        record.seq = self.seq
        record.version += 1
        now = datetime.now(timezone.utc)
        record.updated_at = max(now, record.updated_at + timedelta(microseconds=1))

    def create(self, **values: Any) -> str:
        """Add a record as if made on the remote side; returns its id."""
        with self.lock:
            rid = f"r{next(self._ids)}"
            record = Stored(rid, {k: values.get(k) for k in FIELDS}, version=0)
            self._touch(record)
            self.records[rid] = record
            return rid

    def update(self, rid: str, **values: Any) -> None:
        """Change a record as if edited on the remote side."""
        with self.lock:
            record = self.records[rid]
            record.values.update(values)
            record.deleted = False
            self._touch(record)

    def delete(self, rid: str) -> None:
        """Delete a record as if deleted on the remote side (a tombstone stays)."""
        with self.lock:
            record = self.records[rid]
            record.deleted = True
            self._touch(record)

    def live(self) -> dict[str, dict[str, Any]]:
        """Live records by id: their values."""
        with self.lock:
            return {r.id: dict(r.values) for r in self.records.values() if not r.deleted}

    def expire_tokens(self) -> None:
        """Every sync token given so far becomes invalid (410 Gone)."""
        with self.lock:
            self.oldest_valid = self.seq + 1

    # -- HTTP ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the remote first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeRemote":
        remote = self

        class Handler(_Handler):
            pass

        Handler.remote = remote
        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeRemote":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def authorised(self, headers: Any) -> bool:
        if self.auth == "none":
            return True
        if self.auth == "apikey":
            return headers.get("X-Api-Key") == self.api_key
        given = headers.get("Authorization") or ""
        if not given.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(given[6:]).decode().partition(":")
        except ValueError:
            return False
        return (user, password) == (self.username, self.password)

    def refusal(self, values: dict[str, Any]) -> str | None:
        if not values.get("email"):
            return "email is required"
        for name, limit in FIELDS.items():
            value = values.get(name)
            if isinstance(value, str) and len(value) > limit:
                return f"{name} is longer than {limit}"
            if isinstance(value, str) and "refuse" in value:
                return f"{name} holds a refused word"
        if values.get("consent") not in (None, *CONSENT_VALUES):
            return f"consent {values.get('consent')!r} is not one of {', '.join(CONSENT_VALUES)}"
        return None

    def email_owner(self, email: str, but: str | None = None) -> str | None:
        wanted = (email or "").strip().casefold()
        return next((r.id for r in self.records.values()
                     if r.id != but and (r.values.get("email") or "").strip().casefold() == wanted),
                    None)


class _Handler(BaseHTTPRequestHandler):
    remote: FakeRemote
    protocol_version = "HTTP/1.1"
    # the headers and the body go out as two writes on a kept-alive connection: with Nagle's
    # algorithm the body would wait for the client's delayed ACK (about 40 ms a request)
    disable_nagle_algorithm = True

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else None

    def _handle(self, method: str) -> None:
        remote = self.remote
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body = self._body() if method in ("POST", "PUT") else None
        remote.requests.append(f"{method} {parts.path}")
        for index, (fail_method, status) in enumerate(remote.fail_next):
            if fail_method == method:
                del remote.fail_next[index]
                return self._send(status, {"message": f"injected {status}"})
        if not remote.authorised(self.headers):
            return self._send(401, {"message": "bad credentials"})
        segments = [s for s in parts.path.split("/") if s]
        with remote.lock:
            if segments == ["ping"] and method == "GET":
                return self._send(200, {"service": "fake", "records": len(remote.records)})
            if segments == ["records"] and method == "GET":
                return self._list(query)
            if segments == ["records"] and method == "POST":
                return self._create(body or {})
            if len(segments) == 2 and segments[0] == "records":
                record = remote.records.get(segments[1])
                if record is None:
                    return self._send(404, {"message": f"no record {segments[1]}"})
                if method == "GET":
                    return self._send(200, record.as_json(), {"ETag": f'"{record.version}"'})
                match = self.headers.get("If-Match")
                if remote.stale_next and method in ("PUT", "DELETE"):
                    remote.stale_next -= 1
                    remote.update(record.id, given_name=(record.values.get("given_name") or "")
                                  + " (edited)")
                if match and match.strip('"') != str(record.version):
                    return self._send(412, {"message": "the record changed since it was read"})
                if method == "PUT":
                    return self._update(record, body or {})
                if method == "DELETE":
                    if not record.deleted:
                        remote.delete(record.id)
                    return self._send(204)
        return self._send(404, {"message": "no such endpoint"})

    def _list(self, query: dict[str, str]) -> None:
        remote = self.remote
        token = query.get("token")
        since = 0
        if token is not None:
            try:
                since = int(token)
            except ValueError:
                return self._send(400, {"message": "bad token"})
            if since < remote.oldest_valid - 1 or since > remote.seq:
                return self._send(410, {"message": "sync token expired"})
        offset = int(query.get("offset") or 0)
        limit = int(query.get("limit") or remote.page_size)
        changed = sorted((r for r in remote.records.values()
                          if r.seq > since and (token is not None or not r.deleted)),
                         key=lambda r: r.seq)
        page = changed[offset:offset + limit]
        more = offset + limit < len(changed)
        answer: dict[str, Any] = {"records": [r.as_json() for r in page]}
        if more:
            nxt = f"/records?offset={offset + limit}&limit={limit}"
            answer["next"] = nxt + (f"&token={token}" if token is not None else "")
        else:
            answer["token"] = str(remote.seq)
        return self._send(200, answer)

    def _create(self, values: dict[str, Any]) -> None:
        remote = self.remote
        values = {k: values.get(k) for k in FIELDS}
        problem = remote.refusal(values)
        if problem:
            return self._send(400, {"message": problem})
        owner = remote.email_owner(values["email"])
        if owner is not None:
            return self._send(409, {"message": "email taken", "conflict": owner})
        rid = remote.create(**values)
        record = remote.records[rid]
        return self._send(201, record.as_json(), {"ETag": f'"{record.version}"'})

    def _update(self, record: Stored, values: dict[str, Any]) -> None:
        remote = self.remote
        merged = {**record.values, **{k: v for k, v in values.items() if k in FIELDS}}
        problem = remote.refusal(merged)
        if problem:
            return self._send(400, {"message": problem})
        owner = remote.email_owner(merged["email"], but=record.id)
        if owner is not None:
            return self._send(409, {"message": "email taken", "conflict": owner})
        remote.update(record.id, **merged)
        return self._send(200, record.as_json(), {"ETag": f'"{record.version}"'})

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")
