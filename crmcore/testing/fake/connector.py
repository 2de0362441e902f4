"""The fake connector: Contacts <-> :class:`crmcore.testing.fake.remote.FakeRemote`.

A complete connector written against the public contract only (it imports :mod:`crmcore.api`):
HTTP Basic by default (``FakeConnector.auth`` may be swapped for an API key or none), sync-token
cursors, ETag versions with ``If-Match``, per-record refusals, 409 conflicts on a taken email and
a consent field the remote owns. The engine's own tests run over it, and so does the conformance
suite (:mod:`crmcore.testing.conformance`), which it passes.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from crmcore.api import (OMIT, STALE, ApiClient, ApiError, Connector, ConnectorSession,
                         CursorInvalid, FieldSpec, HttpBasic, RemotePage, RemoteRecord,
                         RemoteWrite, Transform, WriteOutcome)

from crmcore.testing.fake.remote import FIELDS

NAME = "fake"
REVOKED = "revoked"


class ConsentFlag(Transform):
    """CRM ``email_opt_out`` (bool) <-> remote ``consent``: the remote owns consent, so the CRM
    only ever revokes it (an opt-out), never grants it back."""

    name = "consent-flag"
    crm_types = ("boolean",)
    remote_types = ("string",)

    def to_remote(self, value: Any):
        return (REVOKED,) if value else OMIT

    def to_crm(self, values: tuple[Any, ...], current: Any = None) -> bool:
        return values[0] == REVOKED

    def key_from_crm(self, value: Any) -> bool:
        return bool(value)

    def key_from_remote(self, values: tuple[Any, ...]) -> bool:
        return values[0] == REVOKED


DEFAULT_MAPPING = {
    "module": "contacts", "connector": NAME,
    "description": "Names, email, phone, company and title; consent owned by the remote.",
    "fields": [
        {"crm": "first_name", "remote": "given_name"},
        {"crm": "last_name", "remote": "family_name"},
        {"crm": "email", "remote": "email"},
        {"crm": "office_phone", "remote": "phone"},
        {"crm": "organization", "remote": "company"},
        {"crm": "title", "remote": "title"},
        {"crm": "email_opt_out", "remote": "consent", "transform": "consent-flag"},
    ],
}


class FakeConnector(Connector):
    """Contacts <-> the fake remote's records."""

    name = NAME
    label = "Fake Service"
    module = "contacts"
    extension = NAME
    auth = HttpBasic()
    fields = [FieldSpec("email", "Email", type="email", max_length=FIELDS["email"], mandatory=True),
              FieldSpec("given_name", "Given name", max_length=FIELDS["given_name"]),
              FieldSpec("family_name", "Family name", max_length=FIELDS["family_name"]),
              FieldSpec("phone", "Phone", max_length=FIELDS["phone"]),
              FieldSpec("company", "Company", max_length=FIELDS["company"]),
              FieldSpec("title", "Title", max_length=FIELDS["title"]),
              FieldSpec("consent", "Consent")]
    email_field = "email"
    transforms = {"consent-flag": ConsentFlag()}
    consent_fields = ("consent",)
    write_batch_size = 100

    @property
    def default_mapping(self) -> dict[str, Any]:  # type: ignore[override]
        import copy

        return copy.deepcopy(DEFAULT_MAPPING)

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> str | None:
        """The remote's ``{"message": ...}``."""
        import json

        try:
            found = json.loads(body or b"null")
        except ValueError:
            return None
        message = found.get("message") if isinstance(found, dict) else None
        return message if isinstance(message, str) else None

    def open(self, api: ApiClient, options: dict[str, Any]) -> ConnectorSession:
        return FakeSession(api)


def _record(data: dict[str, Any]) -> RemoteRecord:
    return RemoteRecord(remote_id=str(data["id"]), values={k: data.get(k) for k in FIELDS},
                        updated_at=datetime.fromisoformat(data["updated_at"]),
                        deleted=bool(data.get("deleted")), version=str(data["version"]))


class FakeSession(ConnectorSession):
    """One run against the fake remote."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def test_connection(self) -> None:
        """``GET /ping``."""
        self.api.get("ping")

    def read_changes(self, cursor: str | None, fields: Sequence[str]) -> Iterator[RemotePage]:
        """``GET /records?token=...``; 410 Gone means the token expired."""
        params = {"token": cursor} if cursor is not None else None
        answer = self.api.request("GET", "records", params=params, expect=(410,), raw=True)
        if answer.status == 410:
            raise CursorInvalid("the sync token expired")
        data = answer.json()
        while True:
            records = [_record(r) for r in data["records"]]
            yield RemotePage(records, cursor=data.get("token"))
            if not data.get("next"):
                return
            data = self.api.get(data["next"])

    def read_many(self, remote_ids: Sequence[str]) -> dict[str, RemoteRecord]:
        found = {}
        for rid in dict.fromkeys(remote_ids):
            data = self.api.request("GET", f"records/{rid}", expect=(404,), raw=True)
            if data.status == 200:
                found[rid] = _record(data.json())
        return found

    def write(self, writes: Sequence[RemoteWrite]) -> list[WriteOutcome]:
        return [self._write_one(w) for w in writes]

    def _write_one(self, w: RemoteWrite) -> WriteOutcome:
        headers = {"If-Match": f'"{w.version}"'} if w.version and w.remote_id else None
        method, path = ("PUT", f"records/{w.remote_id}") if w.remote_id else ("POST", "records")
        answer = self.api.request(method, path, json=w.values, headers=headers, raw=True,
                                  expect=(400, 404, 409, 412))
        body = answer.json() if answer.body else {}
        if answer.status == 412:
            return WriteOutcome(w.key, remote_id=w.remote_id, stale=True)
        if answer.status == 409 and w.remote_id is None and body.get("conflict"):
            return WriteOutcome(w.key, conflict_remote_id=str(body["conflict"]))
        if answer.status >= 400:
            return WriteOutcome(w.key, remote_id=w.remote_id,
                                error=f"the fake remote refused it: {body.get('message')}")
        record = _record(body)
        return WriteOutcome(w.key, remote_id=record.remote_id, record=record)

    def delete(self, remote_ids: Sequence[str],
               versions: dict[str, str] | None = None) -> dict[str, str | None]:
        result: dict[str, str | None] = {}
        for rid in dict.fromkeys(remote_ids):
            version = (versions or {}).get(rid)
            headers = {"If-Match": f'"{version}"'} if version else None
            try:
                answer = self.api.request("DELETE", f"records/{rid}", headers=headers, raw=True,
                                          expect=(404, 412))
            except ApiError as exc:
                result[rid] = exc.message
                continue
            result[rid] = STALE if answer.status == 412 else None
        return result
