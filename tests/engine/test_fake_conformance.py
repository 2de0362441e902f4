"""The in-memory fake connector passes the conformance suite: the suite's own proof that it can
be passed, and the engine's checks (second run, kill matrix, convergence, consent) over a fast
remote on SQLite and PostgreSQL."""
from __future__ import annotations

from crmcore.testing.conformance import connector_test_class
from crmcore.testing.fake import plugin

from engine.fastfake import UnthrottledFakeHarness

TestFakeConnector = connector_test_class("fake", plugins=("contacts", "fake"),
                                         harness=UnthrottledFakeHarness,
                                         extra_plugins=(plugin,), package="crmcore.testing.fake")
