"""The conformance harness of the fake connector: a :class:`FakeRemote` per test, connected by
the real ``crm sync configure`` and ``crm sync test`` (HTTP Basic, the password on stdin)."""
from __future__ import annotations

from typing import Any

from crmcore.testing.conformance_world import RemoteHarness
from crmcore.testing.fake.connector import REVOKED
from crmcore.testing.fake.remote import FakeRemote
from crmcore.testing.fixtures import CrmEnv


class FakeHarness(RemoteHarness):
    """A fresh fake remote, started on enter; pages of 5 so that reads page."""

    page_size = 5

    def __init__(self) -> None:
        self.remote = FakeRemote(page_size=self.page_size)

    def __enter__(self) -> "FakeHarness":
        self.remote.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remote.stop()

    def connect(self, env: CrmEnv) -> None:
        done = env.invoke(["sync", "configure", "fake", "--url", self.remote.url, "--username",
                           self.remote.username], input=self.remote.password + "\n")
        assert done.exit_code == 0, done.output
        self.configured(env)
        tested = env.invoke(["sync", "test", "fake"])
        assert tested.exit_code == 0, tested.output

    def configured(self, env: CrmEnv) -> None:
        """Called by :meth:`connect` once the connection is saved, before the ``crm sync test``
        that ends the connecting: a harness can change the connection's settings here."""

    def break_credentials(self, env: CrmEnv) -> None:
        done = env.invoke(["sync", "configure", "fake", "--password", "-"], input="wrong\n")
        assert done.exit_code == 0, done.output

    def new_values(self, i: int) -> dict[str, Any]:
        return {"email": f"person{i}@example.com", "given_name": f"Given{i}",
                "family_name": f"Family{i}", "company": "Acme", "consent": "granted"}

    def create(self, values: dict[str, Any]) -> str:
        return self.remote.create(**values)

    def update(self, remote_id: str, values: dict[str, Any]) -> None:
        self.remote.update(remote_id, **values)

    def delete(self, remote_id: str) -> None:
        self.remote.delete(remote_id)

    def live(self) -> dict[str, dict[str, Any]]:
        return self.remote.live()

    def invalidate_cursor(self, env: CrmEnv) -> None:
        self.remote.expire_tokens()  # the next read with the held token answers 410 Gone

    def refused_crm_values(self) -> dict[str, Any]:
        return {"title": "please refuse this"}  # within the CRM's limits; the remote says 400

    def withdraw_consent(self, remote_id: str) -> None:
        self.remote.update(remote_id, consent=REVOKED)

    def consent_withdrawn(self, values: dict[str, Any]) -> bool:
        return values.get("consent") == REVOKED
