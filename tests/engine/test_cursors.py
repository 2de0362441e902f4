"""Change cursors: stored with each page's checkpoint, handed back; an invalid one means a full
re-read that creates and deletes nothing it should not."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crmcore.api import CursorInvalid, TimestampCursor
from crmcore.sync.models import SyncCheckpoint


def _cursor(w) -> str | None:
    with w.crm.session() as s:
        return s.get(SyncCheckpoint, (w.connection_id, "contacts")).remote_cursor


def test_the_cursor_is_stored_and_handed_back(fake_world):
    w = fake_world()
    for i in range(12):  # pages of 5: three pages, the token on the last
        w.harness.create(w.harness.new_values(i))
    w.sync()
    assert _cursor(w) == str(w.harness.remote.seq)
    w.harness.remote.requests.clear()
    w.sync()
    reads = [r for r in w.harness.remote.requests if r == "GET /records"]
    assert reads == ["GET /records"]  # one page: nothing changed since the token


def test_an_expired_token_reads_everything_again_without_duplicates(fake_world):
    w = fake_world()
    ids = [w.harness.create(w.harness.new_values(i)) for i in range(6)]
    w.add(w.crm_values(20))
    w.sync()
    w.harness.remote.update(ids[0], given_name="Later")
    w.harness.remote.expire_tokens()
    summary = w.sync()
    assert w.writes(summary) == {"crm": {"updated": 1}, "fake": {}}, summary.counts
    assert len(w.records()) == 7 and len(w.harness.live()) == 7
    w.assert_converged()


def test_timestamp_cursor_round_trip_overlap_and_foreign_cursors():
    mark = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    assert TimestampCursor.parse(TimestampCursor(mark, True).encode()) == TimestampCursor(mark, True)
    assert TimestampCursor.read_from(None) is None
    assert TimestampCursor.read_from(TimestampCursor(mark).encode()) == mark - timedelta(seconds=2)
    assert TimestampCursor.read_from(TimestampCursor(mark, True).encode()) == mark
    floor = mark + timedelta(days=1)
    assert TimestampCursor.read_from(None, floor) == floor
    later = TimestampCursor.after(TimestampCursor(mark).encode(), mark + timedelta(seconds=1),
                                  read_at=mark + timedelta(seconds=10))
    assert TimestampCursor.parse(later) == TimestampCursor(mark + timedelta(seconds=1), True)
    unsettled = TimestampCursor.after(None, mark, read_at=mark + timedelta(seconds=1))
    assert TimestampCursor.parse(unsettled).settled is False
    assert TimestampCursor.after(None, None, None) is None
    for bad in ("token-123", "ts1:yesterday|1", "ts1:2026-01-02T03:04:05|1"):  # naive too
        with pytest.raises(CursorInvalid):
            TimestampCursor.parse(bad)
