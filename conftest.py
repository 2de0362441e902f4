"""How many pytest-xdist workers a run gets (the project's pytest settings pass ``-n auto``).

The tests mostly wait (on sockets, subprocesses, real servers and the clock), so a run of many
tests gets twice as many workers as the machine has cores, at least four. A run that names only
single tests (``pytest path::test``) stays in one process: starting workers would cost more than
it saves. ``-n N`` on the command line, or ``PYTEST_XDIST_AUTO_NUM_WORKERS=N``, sets the number
(``-n 0``: no workers).

Under workers, the tests marked ``slow`` are handed out first, so that the longest ones do not
start last and keep one worker busy after the others have finished.
"""
from __future__ import annotations

import os

import pytest


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Workers for ``-n auto``: the environment's number, else 0 for named single tests, else
    two per core (at least four)."""
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if chosen and chosen.isdigit():
        return int(chosen)
    args = config.args
    if args and all("::" in arg for arg in args):
        return 0
    return max(4, 2 * (os.cpu_count() or 1))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker: the ``slow`` tests first, the rest in their usual order (every worker
    sorts the same way, as xdist requires)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
