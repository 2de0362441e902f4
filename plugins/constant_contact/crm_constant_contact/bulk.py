"""Constant Contact's bulk activities: which writes may go through an import, how rows and ids
are split into activities, and how activities are submitted, polled and read back.

Why: the service allows 4 requests a second and 10,000 a day, so a sync must spend requests per
*batch*, not per contact. ``contacts_json_import`` takes up to 40,000 contacts (under 4 MB) in one
request and ``contact_delete`` 500 ids; each then costs a few ``GET /activities/{id}`` polls.

An import is not a bulk ``PUT``, so some writes must stay on the single-record endpoints:

* it finds contacts **by email**, so an update whose email changes (or might: no previous
  values) would land on another contact or create one;
* it **cannot clear** a field (empty values are ignored), so an update that empties a field
  which had a value needs ``PUT``;
* it **never changes consent**, so a CRM opt-out (``permission_to_send: unsubscribed``) that is
  not yet on the remote side needs the single-record path;
* it takes emails of at most 50 characters (the contact endpoints take 80).

The session (``session.py``) decides what to do with the outcomes; this module knows nothing of
``WriteOutcome``.
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crmcore.api import ApiClient, ApiError, QuotaExhausted, RateLimited, TransientError
from crmcore.api import RemoteWrite, encode_json_body

from crm_constant_contact import answers, translate

log = logging.getLogger(__name__)

BULK_THRESHOLD = 10  # at most this many writes (or deletes): single-record calls cost less
MAX_IMPORT_ROWS = 40_000
MAX_IMPORT_BYTES = 4_000_000  # "under 4 MB" whichever way a megabyte is counted
IMPORT_ENVELOPE_BYTES = 1_024  # room for {"import_data": [...], "list_ids": [...]} around the rows
MAX_DELETE_IDS = 500
MAX_IMPORT_EMAIL = 50
MAX_IN_FLIGHT = 50  # activities submitted and not yet finished (the service queues up to 1,000)
POLL_FIRST = 0.05  # seconds before the first poll; doubled after each round of polls
POLL_MAX = 5.0
POLL_GIVE_UP = 900.0  # seconds an activity may stay unfinished before the run stops
ENDED_BADLY = ("failed", "cancelled", "timed_out")
_STOP_RUN = (RateLimited, QuotaExhausted, TransientError)
_ROW_NUMBER = re.compile(r"\b(?:row|line)\s*#?\s*(\d+)", re.IGNORECASE)
_EMAILISH = re.compile(r"[^\s()<>\[\]{},;:\"']+@[^\s()<>\[\]{},;:\"']*")
_IDISH = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{7,}")


# -- which writes an import can carry ---------------------------------------------------------

def single_path_reason(w: RemoteWrite) -> str | None:
    """Why ``w`` must use the single-record endpoints, or None when an import can carry it."""
    values = w.values
    email = values.get("email_address")
    if translate.is_empty(email):
        return "no email: an import identifies contacts by email"
    if len(str(email).strip()) > MAX_IMPORT_EMAIL:
        return f"email longer than {MAX_IMPORT_EMAIL} characters, the import's limit"
    previous = w.previous
    unsubscribe = values.get("permission_to_send") == "unsubscribed"
    if w.remote_id is None:
        return "an opt-out: an import cannot unsubscribe" if unsubscribe else None
    if previous is None:
        # the remote email may differ (the import would find another contact) and fields may
        # need clearing: only GET+PUT is safe without knowing what was synced last
        return "an update without the previously synced values"
    if unsubscribe and previous.get("permission_to_send") != "unsubscribed":
        return "an opt-out: an import cannot unsubscribe"
    if translate.is_empty(previous.get("email_address")) or \
            str(previous["email_address"]).strip() != str(email).strip():
        return "the email changes: an import would find the contact by its new email"
    for name, value in values.items():
        if name != "permission_to_send" and translate.is_empty(value) \
                and not translate.is_empty(previous.get(name)):
            return f"{name} is cleared: an import cannot clear a field"
    return None


# -- splitting ------------------------------------------------------------------------------

def split_rows(rows: Sequence[dict[str, Any]]) -> tuple[list[list[int]], list[int]]:
    """Row indexes grouped into imports of at most ``MAX_IMPORT_ROWS`` rows and
    ``MAX_IMPORT_BYTES`` encoded bytes (as :class:`ApiClient` encodes JSON), and the indexes of rows
    too large for any import on their own."""
    budget = MAX_IMPORT_BYTES - IMPORT_ENVELOPE_BYTES
    groups: list[list[int]] = []
    too_large: list[int] = []
    current: list[int] = []
    used = 0
    for index, row in enumerate(rows):
        size = len(encode_json_body(row)) + 1  # UTF-8 bytes, and the "," between rows
        if size > budget:
            too_large.append(index)
            continue
        if current and (len(current) >= MAX_IMPORT_ROWS or used + size > budget):
            groups.append(current)
            current, used = [], 0
        current.append(index)
        used += size
    if current:
        groups.append(current)
    return groups, too_large


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


# -- submitting and polling -----------------------------------------------------------------

@dataclass
class Job:
    """One activity to run: the endpoint, its body, and what its items are (for the caller)."""

    path: str
    body: dict[str, Any]
    items: list[Any]
    activity: dict[str, Any] | None = None  # the last state the service reported
    refused: str | None = None  # the reason the service refused the whole request
    submitted_at: float = 0.0

    @property
    def state(self) -> str | None:
        return (self.activity or {}).get("state")

    @property
    def finished(self) -> bool:
        return self.refused is not None or self.state in ("completed", *ENDED_BADLY)


@dataclass
class Runner:
    """Submits jobs (at most ``MAX_IN_FLIGHT`` unfinished at once) and polls them to the end.

    Polls back off from ``POLL_FIRST`` doubling to ``POLL_MAX`` seconds between rounds; one
    round polls every unfinished activity once. An activity unfinished after ``POLL_GIVE_UP``
    seconds stops the run with a :class:`TransientError`: its work may still complete, and
    imports and deletes are safe to send again.
    """

    api: ApiClient
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    polls: int = field(default=0)

    def run(self, jobs: Sequence[Job]) -> list[Job]:
        pending = deque(jobs)
        in_flight: list[Job] = []
        delay = POLL_FIRST
        while pending or in_flight:
            if pending and len(in_flight) < MAX_IN_FLIGHT:
                while pending and len(in_flight) < MAX_IN_FLIGHT:
                    job = pending.popleft()
                    self._submit(job)
                    if not job.finished:
                        in_flight.append(job)
                delay = POLL_FIRST
                continue
            self.sleep(delay)
            delay = min(delay * 2, POLL_MAX)
            in_flight = [job for job in in_flight if not self._poll(job)]
        return list(jobs)

    def _submit(self, job: Job) -> None:
        job.submitted_at = self.clock()
        try:
            job.activity = answers.activity(self.api.post(job.path, job.body), f"POST /{job.path}")
        except ApiError as exc:
            if isinstance(exc, _STOP_RUN) or exc.status not in (400, 413, 422):
                raise
            job.refused = translate.error_reason(exc.body, exc.message)

    def _poll(self, job: Job) -> bool:
        """Refresh ``job.activity``; True once it has finished."""
        activity_id = (job.activity or {}).get("activity_id")
        if not activity_id:
            raise ApiError(f"Constant Contact answered {job.path} without an activity id.",
                           "Report it with the Debug Log.", body=job.activity)
        job.activity = answers.activity(self.api.get(f"activities/{activity_id}"),
                                        "GET /activities/{id}")
        self.polls += 1
        if job.finished:
            return True
        waited = self.clock() - job.submitted_at
        if waited > POLL_GIVE_UP:
            raise TransientError(
                f"Constant Contact's bulk activity {activity_id} ({job.path}) is still "
                f"{job.state!r} after {waited:.0f} seconds.",
                "It may still finish: run the sync again later; what it imported is then "
                "linked by email, and what it did not do is sent again.")
        return False


# -- reading results back -------------------------------------------------------------------

def activity_errors(activity: dict[str, Any] | None) -> list[str]:
    errors = (activity or {}).get("activity_errors") or []
    return [e if isinstance(e, str) else json.dumps(e) for e in errors]


def unlisted_failures(activity: dict[str, Any] | None, listed: int) -> int:
    """Items the status counters call failed beyond those ``activity_errors`` lists."""
    status = (activity or {}).get("status") or {}
    counted = sum(int(status.get(k) or 0) for k in ("error_count", "correctable_count"))
    return max(0, counted - listed)


def attribute_by_email(errors: Sequence[str], emails: Sequence[str]
                       ) -> tuple[dict[int, list[str]], list[str]]:
    """Import errors by row index (0-based in ``emails``), and those that name no row.

    An email in the text wins (when it names exactly one row of the activity); otherwise a
    "Row N" / "line N" number (1-based) within the activity's rows.
    """
    by_email: dict[str, list[int]] = {}
    for index, email in enumerate(emails):
        by_email.setdefault(email.strip().casefold(), []).append(index)
    found: dict[int, list[str]] = {}
    unattributed: list[str] = []
    for text in errors:
        index = _row_of(text, by_email, len(emails))
        if index is None:
            unattributed.append(text)
        else:
            found.setdefault(index, []).append(_reason(text))
    return found, unattributed


def _row_of(text: str, by_email: dict[str, list[int]], rows: int) -> int | None:
    for token in _EMAILISH.findall(text):
        hits = by_email.get(token.strip(".").casefold())
        if hits and len(hits) == 1:
            return hits[0]
    number = _ROW_NUMBER.search(text)
    if number and 1 <= int(number.group(1)) <= rows:
        return int(number.group(1)) - 1
    return None


def _reason(text: str) -> str:
    """``Row 3 (a@b.c): email is not valid`` -> ``email is not valid``."""
    head, sep, tail = text.partition(": ")
    return tail if sep and _ROW_NUMBER.match(head.strip()) else text


def attribute_by_id(errors: Sequence[str], ids: Sequence[Hashable]
                    ) -> tuple[dict[Hashable, list[str]], list[str]]:
    """Delete errors by the contact id they name, and those that name none of ``ids``."""
    wanted = set(ids)
    found: dict[Hashable, list[str]] = {}
    unattributed: list[str] = []
    for text in errors:
        hit = next((t for t in _IDISH.findall(text) if t in wanted), None)
        if hit is None:
            unattributed.append(text)
        else:
            found.setdefault(hit, []).append(text)
    return found, unattributed


def ended_badly_reason(job: Job) -> str:
    activity_id = (job.activity or {}).get("activity_id")
    return (f"Constant Contact's bulk activity {activity_id} ended {job.state!r} before "
            "finishing; the change is sent again on the next sync")
