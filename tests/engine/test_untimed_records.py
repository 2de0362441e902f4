"""A remote record read without a last-change time (``RemoteRecord.updated_at`` None: a service
that keeps none, or one the connector could not parse) takes part in a sync like any other,
also once the connection has a high-water mark from an earlier run."""
from __future__ import annotations

import dataclasses

from crmcore.testing.fake.connector import FakeSession


def _untimed_reads(monkeypatch) -> None:
    read = FakeSession.read_changes

    def untimed(self, cursor, fields):
        for page in read(self, cursor, fields):
            yield dataclasses.replace(page, records=[dataclasses.replace(r, updated_at=None)
                                                     for r in page.records])

    monkeypatch.setattr(FakeSession, "read_changes", untimed)


def test_an_untimed_record_after_a_timed_run_is_created_and_linked(fake_world, monkeypatch):
    w = fake_world()
    w.harness.create(w.harness.new_values(0))
    first = w.sync()  # timed: the connection now has a high-water mark
    assert w.writes(first) == {"crm": {"created": 1}, "fake": {}}, first.counts
    new_id = w.harness.create(w.harness.new_values(1))
    _untimed_reads(monkeypatch)
    summary = w.sync()
    assert summary.outcome == "success", summary.error
    assert w.writes(summary) == {"crm": {"created": 1}, "fake": {}}, summary.counts
    assert len(w.records()) == 2
    assert new_id in w.harness.live()
    w.assert_converged()


def test_untimed_records_from_the_first_run_on_converge(fake_world, monkeypatch):
    w = fake_world()
    for i in range(3):
        w.harness.create(w.harness.new_values(i))
    _untimed_reads(monkeypatch)
    summary = w.sync()
    assert w.writes(summary) == {"crm": {"created": 3}, "fake": {}}, summary.counts
    again = w.sync()
    assert w.writes(again) == {"crm": {}, "fake": {}}, again.counts
    w.assert_converged()
