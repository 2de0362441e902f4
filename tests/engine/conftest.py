"""The engine's tests run over the fake connector: a fresh CRM and fake remote per world, the
connection unthrottled (see engine/fastfake.py)."""
from __future__ import annotations

import pytest

from crmcore.testing.conformance_world import world
from crmcore.testing.fake import plugin

from engine.fastfake import UnthrottledFakeHarness


@pytest.fixture
def fake_world(database_url, tmp_path, monkeypatch):
    """Factory of connected worlds: ``w = fake_world()``; ``w.harness.remote`` is the FakeRemote."""
    made = []

    def factory(name: str = "w"):
        context = world(database_url, tmp_path / name, monkeypatch, "fake", ("contacts", "fake"),
                        (plugin,), UnthrottledFakeHarness)
        made.append(context)
        return context.__enter__()

    yield factory
    for context in reversed(made):
        context.__exit__(None, None, None)
