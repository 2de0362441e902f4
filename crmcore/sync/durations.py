"""The short time spans people type in settings: "90d", "15m", "2h", "all", "off"."""
from __future__ import annotations

import re
from datetime import timedelta

_SPAN = re.compile(r"^([1-9][0-9]*)([mhdwy])$")


def records_from_span(text: str) -> timedelta | None:
    """'Sync Records From': None for 'all'; m means months (30 days) here."""
    if text == "all":
        return None
    match = _SPAN.match(text)
    if not match or match.group(2) == "h":
        raise ValueError(f"not a span: {text!r}")
    n, unit = int(match.group(1)), match.group(2)
    return timedelta(days=n * {"d": 1, "w": 7, "m": 30, "y": 365}[unit])


def frequency_span(text: str) -> timedelta | None:
    """'Background Sync Frequency': None for 'off'; m means minutes here."""
    if text == "off":
        return None
    match = _SPAN.match(text)
    if not match or match.group(2) not in "mhd":
        raise ValueError(f"not a frequency: {text!r}")
    n, unit = int(match.group(1)), match.group(2)
    return timedelta(minutes=n * {"m": 1, "h": 60, "d": 1440}[unit])
