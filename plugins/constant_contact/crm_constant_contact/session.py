"""One run's work against the Constant Contact V3 API, over the core's authorised client.

Reads page through ``GET /contacts`` (500 a page, deleted contacts included, only the
sub-resources the mapping needs). Small batches of writes and deletes (at most
``bulk.BULK_THRESHOLD``) go contact by contact, which costs fewer requests; larger ones go through
the bulk activities (``bulk.py``): ``contacts_json_import`` for the writes an import can carry
and ``contact_delete`` for deletes, so requests grow with the batches, not with the contacts.

Rate limits, the daily quota, server failures and re-authorization propagate from the client: the
engine stops the run cleanly. A record the API refuses (400, a 409 on a taken email, a contact
gone) becomes that record's ``WriteOutcome.error``.

Every header and body field read here is validated (``answers.py``): the ``Date`` header must be
one plausible, zoned date or it is ignored (the engine then keeps its overlap and local time); a
page, contact, id or link that is not what the API reference says stops the run with an
:class:`ApiError` before anything of that answer is written.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from crmcore.api import ApiClient, ApiError, QuotaExhausted, RateLimited, TransientError
from crmcore.api import (ConnectorSession, RemotePage, RemoteRecord, RemoteWrite, TimestampCursor,
                         WriteOutcome)

from crm_constant_contact import bulk, translate
from crm_constant_contact.answers import (contact_object, contact_page, next_href, server_time,
                                          stored_id, trusted_high_water)

PAGE_SIZE = 500
_STOP_RUN = (RateLimited, QuotaExhausted, TransientError)
_ALL_SUBRESOURCES = ["phone_numbers", "street_addresses"]
log = logging.getLogger(__name__)


class ConstantContactSession(ConnectorSession):
    def __init__(self, api: ApiClient, target_list: str) -> None:
        self.api = api
        self.target_list = target_list
        # every request goes through ``api``, which learns the service's clock from its answers
        self.service_clock = getattr(api, "service_clock", None)
        self._list_id: str | None = None
        self._include = list(_ALL_SUBRESOURCES)  # narrowed by the first read_changes
        self.sleep: Callable[[float], None] = time.sleep  # between activity polls
        # activity errors that name no write or id of theirs; those items count as done
        self.unattributed_errors: list[str] = []

    # -- reading ----------------------------------------------------------------------------------

    def account_id(self) -> str | None:
        """The account's ``encoded_account_id`` from ``GET /account/summary`` (V3 "Account
        Services"; needs the ``account_read`` scope). None when the sign-in lacks that scope."""
        try:
            summary = self.api.get("account/summary")
        except ApiError as exc:
            if isinstance(exc, _STOP_RUN) or exc.status not in (403, 404):
                raise
            return None
        account = summary.get("encoded_account_id") if isinstance(summary, dict) else None
        return account if isinstance(account, str) and account.strip() else None


    def read_changes(self, cursor: str | None, fields: Sequence[str]) -> Iterator[RemotePage]:
        """Contacts changed since the cursor's high-water mark (``updated_after``, minus the
        overlap unless it had settled by the service's ``Date``), deleted ones included; the
        new cursor comes with the last page (a :class:`TimestampCursor`)."""
        since = TimestampCursor.read_from(cursor, self.records_from)
        self._include = translate.includes_for(fields)
        params: dict[str, Any] = {"status": "all", "limit": PAGE_SIZE}
        if self._include:
            params["include"] = ",".join(self._include)
        if since is not None:
            params["updated_after"] = translate.format_time(since)
        response = self.api.request("GET", "contacts", params=params, raw=True)
        read_at = server_time(response)
        data = _json(response)
        first = True
        high_water = None
        while True:
            records = contact_page(data)  # the whole page is checked before any of it is used
            page_high = trusted_high_water(records, read_at)
            if page_high is not None and (high_water is None or page_high > high_water):
                high_water = page_high
            href = next_href(data)
            last = not href
            if records or first or last:
                yield RemotePage(records, high_water=page_high, read_at=read_at,
                                 cursor=TimestampCursor.after(cursor, high_water, read_at)
                                 if last else None)
            first = False
            if last:
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
            found[remote_id] = contact_page({"contacts": [contact]})[0]
        return found

    # -- writing ----------------------------------------------------------------------------------

    def write(self, writes: Sequence[RemoteWrite]) -> list[WriteOutcome]:
        """Writes an import can carry go through imports when there are more than
        ``bulk.BULK_THRESHOLD`` of them; the rest (and small batches) one by one."""
        single: list[RemoteWrite] = []
        rows: list[tuple[RemoteWrite, dict[str, Any]]] = []
        emails: set[str] = set()
        for w in writes:
            row = translate.import_row(w.values)
            email = str(row.get("email", "")).casefold()
            if bulk.single_path_reason(w) is not None or email in emails:
                single.append(w)  # one email twice in an import: which row wins is not said
            else:
                emails.add(email)
                rows.append((w, row))
        if len(rows) <= bulk.BULK_THRESHOLD:
            single, rows = list(writes), []
        # imports first: a second write for an email an import just used then meets the
        # contact as a 409 conflict, which the engine knows how to handle
        outcomes = self._import(rows) if rows else []
        outcomes += [self._write_one(w) for w in single]
        if rows:
            order = {w.key: i for i, w in enumerate(writes)}
            outcomes.sort(key=lambda o: order.get(o.key, 0))  # in the order given, for people
        return outcomes

    def _import(self, entries: list[tuple[RemoteWrite, dict[str, Any]]]) -> list[WriteOutcome]:
        """Creates come back as ``link_by_email`` (an import tells no ids), updates with their
        own id; items the activity reports as failed, or a whole activity that ended badly or
        was refused, come back as errors."""
        groups, too_large = bulk.split_rows([row for _, row in entries])
        outcomes = [_failed(entries[i][0], "the contact's values are too large for a Constant "
                                           "Contact import") for i in too_large]
        list_id = self.target_list_id()
        jobs = [bulk.Job("activities/contacts_json_import",
                         {"import_data": [entries[i][1] for i in group], "list_ids": [list_id]},
                         [entries[i][0] for i in group]) for group in groups]
        for job in bulk.Runner(self.api, sleep=self.sleep).run(jobs):
            outcomes += self._import_outcomes(job)
        return outcomes

    def _import_outcomes(self, job: bulk.Job) -> list[WriteOutcome]:
        writes: list[RemoteWrite] = job.items
        if job.refused is not None:
            return [_failed(w, f"Constant Contact refused the import: {job.refused}") for w in writes]
        if job.state in bulk.ENDED_BADLY:
            return [_failed(w, bulk.ended_badly_reason(job)) for w in writes]
        errors = bulk.activity_errors(job.activity)
        found, unattributed = bulk.attribute_by_email(
            errors, [row["email"] for row in job.body["import_data"]])
        self._note_unattributed(job, unattributed, bulk.unlisted_failures(job.activity, len(errors)))
        outcomes = []
        for index, w in enumerate(writes):
            if index in found:
                outcomes.append(_failed(w, "Constant Contact's import refused it: "
                                           + "; ".join(found[index])))
            elif w.remote_id is None:
                outcomes.append(WriteOutcome(w.key, link_by_email=True))
            else:
                outcomes.append(WriteOutcome(w.key, remote_id=w.remote_id, record=None))
        return outcomes

    def _note_unattributed(self, job: bulk.Job, errors: list[str], unlisted: int) -> None:
        activity_id = (job.activity or {}).get("activity_id")
        notes = [f"activity {activity_id}: {text}" for text in errors]
        if unlisted:
            notes.append(f"activity {activity_id}: {unlisted} item(s) counted as failed "
                         "without a listed reason")
        for note in notes:
            log.warning("Constant Contact bulk error not tied to a record: %s", note)
        self.unattributed_errors += notes

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
        remote_id = stored_id(stored, "contact_id", "POST /contacts")
        return WriteOutcome(w.key, remote_id=remote_id, record=_as_stored(stored, body))

    def _update(self, w: RemoteWrite) -> WriteOutcome:
        """GET then PUT the merge: PUT nulls omitted core fields, so unmapped ones are sent back
        as they are; consent is only ever lowered to unsubscribed (see ``translate.body``)."""
        path = f"contacts/{w.remote_id}"
        current = self.api.get(path, params=self._params(translate.needs_subresources(w.values)))
        current = contact_object(current, f"GET /contacts/{{id}}")
        body = translate.body(w.values, current)
        body["update_source"] = "Account"
        if current.get("deleted_at"):  # a revive: a contact on no list cannot be emailed
            body["list_memberships"] = [self.target_list_id()]
        stored = self.api.put(path, body)
        return WriteOutcome(w.key, remote_id=w.remote_id, record=_as_stored(stored, body))

    def test_connection(self) -> None:
        """One ``GET /contacts?limit=1``: the token and the API URL work."""
        self.api.get("contacts", params={"limit": 1})

    def delete(self, remote_ids: Sequence[str],
               versions: dict[str, str] | None = None) -> dict[str, str | None]:
        """Delete contacts (Constant Contact has no record versions: ``versions`` is unused)."""
        ids = list(dict.fromkeys(remote_ids))
        if len(ids) > bulk.BULK_THRESHOLD:
            return self._bulk_delete(ids)
        result: dict[str, str | None] = {}
        for remote_id in ids:
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

    def _bulk_delete(self, ids: list[str]) -> dict[str, str | None]:
        """``contact_delete`` activities of ``bulk.MAX_DELETE_IDS`` ids; an id the service
        could not find counts as deleted, as a 404 does on the single-record path."""
        jobs = [bulk.Job("activities/contact_delete", {"contact_ids": chunk}, chunk)
                for chunk in bulk.chunks(ids, bulk.MAX_DELETE_IDS)]
        result: dict[str, str | None] = {}
        for job in bulk.Runner(self.api, sleep=self.sleep).run(jobs):
            if job.refused is not None or job.state in bulk.ENDED_BADLY:
                reason = (f"Constant Contact refused the delete: {job.refused}"
                          if job.refused is not None else bulk.ended_badly_reason(job))
                result.update({remote_id: reason for remote_id in job.items})
                continue
            errors = bulk.activity_errors(job.activity)
            found, unattributed = bulk.attribute_by_id(errors, job.items)
            self._note_unattributed(job, unattributed, bulk.unlisted_failures(job.activity, len(errors)))
            for remote_id in job.items:
                reasons = [r for r in found.get(remote_id, []) if "not found" not in r.casefold()]
                result[remote_id] = "; ".join(reasons) if reasons else None
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
            lists = data.get("lists") if isinstance(data, dict) else None
            for item in lists if isinstance(lists, list) else []:
                if isinstance(item, dict) and str(item.get("name", "")).strip().casefold() == wanted:
                    return stored_id(item, "list_id", "GET /contact_lists")
            href = next_href(data)
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
        return stored_id(created, "list_id", "POST /contact_lists")

    @staticmethod
    def _params(include: Sequence[str]) -> dict[str, str] | None:
        return {"include": ",".join(include)} if include else None


def _failed(w: RemoteWrite, reason: str) -> WriteOutcome:
    return WriteOutcome(w.key, remote_id=w.remote_id, error=reason)


def _json(response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError("Constant Contact answered GET /contacts with something that is not JSON; "
                       "nothing of it was used.",
                       "Run the sync again later; if it persists, report it with the Debug Log.",
                       status=response.status) from None


def _as_stored(stored: dict[str, Any], sent: dict[str, Any]) -> RemoteRecord:
    """The record as stored, from the response; a replaced sub-resource the response leaves out
    is taken from what was sent (the API stores it as given)."""
    contact = dict(stored) if isinstance(stored, dict) else stored
    for name in ("phone_numbers", "street_addresses"):
        if isinstance(contact, dict) and name not in contact and name in sent:
            contact[name] = sent[name]
    return contact_page({"contacts": [contact]})[0]
