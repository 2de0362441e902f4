"""Long batch work without Python's cycle collector walking the whole process over and over.

A sync run or a CSV import keeps thousands of rows, values and results alive across many young
collections, so they reach the oldest generation, and its collections then walk every object
of the process (every loaded module's, the ORM's, a server's) again and again: measured here, a
fifth of a CSV import's CPU time and about a seventh of an initial sync's. The youngest
generation is also collected less often during the block (every :data:`YOUNG_THRESHOLD`
allocations instead of Python's 700): a batch of 2,000 rows allocates tens of thousands of
containers that all live until the batch is written, so most of those collections find nothing.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_frozen"]

# allocations (net of frees) of container objects between two collections of the youngest
# generation while a block runs; CPython's default is 700 (gc.get_threshold()[0])
YOUNG_THRESHOLD = 20_000
_LOCK = threading.Lock()


@contextmanager
def gc_frozen() -> Iterator[bool]:
    """While the block runs, the objects that exist when it starts are left out of Python's
    cycle collections (:func:`gc.freeze`); they are taken back when it ends
    (:func:`gc.unfreeze`), and the youngest generation's threshold is raised to
    :data:`YOUNG_THRESHOLD` (never lowered, and left at 0 when the program set 0), then set
    back to what it was when the block started. Yields whether it froze anything.

    What becomes garbage during the block is collected as before; a cycle already unreachable
    when it starts waits for the first collection after it (objects freed by reference counting
    are freed at once, frozen or not). Does nothing, yielding False, when the collector is off or
    objects are frozen already (a server that forked so, or another block still running in this
    process: the first block to end gives everything back, which only costs speed)."""
    with _LOCK:  # two runs starting at once (the scheduler's threads): one of them freezes
        if not gc.isenabled() or gc.get_freeze_count():
            froze = False
        else:
            froze = True
            thresholds = gc.get_threshold()
            gc.freeze()
            if thresholds[0]:  # 0: the program turned automatic collections off; left so
                gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    if not froze:
        yield False
        return
    try:
        yield True
    finally:
        with _LOCK:
            gc.set_threshold(*thresholds)
            gc.unfreeze()
