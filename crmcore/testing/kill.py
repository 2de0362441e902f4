"""Killing a sync run at its Nth commit, for crash-recovery checks: the engine's batch commit
raises :class:`Killed` before writing, as if the process died there."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


class Killed(Exception):
    """Stands for the process dying at this point."""


def _commit_owner():
    from crmcore.sync.engine import SyncEngine

    return SyncEngine


def count_commits(monkeypatch: pytest.MonkeyPatch, run: Callable[[], Any]) -> int:
    """Run ``run`` and return how many batch commits it made."""
    owner = _commit_owner()
    original = owner._commit
    count = 0

    def counting(self, *args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        original(self, *args, **kwargs)

    with monkeypatch.context() as mp:
        mp.setattr(owner, "_commit", counting)
        run()
    return count


def at_commit(monkeypatch: pytest.MonkeyPatch, point: int, run: Callable[[], Any]) -> None:
    """Run ``run`` with the ``point``-th batch commit (1-based) dying before it writes."""
    owner = _commit_owner()
    original = owner._commit
    count = 0

    def dying(self, *args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        if count == point:
            raise Killed(f"killed at commit {point}")
        original(self, *args, **kwargs)

    with monkeypatch.context() as mp:
        mp.setattr(owner, "_commit", dying)
        run()
