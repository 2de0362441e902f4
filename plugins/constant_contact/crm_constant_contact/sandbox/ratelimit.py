"""Constant Contact's two API limits: requests per second and requests per UTC day.

Both answer 429 with the documented single-object bodies and no Retry-After header, so a
connector must throttle itself. Either limit can be switched off (None), e.g. for benchmarks.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime, timezone

THROTTLED = {"error_key": "throttled", "error_message": "Too Many Requests"}
QUOTA_EXCEEDED = {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"}


def _utc_day() -> str:
    return datetime.now(timezone.utc).date().isoformat()


class RateLimiter:
    """A sliding one-second window and a daily counter that resets at 00:00 UTC."""

    def __init__(self, per_second: float | None = 4, daily: int | None = 10_000) -> None:
        self.per_second = per_second
        self.daily = daily
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self._day = _utc_day()
        self.used_today = 0

    def configure(self, per_second: float | None, daily: int | None) -> None:
        with self._lock:
            self.per_second, self.daily = per_second, daily

    def reset(self) -> None:
        """Forget the recent requests and today's count."""
        with self._lock:
            self._recent.clear()
            self.used_today = 0
            self._day = _utc_day()

    def exhaust_daily(self) -> None:
        """Mark today's quota as used up (only bites while a daily limit is set)."""
        with self._lock:
            self._day = _utc_day()
            self.used_today = max(self.used_today, self.daily or 0)

    def check(self) -> dict[str, str] | None:
        """Count one request; return the 429 body when a limit refuses it, else None."""
        with self._lock:
            today = _utc_day()
            if today != self._day:
                self._day, self.used_today = today, 0
            if self.daily is not None and self.used_today >= self.daily:
                return QUOTA_EXCEEDED
            if self.per_second is not None:
                now = time.monotonic()
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self.per_second:
                    return THROTTLED
                self._recent.append(now)
            self.used_today += 1
            return None
