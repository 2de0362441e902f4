"""The pull applies the pages it has read in groups, each group in one transaction, each page
with its own batch and checkpoint: fewer commits; a page sees what the pages before it in its
group wrote; a read that fails keeps the pages read before it; a batch that fails rolls its
whole group back, and the Sync Log counts only what stayed. Over the fake connector (pages of
5 records), with groups of 4 pages."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from crmcore.errors import CrmError
from crmcore.sync import pull
from crmcore.testing.fake.connector import FakeSession

PAGES = 12  # of 5 records: 3 groups of 4 pages


@pytest.fixture
def grouped(monkeypatch):
    monkeypatch.setattr(pull, "GROUP_PAGES", 4)
    monkeypatch.setattr(pull, "GROUP_RECORDS", 10_000)


def _world_with_remote_records(fake_world, n: int = 5 * PAGES):
    w = fake_world()
    for i in range(n):
        w.harness.create(w.harness.new_values(i))
    return w


def _commits_during_pulls(w, monkeypatch) -> list[int]:
    """The number of database COMMITs made during each pull of the runs to come (the pull,
    then the read-back)."""
    counts: list[int] = []
    commits = [0]
    event.listen(w.crm.engine, "commit", lambda conn: commits.__setitem__(0, commits[0] + 1))
    original = pull.Puller.pull

    def counted(self):
        before = commits[0]
        try:
            original(self)
        finally:
            counts.append(commits[0] - before)

    monkeypatch.setattr(pull.Puller, "pull", counted)
    return counts


def _items_logged(w, summary) -> int:
    return sum(1 for item in w.items(summary.run_id) if item["action"] == "created")


def test_a_first_pull_of_twelve_pages_commits_once_per_group(fake_world, monkeypatch, grouped):
    w = _world_with_remote_records(fake_world)
    commits = _commits_during_pulls(w, monkeypatch)
    summary = w.sync()
    assert w.writes(summary) == {"crm": {"created": 5 * PAGES}, "fake": {}}, summary.counts
    # reading the checkpoint, then one per group of 4 pages (a commit per page made 13 or more)
    assert commits[0] == 1 + PAGES // 4, commits
    assert _items_logged(w, summary) == 5 * PAGES
    w.assert_converged()
    assert w.writes(w.sync()) == {"crm": {}, "fake": {}}  # the checkpoint took the cursor


def test_a_page_sees_what_an_earlier_page_of_its_group_wrote(fake_world, monkeypatch, grouped):
    """A record handed out again two pages later (a service paging while records change) is
    found linked by the first copy's uncommitted link: created once, and the run succeeds
    (looked up outside the group's transaction, it would be created twice, which the links'
    unique index refuses, or wait on the write lock on SQLite)."""
    w = _world_with_remote_records(fake_world)
    read = FakeSession.read_changes

    def first_page_again(self, cursor, fields):
        first = None
        for number, page in enumerate(read(self, cursor, fields)):
            if number == 0:
                first = page.records
            if number == 2:  # the same group as page 0; the copies slightly newer
                page = dataclasses.replace(page, records=[*page.records, *first])
            yield page

    monkeypatch.setattr(FakeSession, "read_changes", first_page_again)
    summary = w.sync()
    assert w.writes(summary) == {"crm": {"created": 5 * PAGES}, "fake": {}}, summary.counts
    assert len(w.records()) == 5 * PAGES
    w.assert_converged()


def test_a_read_failing_mid_group_keeps_the_pages_read_before_it(fake_world, monkeypatch, grouped):
    w = _world_with_remote_records(fake_world)
    read = FakeSession.read_changes

    def failing_after_six_pages(self, cursor, fields):
        for number, page in enumerate(read(self, cursor, fields)):
            if number == 6:  # the second group holds two pages read, not yet applied
                raise CrmError("The fake service stopped answering.", "Try again later.")
            yield page

    monkeypatch.setattr(FakeSession, "read_changes", failing_after_six_pages)
    summary = w.sync(expect="failed")
    assert "stopped answering" in summary.error
    assert len(w.records()) == 30  # six pages, as when each page committed on its own
    assert summary.counts["crm"]["created"] == 30 == _items_logged(w, summary)
    monkeypatch.setattr(FakeSession, "read_changes", read)
    again = w.sync()  # the fake hands out its token on the last page only: a full read again
    assert w.writes(again)["crm"] == {"created": 5 * PAGES - 30}, again.counts
    w.assert_converged()


def test_a_batch_failing_mid_group_rolls_the_group_back_and_the_log_counts_what_stayed(
        fake_world, monkeypatch, grouped):
    w = _world_with_remote_records(fake_world)
    pull_page = pull.Puller._pull_page
    pages = []

    def failing_on_the_sixth_page(self, records, *args, **kwargs):
        pages.append(len(records))
        if len(pages) == 6:  # the second group: its first page is written, not committed
            raise OperationalError("INSERT INTO contact ...", {}, Exception("disk I/O error"))
        pull_page(self, records, *args, **kwargs)

    monkeypatch.setattr(pull.Puller, "_pull_page", failing_on_the_sixth_page)
    summary = w.sync(expect="failed")
    assert "cannot be used" in summary.error
    assert len(w.records()) == 20  # the first group's four pages; the fifth page rolled back
    assert summary.counts["crm"]["created"] == 20 == _items_logged(w, summary), summary.counts
    monkeypatch.setattr(pull.Puller, "_pull_page", pull_page)
    again = w.sync()
    assert w.writes(again)["crm"] == {"created": 5 * PAGES - 20}, again.counts
    w.assert_converged()


def test_groups_end_at_the_record_limit_too(fake_world, monkeypatch):
    monkeypatch.setattr(pull, "GROUP_PAGES", 100)
    monkeypatch.setattr(pull, "GROUP_RECORDS", 10)  # two pages of 5
    w = _world_with_remote_records(fake_world)
    commits = _commits_during_pulls(w, monkeypatch)
    summary = w.sync()
    assert w.writes(summary) == {"crm": {"created": 5 * PAGES}, "fake": {}}, summary.counts
    assert commits[0] == 1 + PAGES // 2, commits


def test_no_transaction_is_open_while_a_page_is_read(fake_world, monkeypatch, grouped):
    """On SQLite an open transaction holds the write lock: it must not wait on the network."""
    from contextlib import contextmanager

    from crmcore.sync.applier import Applier

    w = _world_with_remote_records(fake_world)
    open_now, when_asked, groups = [False], [], []
    transaction = Applier.transaction

    @contextmanager
    def watched(self):
        with transaction(self):
            open_now[0] = True
            groups.append(1)
            try:
                yield
            finally:
                open_now[0] = False

    read = FakeSession.read_changes

    def watching(self, cursor, fields):
        pages = read(self, cursor, fields)
        while True:
            when_asked.append(open_now[0])  # the engine asks for the next page
            try:
                page = next(pages)
            except StopIteration:
                return
            yield page

    monkeypatch.setattr(Applier, "transaction", watched)
    monkeypatch.setattr(FakeSession, "read_changes", watching)
    w.sync()
    assert len(when_asked) > PAGES and len(groups) >= PAGES // 4
    assert not any(when_asked), when_asked


def test_progress_counts_only_what_is_committed(fake_world, grouped):
    w = _world_with_remote_records(fake_world)
    told = []

    def report(step, done, total):
        if step.startswith("Pulling"):
            told.append((done, len(w.records())))  # read in a transaction of its own

    w.sync(report=report)
    assert told[-1] == (5 * PAGES, 5 * PAGES)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    assert all(done <= committed for done, committed in told), told


def test_a_failed_apply_after_a_failed_read_does_not_hide_the_read_error(
        fake_world, monkeypatch, grouped):
    w = _world_with_remote_records(fake_world)
    read = FakeSession.read_changes
    pull_page = pull.Puller._pull_page
    pages = []

    def failing_after_six_pages(self, cursor, fields):
        for number, page in enumerate(read(self, cursor, fields)):
            if number == 6:
                raise CrmError("The fake service stopped answering.", "Try again later.")
            yield page

    def failing_on_the_fifth_page(self, records, *args, **kwargs):
        pages.append(len(records))
        if len(pages) == 5:  # the page read before the failed read, applied after it
            raise OperationalError("INSERT INTO contact ...", {}, Exception("disk I/O error"))
        pull_page(self, records, *args, **kwargs)

    monkeypatch.setattr(FakeSession, "read_changes", failing_after_six_pages)
    monkeypatch.setattr(pull.Puller, "_pull_page", failing_on_the_fifth_page)
    summary = w.sync(expect="failed")
    assert "stopped answering" in summary.error and summary.hint == "Try again later."
    assert len(w.records()) == 20
    assert summary.counts["crm"]["created"] == 20 == _items_logged(w, summary), summary.counts


def test_the_debug_log_keeps_every_exchange_of_a_group_that_rolled_back(
        fake_world, monkeypatch, grouped):
    from crmcore.sync import settings
    from crmcore.sync.logview import debug_entries
    from crmcore.users import get_user

    w = _world_with_remote_records(fake_world)
    with w.crm.session() as s:
        settings.update(s, get_user(s, "admin"), w.connection_id, "fake", {"debug": True})
    pull_page = pull.Puller._pull_page
    pages = []

    def failing_on_the_sixth_page(self, records, *args, **kwargs):
        pages.append(len(records))
        if len(pages) == 6:  # the second group: its pages were read (and their requests made)
            raise OperationalError("INSERT INTO contact ...", {}, Exception("disk I/O error"))
        pull_page(self, records, *args, **kwargs)

    monkeypatch.setattr(pull.Puller, "_pull_page", failing_on_the_sixth_page)
    summary = w.sync(expect="failed")
    with w.crm.session() as s:
        entries = debug_entries(s, w.connection_id, summary.run_id, limit=1000)
    reads = [e for e in entries if e["method"] == "GET" and "records" in e["url"]]
    assert len(reads) == 8, [e["url"] for e in entries]  # two groups of four pages were read
    assert len(entries) == summary.requests
