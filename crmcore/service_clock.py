"""What a run knows of a remote service's clock, from the ``Date`` headers of its answers.

An origin server stamps each answer with ``Date``, "the date and time at which the message was
originated" (RFC 9110 section 6.6.1), as an HTTP-date of whole seconds (section 5.6.7), so the
service's clock when it wrote an answer lay in ``[Date, Date + 1 s)``. That moment lies between
the local ``time.monotonic()`` just before the request was sent and just after the answer
arrived. Each answer therefore bounds the *offset* ``service time - local monotonic time``, and
the bounds of many answers intersect: an answer received just after the service's second ticks
over pins that tick to within the request's round trip.

What the sync does with it: after writing records, it must wait until the service's clock is a
given span past the newest record it wrote before reading them back
(:meth:`ServiceClock.ready_at`); the tighter the bounds, the shorter the wait. An estimate is
never trusted to decide anything that could lose a change: a wait cut too short only makes the
next read cover its overlap again.

Assumptions (where one fails, a wait may end early, which costs only that re-read): the
service truncates its clock to the second (one that rounds to the nearest second shifts the
estimate and the read's own Date by the same half second, so the waits still suffice); the two
clocks run at rates within ``MAX_DRIFT`` of each other (bounds widen with the time since the
answer that set them); the answers come from one clock (an answer that contradicts the others,
because the service's clock stepped or servers disagree, replaces them all).
"""
from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

__all__ = ["ServiceClock", "Bounds", "parse_http_date", "RESOLUTION", "MAX_DRIFT", "MARGIN"]

RESOLUTION = 1.0  # seconds: an HTTP-date has whole seconds (RFC 9110 section 5.6.7)
# the most two clocks are taken to drift apart, in seconds per second: NTP's bound on the
# frequency it disciplines a clock by (RFC 5905, MAXFREQ = 500 PPM)
MAX_DRIFT = 500e-6
MARGIN = 0.001  # seconds added to every wait, for the rounding of float arithmetic
_ASCTIME_END = re.compile(r"\s\d{4}\s*$")  # asctime-date ends with the year and has no zone
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_http_date(value: str) -> datetime | None:
    """An HTTP-date (RFC 9110 section 5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime
    forms a recipient must also accept), as an aware UTC datetime; None when ``value`` is not
    one or names no zone (asctime, which has none, is GMT by definition)."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        if not _ASCTIME_END.search(value):
            return None  # "-0000" and the like: a zone that says it is unknown
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


@dataclass(frozen=True)
class Bounds:
    """The service's clock at one local moment lies in ``[low, high)`` (aware UTC datetimes)."""

    low: datetime
    high: datetime

    @property
    def width(self) -> timedelta:
        """How uncertain the estimate is: ``high - low``."""
        return self.high - self.low


