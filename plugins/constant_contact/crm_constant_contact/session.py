"""One run's work against the Constant Contact V3 API, over the core's authorised client.

Reads page through ``GET /contacts`` (500 a page, deleted contacts included, only the
sub-resources the mapping needs). Writes go one contact at a time for now; the hooks are
batch-shaped so large batches can move to the bulk activity endpoints without the engine changing.

Rate limits, the daily quota, server failures and re-authorization propagate from the client: the
engine stops the run cleanly. A record the API refuses (400, a 409 on a taken email, a contact
gone) becomes that record's ``WriteOutcome.error``.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from crmcore.http import ApiClient, ApiError, QuotaExhausted, RateLimited, TransientError
from crmcore.sync.connector import (ConnectorSession, RemotePage, RemoteRecord, RemoteWrite,
                                    WriteOutcome)

from crm_constant_contact import translate

PAGE_SIZE = 500
_STOP_RUN = (RateLimited, QuotaExhausted, TransientError)
_ALL_SUBRESOURCES = ["phone_numbers", "street_addresses"]


class ConstantContactSession(ConnectorSession):
    def __init__(self, api: ApiClient, target_list: str) -> None:
        self.api = api
        self.target_list = target_list
        self._list_id: str | None = None
        self._include = list(_ALL_SUBRESOURCES)  # narrowed by the first read_changes

    # -- reading ----------------------------------------------------------------------------------

    def read_changes(self, updated_after: datetime | None, fields: Sequence[str]) -> Iterator[RemotePage]:
        self._include = translate.includes_for(fields)
        params: dict[str, Any] = {"status": "all", "limit": PAGE_SIZE}
        if self._include:
            params["include"] = ",".join(self._include)
        if updated_after is not None:
            params["updated_after"] = translate.format_time(updated_after)
        data = self.api.get("contacts", params=params)
        while True:
            records = [translate.to_record(c) for c in data.get("contacts") or []]
            if records:
                yield RemotePage(records, high_water=max(r.updated_at for r in records))
            href = ((data.get("_links") or {}).get("next") or {}).get("href")
            if not href:
                return
            data = self.api.get(href)

    def read_many(self, remote_ids: Sequence[str]) -> dict[str, RemoteRecord]:
        found: dict[str, RemoteRecord] = {}
        for remote_id in dict.fromkeys(remote_ids):
            try:
                contact = self.api.get(f"contacts/{remote_id}", params=self._params(self._include))
            except ApiError as exc:
                if isinstance(exc, _STOP_RUN) or exc.status != 404:
                    raise
                continue
            found[remote_id] = translate.to_record(contact)
        return found

    # -- writing ----------------------------------------------------------------------------------

    def write(self, writes: Sequence[RemoteWrite]) -> list[WriteOutcome]:
        return [self._write_one(w) for w in writes]

    def _write_one(self, w: RemoteWrite) -> WriteOutcome:
        try:
            return self._create(w) if w.remote_id is None else self._update(w)
        except translate.TooMany as exc:
            return WriteOutcome(w.key, remote_id=w.remote_id, error=str(exc))
        except ApiError as exc:
            if isinstance(exc, _STOP_RUN):
                raise
            if exc.status == 409:
                owner = translate.conflict_id(exc.body)
                if w.remote_id is None and owner:
                    return WriteOutcome(w.key, conflict_remote_id=owner)
                email = w.values.get("email_address")
                return WriteOutcome(w.key, remote_id=w.remote_id, error=(
                    f"email {email} already belongs to another Constant Contact contact"
                    + (f" ({owner})" if owner else "")))
            if exc.status == 404 and w.remote_id is not None:
                return WriteOutcome(w.key, remote_id=w.remote_id,
                                    error="the contact no longer exists in Constant Contact")
            if exc.status in (400, 422):
                reason = translate.error_reason(exc.body, "Constant Contact refused the values")
                return WriteOutcome(w.key, remote_id=w.remote_id,
                                    error=f"Constant Contact refused it: {reason}")
            raise

    def _create(self, w: RemoteWrite) -> WriteOutcome:
        body = translate.body(w.values)
        body["create_source"] = "Account"
        body["list_memberships"] = [self.target_list_id()]
        stored = self.api.post("contacts", body)
        return WriteOutcome(w.key, remote_id=stored["contact_id"], record=_as_stored(stored, body))

    def _update(self, w: RemoteWrite) -> WriteOutcome:
        """GET then PUT the merge: PUT nulls omitted core fields, so unmapped ones are sent back
        as they are; consent is only ever lowered to unsubscribed (see ``translate.body``)."""
        path = f"contacts/{w.remote_id}"
        current = self.api.get(path, params=self._params(translate.needs_subresources(w.values)))
        body = translate.body(w.values, current)
        body["update_source"] = "Account"
        if current.get("deleted_at"):  # a revive: a contact on no list cannot be emailed
            body["list_memberships"] = [self.target_list_id()]
        stored = self.api.put(path, body)
        return WriteOutcome(w.key, remote_id=w.remote_id, record=_as_stored(stored, body))

    def delete(self, remote_ids: Sequence[str]) -> dict[str, str | None]:
        result: dict[str, str | None] = {}
        for remote_id in dict.fromkeys(remote_ids):
            try:
                self.api.delete(f"contacts/{remote_id}")
                result[remote_id] = None
            except ApiError as exc:
                if isinstance(exc, _STOP_RUN):
                    raise
                if exc.status == 404:  # already gone: what was asked for
                    result[remote_id] = None
                elif exc.status in (400, 409, 422):
                    result[remote_id] = translate.error_reason(exc.body, exc.message)
                else:
                    raise
        return result

    # -- the target list --------------------------------------------------------------------------

    def target_list_id(self) -> str:
        """The id of the list new contacts join, created on first use; looked up once per session."""
        if self._list_id is None:
            self._list_id = self._find_list() or self._create_list()
        return self._list_id

    def _find_list(self) -> str | None:
        wanted = self.target_list.strip().casefold()
        data = self.api.get("contact_lists", params={"name": self.target_list, "limit": 1000})
        while True:
            for item in data.get("lists") or []:
                if str(item.get("name", "")).strip().casefold() == wanted:
                    return item["list_id"]
            href = ((data.get("_links") or {}).get("next") or {}).get("href")
            if not href:
                return None
            data = self.api.get(href)

    def _create_list(self) -> str:
        try:
            created = self.api.post("contact_lists", {
                "name": self.target_list, "favorite": False,
                "description": "Contacts added by the CRM's sync."})
        except ApiError as exc:
            if exc.status != 409:  # 409: made meanwhile by another run; use that one
                raise
            found = self._find_list()
            if found is None:
                raise
            return found
        return created["list_id"]

    @staticmethod
    def _params(include: Sequence[str]) -> dict[str, str] | None:
        return {"include": ",".join(include)} if include else None


def _as_stored(stored: dict[str, Any], sent: dict[str, Any]) -> RemoteRecord:
    """The record as stored, from the response; a replaced sub-resource the response leaves out
    is taken from what was sent (the API stores it as given)."""
    contact = dict(stored)
    for name in ("phone_numbers", "street_addresses"):
        if name not in contact and name in sent:
            contact[name] = sent[name]
    return translate.to_record(contact)
