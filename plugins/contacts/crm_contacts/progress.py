"""Progress of a long contacts command: the core's display (:mod:`crmcore.api`), kept importable
here for the commands and tests that name it."""
from __future__ import annotations

from crmcore.api import PLAIN_FROM, ProgressDisplay, progress_reporter

__all__ = ["PLAIN_FROM", "ProgressDisplay", "progress_reporter"]
