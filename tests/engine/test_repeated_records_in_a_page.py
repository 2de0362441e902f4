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