class ServiceClock:
    """The offset between a remote service's clock and the local ``time.monotonic()``, bounded
    by the answers observed so far; safe to share between threads.

    Feed it every answer of the service (:meth:`observe_answer` from the header values, or
    :meth:`observe` with a parsed date), each with the local monotonic seconds just before its
    request was sent and just after the answer arrived. :class:`crmcore.http.ApiClient` feeds
    its own (``ApiClient.service_clock``). Ask :meth:`bounds` for the service's time at a local
    moment and :meth:`ready_at` for when a read will be dated far enough past the newest
    answer. Each method answers None while nothing usable was observed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # offset = service epoch seconds - local monotonic seconds, as of the sample that set it
        self._low: float | None = None  # the offset is at least this ...
        self._low_at = 0.0  # ... as of this local time (the bound widens by MAX_DRIFT from it)
        self._high = 0.0  # and less than this
        self._high_at = 0.0
        self._newest: tuple[float, float] | None = None  # newest answer: (received, Date + 1 s)
        self._parsed: tuple[str, datetime | None] = ("", None)  # the last header and its date
        self.samples = 0  #: answers observed (for diagnostics)
        self.restarts = 0  #: times a sample contradicted the others and replaced them

    # -- observing --------------------------------------------------------------------------------

    def observe_answer(self, date_values: Sequence[str], sent: float, received: float,
                       cached: bool = False) -> bool:
        """One answer: every value of its ``Date`` header as received, and the local monotonic
        seconds before sending and after receiving. Returns whether it was used: not when the
        header has no value or several different ones, or one that is not an HTTP-date, nor
        when ``cached`` (the answer carried an ``Age`` header, RFC 9111 section 5.1: a cache
        made it earlier, so its Date is not of this exchange)."""
        values = {v.strip() for v in date_values}
        if cached or len(values) != 1:
            return False
        value = values.pop()
        last, date = self._parsed  # one tuple, so threads never pair a header with another's date
        if value != last:  # most answers of a busy second repeat the last Date
            date = parse_http_date(value)
            self._parsed = (value, date)
        if date is None:
            return False
        self.observe(date, sent, received)
        return True

    def observe(self, date: datetime, sent: float, received: float) -> None:
        """One answer dated ``date`` (aware), sent at local monotonic ``sent`` and received at
        ``received`` (seconds). Raises ``ValueError`` for a naive date or ``received < sent``."""
        if date.tzinfo is None or date.utcoffset() is None:
            raise ValueError("ServiceClock.observe: the date must be aware (UTC)")
        if received < sent:
            raise ValueError("ServiceClock.observe: received before sent")
        stamp = (date - _EPOCH).total_seconds()
        low, high = stamp - received, stamp + RESOLUTION - sent
        with self._lock:
            self.samples += 1
            if self._newest is None or received >= self._newest[0]:
                self._newest = (received, stamp + RESOLUTION)
            if self._low is None:
                self._set(low, received, high, sent)
                return
            new_low = max(low, self._low - MAX_DRIFT * abs(received - self._low_at))
            new_high = min(high, self._high + MAX_DRIFT * abs(sent - self._high_at))
            if new_low >= new_high:  # contradicts what came before: start over from it
                self.restarts += 1
                self._set(low, received, high, sent)
                return
            if low >= new_low:
                self._low, self._low_at = low, received
            if high <= new_high:
                self._high, self._high_at = high, sent

    def _set(self, low: float, low_at: float, high: float, high_at: float) -> None:
        self._low, self._low_at, self._high, self._high_at = low, low_at, high, high_at

    # -- asking -----------------------------------------------------------------------------------

    def _offset(self, at: float) -> tuple[float, float] | None:
        """(low, high) bounds of the offset at local monotonic ``at``; call with the lock held."""
        if self._low is None:
            return None
        return (self._low - MAX_DRIFT * abs(at - self._low_at),
                self._high + MAX_DRIFT * abs(at - self._high_at))

    def bounds(self, at: float) -> Bounds | None:
        """The service's time at local monotonic ``at`` (seconds), or None before any answer."""
        with self._lock:
            offset = self._offset(at)
        if offset is None:
            return None
        return Bounds(_EPOCH + timedelta(seconds=at + offset[0]),
                      _EPOCH + timedelta(seconds=at + offset[1]))

    @property
    def newest_answer_at(self) -> float | None:
        """Local monotonic seconds at which the newest observed answer arrived, or None."""
        with self._lock:
            return None if self._newest is None else self._newest[0]

    def ready_at(self, gap: timedelta) -> float | None:
        """The local monotonic time (seconds) from which a request the service answers will
        carry a ``Date`` at least ``gap`` past every time the service could have stamped before
        it wrote the newest observed answer; None before any answer.

        Use: records written by requests whose answers were all observed carry stamps no later
        than that, so a read sent from then on is dated ``gap`` past all of them. The bound on
        that newest moment is the tighter of its own ``Date + 1 s`` and what the offset allows
        at its arrival; the read's ``Date`` is whole seconds, so the target is the first whole
        second at or after that bound plus ``gap``, and the wait ends when even the lowest
        offset puts the service's clock there."""
        with self._lock:
            if self._newest is None:
                return None
            received, dated_before = self._newest
            offset = self._offset(received)
            assert offset is not None
            newest = min(dated_before, received + offset[1])
            target = math.ceil((newest + gap.total_seconds()) / RESOLUTION) * RESOLUTION
            # solve at + low - MAX_DRIFT * (at - low_at) >= target for the local time ``at``
            low, low_at = self._low, self._low_at
            assert low is not None
            at = (target - low - MAX_DRIFT * low_at) / (1 - MAX_DRIFT)
            # before low_at the formula differs; a wait ending there has ended already
            return max(at, low_at) + MARGIN
