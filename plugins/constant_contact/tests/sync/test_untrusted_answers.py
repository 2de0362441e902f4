"""Untrusted answers never crash a run: a bad Date header degrades to the local clock with the
overlap; a malformed page fails the run cleanly before anything of it is written."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from types import SimpleNamespace

import pytest

from crm_constant_contact.answers import server_time
from crmcore.api import TimestampCursor
from crmcore.sync.models import SyncCheckpoint


def _settled(world) -> bool:
    with world.crm.session() as s:
        cursor = s.get(SyncCheckpoint, (world.connection_id, "contacts")).remote_cursor
    return TimestampCursor.parse(cursor).settled


def _http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(timezone.utc), usegmt=True)


@pytest.mark.slow
def test_a_second_date_header_from_a_proxy_does_not_break_the_run(world):
    """The real command: two Date headers (a proxy added one) once crashed the run with a
    TypeError after contacts were already created."""
    world.seed(world.contact("grace@example.com", "Grace", "Hopper",
                             updated_at="2020-01-01T00:00:00Z"))
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    proxy_date = _http_date(datetime.now(timezone.utc) - timedelta(seconds=3)).replace("GMT", "-0000")
    world.sandbox.faults.add_headers_next(10, [("Date", proxy_date)], path="/v3/contacts")
    out = world.env.run(["sync", "now", "constant-contact"])
    assert out.returncode == 0, out.stderr
    assert "success" in out.stdout and "Traceback" not in out.stderr
    assert world.by_email("grace@example.com") and world.remote("ada@example.com")
    assert not _settled(world)  # no trusted server clock: the overlap is read again next time
    again = world.sync()
    assert again.counts["crm"]["created"] == 0 and again.counts["constant-contact"]["created"] == 0


@pytest.mark.parametrize("date", ["Mon, 30 Nov 2099 18:00:00 GMT", "yesterday", "",
                                  "Mon, 30 Nov 2026 18:00:00 -0000"])
def test_an_untrustworthy_date_header_falls_back_to_the_overlap(world, date):
    world.seed(world.contact("grace@example.com", "Grace", "Hopper"))
    world.sandbox.faults.add_headers_next(10, [("Date", date)], path="/v3/contacts")
    world.sync()
    assert world.by_email("grace@example.com") and not _settled(world)


def test_server_time_believes_one_plausible_zoned_date_only():
    now = datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)

    def response(*dates: str):
        headers = SimpleNamespace(getlist=lambda name: list(dates) if name == "Date" else [])
        return SimpleNamespace(raw=SimpleNamespace(headers=headers), headers={})

    good = "Mon, 30 Nov 2026 17:59:58 GMT"
    assert server_time(response(good), now) == now - timedelta(seconds=2)
    assert server_time(response(good, good), now) == now - timedelta(seconds=2)
    for dates in ([], [good, "Mon, 30 Nov 2026 17:59:57 GMT"], ["Mon, 30 Nov 2026 17:59:58 -0000"],
                  ["Tue, 01 Dec 2026 19:00:00 GMT"], ["not a date"], ["Mon, 99 Nov 2026 17:59:58 GMT"]):
        assert server_time(response(*dates), now) is None, dates


@pytest.mark.parametrize("page, said", [
    ({"contacts": [{"first_name": "No id"}]}, "contact 0's contact_id is missing"),
    ({"contacts": [{"contact_id": "c1", "updated_at": "soon"}]}, "is not an ISO-8601 time"),
    ({"contacts": {"contact_id": "c1"}}, "'contacts' is not an array"),
    ({"contacts": ["c1"]}, "contact 0 is not an object"),
    ({"contacts": [], "_links": {"next": {"href": "https://elsewhere.example/v3/contacts"}}},
     "a link to another address"),
])
def test_a_malformed_page_fails_the_run_cleanly_before_writing(world, page, said):
    world.seed(world.contact("grace@example.com", "Grace", "Hopper"))
    world.sandbox.faults.fail_next(1, status=200, path="/v3/contacts", body=page)
    summary = world.sync(expect="failed")
    assert said in summary.error and "Unexpected" not in summary.error
    assert summary.hint and world.contacts() == {}
    assert world.sync().counts["crm"]["created"] == 1  # a good answer next time: all is well


@pytest.mark.parametrize("activity, said", [
    (["not", "an", "object"], "did not answer an activity object"),
    ({"activity_id": "a1", "state": "completed", "status": {"error_count": "many"}},
     "status is not an object of counts"),
])
def test_a_malformed_bulk_activity_fails_the_run_cleanly(world, activity, said):
    from crm_constant_contact import bulk

    for i in range(bulk.BULK_THRESHOLD + 1):
        world.add(first_name="Bulk", last_name=f"B{i}", email=f"b{i}@example.com")
    world.sandbox.faults.fail_next(1, status=201, path="/v3/activities/contacts_json_import",
                                   body=activity)
    summary = world.sync(expect="failed")
    assert said in summary.error and "Unexpected" not in summary.error
