"""The wait before reading bulk-created contacts back: as long as the service's clock requires
(learnt from its Date headers), so the read-back still settles the cursor and the next quiet
sync costs one request; a session that tells nothing of the clock keeps the fixed wait; and a
read-back that comes back unsettled anyway loses nothing. Real HTTP to the sandbox, whose Date
header and stamps come from this machine's clock."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest

from crm_constant_contact.connector import ConstantContactConnector
from crmcore.api import TimestampCursor
from crmcore.models import User
from crmcore.service_clock import ServiceClock
from crmcore.sync import engine
from crmcore.sync.models import SyncCheckpoint

# the fixed wait, raised here so that it cannot be mistaken for a wait the clock decided
FIXED = timedelta(seconds=4.5)
WAITING = re.compile(r"Waiting (\d+\.\d) s before reading the new contacts back")


def _seed_crm(world, n: int) -> None:
    with world.crm.session() as s:
        world.store.create_many(s, [{"first_name": f"P{i}", "last_name": "Crm",
                                     "email": f"crm{i}@example.com"} for i in range(n)],
                                s.get(User, world.user.id))


def _cursor(world) -> TimestampCursor:
    with world.crm.session() as s:
        return TimestampCursor.parse(
            s.get(SyncCheckpoint, (world.connection_id, "contacts")).remote_cursor)


def _bulk_sync(world) -> float | None:
    """An initial sync that creates 30 contacts by import; the wait it announced, if any."""
    _seed_crm(world, 30)
    said: list[str] = []
    run = world.sync(progress=said.append)
    assert run.counts["constant-contact"]["created"] == 30
    assert world.sandbox.requests.get("POST /v3/activities/contacts_json_import") == 1
    assert len(world.links()) == 30  # linked by email on the read-back
    waits = [float(m.group(1)) for m in map(WAITING.match, said) if m]
    assert len(waits) <= 1, said
    return waits[0] if waits else None


def _quiet_sync_costs_one_request(world) -> None:
    world.sandbox.reset_counts()
    quiet = world.sync()
    assert all(v == 0 for side in quiet.counts.values() for v in side.values())
    assert world.sandbox.request_total == 1, dict(world.sandbox.requests)


def test_the_wait_follows_the_service_clock_and_the_read_back_settles(world, monkeypatch):
    monkeypatch.setattr(engine, "SETTLE_WAIT", FIXED)
    wait = _bulk_sync(world)
    # past the newest answer: at most the Date's whole second plus the 2 s overlap
    assert wait is not None and wait <= 3.05, wait
    assert _cursor(world).settled
    _quiet_sync_costs_one_request(world)


@pytest.mark.slow
def test_a_session_that_tells_nothing_of_the_clock_keeps_the_fixed_wait(world, monkeypatch):
    monkeypatch.setattr(engine, "SETTLE_WAIT", FIXED)
    real_open = ConstantContactConnector.open

    def open_without_clock(self, api, options):
        session = real_open(self, api, options)
        session.service_clock = None
        return session

    monkeypatch.setattr(ConstantContactConnector, "open", open_without_clock)
    wait = _bulk_sync(world)
    assert wait is not None and wait > 3.5, wait  # FIXED after the last write
    assert _cursor(world).settled
    _quiet_sync_costs_one_request(world)


def test_a_read_back_that_comes_back_unsettled_loses_nothing(world, monkeypatch):
    """A wrong estimate (here: "read at once") leaves the cursor unsettled; the next run reads
    the overlap again, so a change committed late with a stamp inside it is not missed."""
    monkeypatch.setattr(ServiceClock, "ready_at", lambda self, gap: time.monotonic() - 1.0)
    assert _bulk_sync(world) is None  # no wait at all
    cursor = _cursor(world)
    assert not cursor.settled
    stamp = (cursor.mark - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    world.seed(world.contact("late@example.com", "Late", "Commit", updated_at=stamp))
    again = world.sync()
    assert again.counts["crm"]["created"] == 1 and again.counts["constant-contact"]["created"] == 0
    assert world.by_email("late@example.com") is not None
