"""crmcore.gcfreeze.gc_frozen: what exists when a long batch starts is left out of cycle collections until it ends
(a sync run and a CSV import use it)."""
from __future__ import annotations

import gc

from crmcore.gcfreeze import YOUNG_THRESHOLD, gc_frozen


def test_objects_that_exist_are_frozen_inside_and_given_back_after():
    assert gc.get_freeze_count() == 0
    before = gc.get_threshold()
    with gc_frozen() as froze:
        assert froze and gc.get_freeze_count() > 0
        assert gc.get_threshold() == (max(before[0], YOUNG_THRESHOLD), *before[1:])
        with gc_frozen() as again:  # nested (or a second batch at once): left as it is
            assert not again and gc.get_freeze_count() > 0
        assert gc.get_freeze_count() > 0  # the inner block gave nothing back
        assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_automatic_collections_turned_off_by_the_program_stay_off():
    before = gc.get_threshold()
    gc.set_threshold(0, *before[1:])
    try:
        with gc_frozen() as froze:
            assert froze and gc.get_threshold()[0] == 0
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


def test_two_blocks_starting_at_once_in_threads_leave_the_collector_as_it_was():
    import threading

    before = gc.get_threshold()
    start = threading.Barrier(8)
    froze: list[bool] = []

    def one() -> None:
        start.wait()
        with gc_frozen() as did:
            froze.append(did)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(froze) == 8 and any(froze)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_higher_threshold_set_by_the_program_is_kept():
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD * 2, *before[1:])
    try:
        with gc_frozen():
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD * 2
    finally:
        gc.set_threshold(*before)


def test_given_back_when_the_block_fails_and_nothing_done_with_the_collector_off():
    try:
        with gc_frozen():
            raise RuntimeError("the batch failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold()[0] < YOUNG_THRESHOLD  # set back
    gc.disable()
    try:
        with gc_frozen() as froze:
            assert not froze and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_sync_run_works_with_what_existed_before_it_frozen(fake_world):
    w = fake_world()
    for i in range(3):
        w.harness.create(w.harness.new_values(i))
    counts: list[int] = []
    w.sync(report=lambda step, done, total: counts.append(gc.get_freeze_count()))
    assert counts and min(counts) > 0
    assert gc.get_freeze_count() == 0
