"""crmcore.service_clock: bounds on a service's clock from the Date headers of its answers
(RFC 9110 section 6.6.1), and when a read will be dated far enough past the newest answer.

A simulated service with a known offset from the local clock answers requests; its Date is its
clock truncated to the second at a moment inside each exchange. Whatever the timings, the
bounds must hold the true time, and a read sent at ``ready_at`` must be dated ``gap`` past every
stamp made before the newest answer."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.service_clock import MARGIN, MAX_DRIFT, ServiceClock, parse_http_date

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
GAP = timedelta(seconds=2)


class Service:
    """A remote whose clock is local monotonic time + ``offset`` (seconds since the epoch)."""

    def __init__(self, offset: float) -> None:
        self.offset = offset
        self.clock = ServiceClock()
        self.newest_made = -math.inf  # the service's time when it made the newest answer
        self.newest_received = -math.inf

    def answer(self, sent: float, rtt: float, where: float = 0.5) -> None:
        """One exchange: sent at local ``sent``, the answer made ``where`` (0..1) of the way
        through the round trip ``rtt`` and received at its end."""
        made = self.offset + sent + where * rtt
        date = EPOCH + timedelta(seconds=math.floor(made))
        self.clock.observe(date, sent, sent + rtt)
        if sent + rtt >= self.newest_received:
            self.newest_received, self.newest_made = sent + rtt, made

    def date_of_read_sent_at(self, at: float) -> float:
        """The Date (epoch seconds) of an answer to a request sent at local ``at`` (made at once:
        the earliest, so the least favourable)."""
        return math.floor(self.offset + at)


exchanges = st.lists(st.tuples(st.floats(0.0, 2.0), st.floats(0.0005, 0.5), st.floats(0.0, 1.0)),
                     min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(offset=st.floats(1.7e9, 1.8e9), start=st.floats(0.0, 1e5), plan=exchanges)
def test_bounds_hold_the_true_time_and_a_read_at_ready_at_is_dated_past_the_gap(offset, start, plan):
    service = Service(offset)
    now = start
    for pause, rtt, where in plan:
        now += pause
        service.answer(now, rtt, where)
        now += rtt
    for at in (start, now, now + 5.0):
        bounds = service.clock.bounds(at)
        true = EPOCH + timedelta(seconds=offset + at)
        assert bounds.low - timedelta(microseconds=1) <= true <= bounds.high + timedelta(microseconds=1)
    ready = service.clock.ready_at(GAP)
    assert service.date_of_read_sent_at(ready) - service.newest_made >= GAP.total_seconds()
    # and never longer than the Date's second plus the gap after the newest answer arrived
    # (and the drift allowed over the span the bounds come from)
    drift = MAX_DRIFT * (ready - start)
    assert ready - service.newest_received <= 1.0 + GAP.total_seconds() + MARGIN + drift + 1e-6


def test_an_answer_just_after_the_tick_pins_the_offset_and_the_wait_follows_the_second():
    service = Service(offset=1_764_556_800.0 - 100.0)  # local 100.0 is exactly a service second
    service.answer(99.990, 0.004)  # made at .992: dated the second before
    service.answer(100.000, 0.004)  # made at .002: dated the new second
    width = service.clock.bounds(100.004).width.total_seconds()
    assert width <= 0.015  # from the two round trips, not the second the Date header has
    # the newest answer made early in a second: the read waits for the third tick, ~3 s
    late = service.clock.ready_at(GAP) - 100.004
    assert 2.98 <= late <= 3.0 + 0.02
    service.answer(100.850, 0.004)  # made at .852: the same tick is two seconds and .15 away
    wait = service.clock.ready_at(GAP) - 100.854
    assert 2.14 <= wait <= 2.17


def test_without_a_tick_the_newest_answer_s_own_date_bounds_the_wait():
    service = Service(offset=1_764_556_800.25 - 10.0)  # service seconds tick at local 9.75, 10.75
    for sent in (10.0, 10.1, 10.2, 10.3):
        service.answer(sent, 0.01)
    ready = service.clock.ready_at(GAP)
    assert service.date_of_read_sent_at(ready) - service.newest_made >= 2
    assert ready - 10.31 <= 3.0 - (10.31 - 10.01) + 0.01  # less than the 3.2 s fixed wait


def test_nothing_known_answers_none():
    clock = ServiceClock()
    assert clock.bounds(1.0) is None and clock.ready_at(GAP) is None
    assert clock.newest_answer_at is None
    assert clock.observe_answer([], 0.0, 0.1) is False


def test_a_contradicting_answer_replaces_what_came_before():
    clock = ServiceClock()
    base = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    clock.observe(base, 10.0, 10.01)
    clock.observe(base + timedelta(seconds=30), 10.5, 10.51)  # the service's clock stepped
    assert clock.restarts == 1
    bounds = clock.bounds(10.51)
    assert base + timedelta(seconds=30) <= bounds.high and bounds.low <= base + timedelta(seconds=31)
    assert bounds.low >= base + timedelta(seconds=29)


def test_bounds_widen_with_time_for_drift():
    clock = ServiceClock()
    base = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    clock.observe(base, 0.999, 1.0005)
    clock.observe(base + timedelta(seconds=1), 1.0005, 1.002)
    near = clock.bounds(1.0).width
    far = clock.bounds(10_001.0).width
    assert far - near >= timedelta(seconds=9.9)  # 500 ppm of 10,000 s, on each side


@pytest.mark.parametrize("value", ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                                   "Sun Nov  6 08:49:37 1994"])
def test_the_three_http_date_forms_parse(value):
    assert parse_http_date(value) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 -0000"])
def test_what_is_not_an_http_date_in_a_known_zone_is_none(value):
    assert parse_http_date(value) is None


def test_answers_that_cannot_date_the_exchange_are_ignored():
    clock = ServiceClock()
    date = "Tue, 01 Dec 2026 03:00:00 GMT"
    assert clock.observe_answer([date, "Tue, 01 Dec 2026 02:59:57 GMT"], 1.0, 1.1) is False
    assert clock.observe_answer([date], 1.0, 1.1, cached=True) is False  # Age: made earlier
    assert clock.observe_answer(["soon"], 1.0, 1.1) is False
    assert clock.samples == 0
    assert clock.observe_answer([date, date], 1.0, 1.1) is True  # one value, repeated
    assert clock.observe_answer([date], 1.2, 1.3) is True  # the same header again: no new parse
    assert clock.samples == 2 and clock.newest_answer_at == 1.3
    with pytest.raises(ValueError):
        clock.observe(datetime(2026, 12, 1), 1.0, 1.1)
    with pytest.raises(ValueError):
        clock.observe(datetime(2026, 12, 1, tzinfo=timezone.utc), 1.1, 1.0)
