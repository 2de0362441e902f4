"""Opaque cursors: base64 of a small JSON document holding the filters and the position.

Clients must treat them as opaque (the real service changes them at will); encoding the filters
means a next-page request carries nothing but the cursor, as Constant Contact's links do.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .http_types import error_array


def encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any]:
    """The state a cursor was made from; a 400 for anything this sandbox did not issue."""
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise error_array(400, "contacts.api.validation.error", "cursor is not valid") from exc
    if not isinstance(state, dict):
        raise error_array(400, "contacts.api.validation.error", "cursor is not valid")
    return state


def parse_limit(value: str | None, default: int, maximum: int, minimum: int = 1) -> int:
    """A ``limit`` query parameter, or a 400 naming the allowed range."""
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except ValueError:
        limit = None
    if limit is None or not minimum <= limit <= maximum:
        raise error_array(400, "contacts.api.validation.error",
                          f"limit must be an integer from {minimum} to {maximum}")
    return limit


def parse_bool(value: str | None, name: str) -> bool:
    if value is None or value == "":
        return False
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise error_array(400, "contacts.api.validation.error", f"{name} must be true or false")
