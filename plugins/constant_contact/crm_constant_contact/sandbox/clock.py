"""Timestamps as the sandbox serves them.

Constant Contact answers ISO-8601 UTC timestamps; incremental reads (``updated_after``) only work
if every change gets a timestamp strictly later than the previous one, so the clock here hands out
integer microseconds that never repeat, even when two changes fall in the same microsecond.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_ONE_US = timedelta(microseconds=1)


def to_iso(us: int) -> str:
    """Render microseconds since the epoch as ``2026-11-26T13:31:17.123456Z``."""
    return (_NAIVE_EPOCH + timedelta(microseconds=us)).isoformat(timespec="microseconds") + "Z"


def to_date(us: int) -> str:
    """Render microseconds since the epoch as a calendar date (``deleted_at`` is a date)."""
    return (EPOCH + timedelta(microseconds=us)).date().isoformat()


def parse_iso(text: str) -> int:
    """Parse an ISO-8601 date or date-time (``Z``, offsets, fractions) into microseconds.

    A naive time is taken as UTC; a bare date means its midnight UTC. Raises ValueError.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty timestamp")
    if len(text) == 10 and text[4] == "-":
        d = date.fromisoformat(text)
        dt = datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
    else:
        if "T" in text and " " in text:
            # an unencoded "+01:00" in a query string arrives as " 01:00"
            text = text.replace(" ", "+", 1)
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
    return (dt - EPOCH) // _ONE_US


def wall_us() -> int:
    """The current wall-clock time in microseconds since the epoch."""
    return time.time_ns() // 1000


class MonotonicClock:
    """Hands out strictly increasing microsecond timestamps close to wall-clock time."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next_us(self) -> int:
        """A timestamp later than every one handed out or observed before."""
        with self._lock:
            now = wall_us()
            self._last = now if now > self._last else self._last + 1
            return self._last

    def observe(self, us: int) -> None:
        """Remember a timestamp that came from outside (seeds, a data file) so later ones exceed it."""
        with self._lock:
            if us > self._last:
                self._last = us
