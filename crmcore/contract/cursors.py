"""Change cursors: the opaque position a connector reads remote changes from.

A connector returns a cursor (a string only it understands) with its pages of changes
(:attr:`crmcore.contract.records.RemotePage.cursor`); the core stores the last one with the
batch's checkpoint and hands it back to the next ``read_changes``. A sync token (RFC 6578
``DAV:sync-token``, Google's ``syncToken``, a delta link) is such a cursor as it is.

For a service that only filters by modification time, :class:`TimestampCursor` is the cursor:
a high-water mark with an overlap, because a change committed late may carry a time just before
the newest one already read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from crmcore.errors import CrmError

# Remote changes are read from the newest updated_at seen, minus this overlap, in case a change
# committed late carries an earlier time; re-reading a record is harmless (fingerprints).
OVERLAP = timedelta(seconds=2)

_PREFIX = "ts1:"


class CursorInvalid(CrmError):
    """Raised by ``ConnectorSession.read_changes`` when the cursor it was given is no longer
    valid (an expired sync token: RFC 6578 ``DAV:valid-sync-token``, HTTP 410 Gone; a cursor of
    another format). The core then reads everything again from ``None``: records are matched by
    their links, then by email, so nothing is created twice, and nothing is deleted merely for
    being absent from the full read."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The change cursor is no longer valid: {reason}.",
                         "Nothing to do: the sync reads everything again and carries on.")
        self.reason = reason


@dataclass(frozen=True)
class TimestampCursor:
    """A high-water mark (the newest remote ``updated_at`` read, aware UTC) and whether the
    ``OVERLAP`` before it had already settled by the remote's clock when it was read (then the
    next read need not go back over it: a quiet connection costs one request).

    Encoded as ``"ts1:<ISO 8601 time>:<0|1>"``; :meth:`parse` raises :class:`CursorInvalid` for
    anything else, so a connector switching to this cursor recovers by a full read."""

    mark: datetime
    settled: bool = False

    def encode(self) -> str:
        """The opaque string to put in ``RemotePage.cursor``."""
        return f"{_PREFIX}{self.mark.astimezone(timezone.utc).isoformat()}|{int(self.settled)}"

    @classmethod
    def parse(cls, cursor: str | None) -> "TimestampCursor | None":
        """The cursor ``encode`` made, or None for None. Raises :class:`CursorInvalid`."""
        if cursor is None:
            return None
        try:
            if not cursor.startswith(_PREFIX):
                raise ValueError
            when, settled = cursor[len(_PREFIX):].rsplit("|", 1)
            mark = datetime.fromisoformat(when)
            if mark.tzinfo is None or settled not in ("0", "1"):
                raise ValueError
        except ValueError:
            raise CursorInvalid("it is not a timestamp cursor of this connector") from None
        return cls(mark.astimezone(timezone.utc), settled == "1")

    @classmethod
    def read_from(cls, cursor: str | None, floor: datetime | None = None,
                  overlap: timedelta = OVERLAP) -> datetime | None:
        """The time to ask for changes after: None (everything) for no cursor, else the mark,
        minus ``overlap`` unless it had settled; never before ``floor`` (only records changed
        since take part) when given. Raises :class:`CursorInvalid`."""
        parsed = cls.parse(cursor)
        since = None if parsed is None else (
            parsed.mark if parsed.settled else parsed.mark - overlap)
        if floor is not None and (since is None or since < floor):
            since = floor
        return since

    @classmethod
    def after(cls, cursor: str | None, high_water: datetime | None, read_at: datetime | None,
              overlap: timedelta = OVERLAP) -> str | None:
        """The cursor after a read that started at ``cursor`` and saw records up to
        ``high_water`` (None: none), at the remote's time ``read_at`` (None: unknown). None when
        there is still no mark. Raises :class:`CursorInvalid` for a bad ``cursor``."""
        old = cls.parse(cursor)
        marks = [m for m in (old.mark if old else None, high_water) if m is not None]
        if not marks:
            return None
        mark = max(marks)
        return cls(mark, read_at is not None and read_at - mark >= overlap).encode()
