"""A page that holds the same remote record twice (a service paging while it changes, a
connector that reads two sources): the record is taken once, as its newest copy, on a first
sync (unlinked) as on a later one (linked), and the run succeeds."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from crmcore.api import RemotePage
from crmcore.testing.fake.connector import FakeSession


def _pages_with_a_stale_copy(monkeypatch, title: str, first: bool) -> None:
    """Every page of the fake's reads puts, before (``first``) or after each record, a copy of
    it one second older whose title is ``title``."""
    read = FakeSession.read_changes

    def doubled(self, cursor, fields):
        for page in read(self, cursor, fields):
            records = []
            for record in page.records:
                older = record.updated_at - timedelta(seconds=1) if record.updated_at else None
                stale = dataclasses.replace(record, values={**record.values, "title": title},
                                            updated_at=older)
                records += [stale, record] if first else [record, stale]
            yield dataclasses.replace(page, records=records)

    monkeypatch.setattr(FakeSession, "read_changes", doubled)


@pytest.mark.parametrize("stale_first", [True, False], ids=["stale-first", "stale-last"])
def test_an_unlinked_record_twice_in_a_page_is_created_once_with_its_newest_values(
        fake_world, monkeypatch, stale_first):
    w = fake_world()
    ids = [w.harness.create({**w.harness.new_values(i), "title": "Newest"}) for i in range(3)]
    _pages_with_a_stale_copy(monkeypatch, "Stale", stale_first)
    summary = w.sync()
    assert w.writes(summary) == {"crm": {"created": 3}, "fake": {}}, summary.counts
    assert sorted(r["title"] for r in w.records().values()) == ["Newest"] * 3
    assert sorted(w.harness.live()) == sorted(ids)
    w.assert_converged()


@pytest.mark.parametrize("stale_first", [True, False], ids=["stale-first", "stale-last"])
def test_a_linked_record_twice_in_a_page_is_updated_once_with_its_newest_values(
        fake_world, monkeypatch, stale_first):
    w = fake_world()
    [remote_id] = [w.harness.create(w.harness.new_values(0))]
    w.sync()
    w.harness.update(remote_id, {"title": "Newest"})
    _pages_with_a_stale_copy(monkeypatch, "Stale", stale_first)
    summary = w.sync()
    assert w.writes(summary) == {"crm": {"updated": 1}, "fake": {}}, summary.counts
    [record] = w.records().values()
    assert record["title"] == "Newest"
    w.assert_converged()


def _copy(remote_id: str, at, tag: str):
    from crmcore.api import RemoteRecord
    return RemoteRecord(remote_id, {"tag": tag}, at)


def _kept(records):
    from crmcore.sync.engine import newest_copies
    return [(r.remote_id, r.values["tag"]) for r in newest_copies(RemotePage(records)).records]


def test_of_timed_copies_the_newest_stays_whatever_their_order_and_a_tie_goes_to_the_later():
    import itertools
    from datetime import datetime, timezone

    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    copies = [_copy("a", t + timedelta(seconds=2), "newest"), _copy("a", t, "old"),
              _copy("a", t + timedelta(seconds=1), "middle")]
    for order in itertools.permutations(copies):
        assert _kept([_copy("x", t, "x"), *order]) == [("x", "x"), ("a", "newest")], order
    tie = [_copy("a", t, "first"), _copy("b", t, "b"), _copy("a", t, "second")]
    assert _kept(tie) == [("a", "second"), ("b", "b")]  # at the place of the first copy


def test_copies_that_cannot_all_be_compared_leave_the_last_one():
    from datetime import datetime, timezone

    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    newer, none, older = (_copy("a", t + timedelta(seconds=2), "newer"), _copy("a", None, "none"),
                          _copy("a", t, "older"))
    assert _kept([newer, none, older]) == [("a", "older")]
    assert _kept([newer, older, none]) == [("a", "none")]
    assert _kept([none, newer, older]) == [("a", "older")]
    assert _kept([none, newer]) == [("a", "newer")]


def test_a_page_without_repeats_is_passed_on_as_it_is():
    from crmcore.sync.engine import newest_copies

    page = RemotePage([_copy("a", None, "a"), _copy("b", None, "b")], cursor="c1")
    assert newest_copies(page) is page
