"""Where a sync run's time goes: wall-clock seconds per phase, each second in exactly one phase.

Phases nest (a commit inside the pull, the wait for a bulk activity inside the push); a nested
phase's time is its own and not its parent's, so the figures add up to the run's time and the
next regression is easy to place.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: The phases of a run, in the order they happen (``crm sync now --json`` shows those that ran):
#: rebaseline (after a mapping change; else a quick check), pull (reading remote changes and
#: deciding what they mean), push (deciding and sending CRM changes), wait_for_activities (the
#: connector's sleeps between polls of its bulk jobs), settle_wait (the pause before reading bulk
#: creates back), read_back (reading our own writes back), apply (writing a batch's decisions:
#: CRM records, links, log rows, checkpoint), commit (the end of each database transaction:
#: what the ORM still holds is flushed, then COMMIT).
PHASES = ("rebaseline", "pull", "push", "wait_for_activities", "settle_wait", "read_back",
          "apply", "commit")


class PhaseClock:
    """Seconds per phase; ``with clock.phase(name):`` charges the time inside to ``name``."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._stack: list[str] = []
        self._since = 0.0
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as ``name``; the enclosing phase is paused meanwhile."""
        self._charge()
        self._stack.append(name)
        try:
            yield
        finally:
            self._charge()
            self._stack.pop()

    def timed(self, name: str, func: Callable) -> Callable:
        """``func`` with each call charged to phase ``name``."""
        def call(*args, **kwargs):
            with self.phase(name):
                return func(*args, **kwargs)
        return call

    def _charge(self) -> None:
        now = self._clock()
        if self._stack:
            top = self._stack[-1]
            self.seconds[top] = self.seconds.get(top, 0.0) + (now - self._since)
        self._since = now

    def as_dict(self) -> dict[str, float]:
        """Phase -> seconds (rounded to 0.1 ms), in :data:`PHASES` order, those that ran."""
        ordered = [p for p in PHASES if p in self.seconds] + [
            p for p in self.seconds if p not in PHASES]
        return {p: round(self.seconds[p], 4) for p in ordered}
