"""The change sequence: monotonic, complete from any checkpoint, independent of wall time."""
from __future__ import annotations

import threading

from crmcore.changes import changes_since, current_seq, record_change


def test_every_change_advances_the_sequence_and_reads_from_a_checkpoint(crm_env):
    crm = crm_env.crm()
    with crm.session() as s:
        assert current_seq(s) == 0
        seqs = [record_change(s, "things", 1, "create"), record_change(s, "things", 1, "update"),
                record_change(s, "others", 7, "create"), record_change(s, "things", 1, "delete"),
                record_change(s, "things", 1, "restore")]
    assert seqs == [1, 2, 3, 4, 5]
    with crm.session() as s:
        assert current_seq(s) == 5
        checkpoint = 2
        got = [(c.seq, c.op) for batch in changes_since(s, "things", checkpoint, batch_size=2)
               for c in batch]
    assert got == [(4, "delete"), (5, "restore")]


def test_a_rolled_back_change_leaves_no_gap_that_a_reader_could_skip(crm_env):
    crm = crm_env.crm()
    try:
        with crm.session() as s:
            record_change(s, "things", 1, "create")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with crm.session() as s:
        assert current_seq(s) == 0
        assert record_change(s, "things", 2, "create") == 1


def test_concurrent_writers_get_distinct_increasing_numbers(crm_env):
    crm = crm_env.crm()
    results: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(10):
            with crm.session() as s:
                seq = record_change(s, "things", n * 100 + i, "update")
            with lock:
                results.append(seq)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 31))
    with crm.session() as s:
        seen = [c.seq for batch in changes_since(s, "things", 0) for c in batch]
    assert seen == list(range(1, 31))


def test_many_changes_at_once_take_consecutive_numbers(crm_env):
    from crmcore.changes import record_changes
    crm = crm_env.crm()
    with crm.session() as s:
        record_change(s, "things", 1, "create")
        assert record_changes(s, "things", [5, 6, 7], "create") == [2, 3, 4]
        assert record_changes(s, "things", [], "create") == []
        assert record_change(s, "things", 8, "update") == 5
    with crm.session() as s:
        got = [(c.seq, c.record_id) for batch in changes_since(s, "things", 1) for c in batch]
    assert got == [(2, 5), (3, 6), (4, 7), (5, 8)]


def test_tracking_collects_the_changes_recorded_while_its_block_is_innermost(crm_env):
    from crmcore.changes import record_changes, tracking

    crm = crm_env.crm()
    with crm.session() as s:
        record_change(s, "things", 1, "create")  # before the block: not collected
        with tracking(s) as outer:
            record_change(s, "things", 2, "create")
            with tracking(s) as inner:
                record_changes(s, "things", [3, 4], "create")
            record_change(s, "things", 6, "update")
        record_change(s, "things", 7, "update")  # after the block: not collected
    assert inner == {3: 3, 4: 4}
    assert outer == {2: 2, 5: 6}
    with crm.session() as s:
        with tracking(s) as fresh:
            pass
        assert fresh == {} and "crmcore.changes.tracked" not in s.info


def test_a_runs_own_changes_are_kept_compact_and_found_in_any_order_of_adding():
    from crmcore.sync.state import SeqSet

    own = SeqSet()
    own.extend([5, 3, 4])
    own.extend([10, 12])
    own.extend([7, 1])  # out of order: merged in
    assert [s for s in range(14) if s in own] == [1, 3, 4, 5, 7, 10, 12]
    assert len(own) == 7 and "5" not in own
