"""The fake connector's conformance harness with its connection unthrottled.

The fake remote has no rate limit, and the default 4 requests/s would make a run of a few
hundred records (one request per write) a minute of waiting. The throttle itself is tested in
tests/auth/test_http_defaults.py and tests/auth/test_api_client.py.
"""
from __future__ import annotations

from crmcore.testing.fake.harness import FakeHarness
from crmcore.testing.fixtures import CrmEnv


class UnthrottledFakeHarness(FakeHarness):
    """:class:`FakeHarness`, its connection saved with ``rate_per_second`` None."""

    def configured(self, env: CrmEnv) -> None:
        env.unthrottle("fake")
