"""The world a conformance test plays in: one CRM (a :class:`CrmEnv`) with the connector's
connection, one live remote behind a :class:`RemoteHarness`, and helpers to change either side
and to compare them. Used by :mod:`crmcore.testing.conformance`."""
from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from crmcore.testing.fixtures import CrmEnv


class Unsupported(Exception):
    """Raised by a harness method the remote cannot offer; the test using it is skipped with
    this reason (a check a connector cannot support is skipped only with a stated reason)."""


class RemoteHarness:
    """What the conformance suite needs from a live remote (a sandbox, a test server).

    A connector's test file subclasses it. Values are in the connector's remote field names.
    Methods a remote cannot offer raise :class:`Unsupported` with the reason.
    """

    #: records per page of ``read_changes``, when the remote can be made to page (None: skip
    #: the paging check with that reason)
    page_size: int | None = None

    def __enter__(self) -> "RemoteHarness":
        return self

    def __exit__(self, *exc: Any) -> None:
        """Stop the remote."""

    def connect(self, env: CrmEnv) -> None:
        """Configure and sign in the CRM's connection to this remote (``crm sync configure``,
        ``authorize`` or ``test``) so that a sync can run."""
        raise NotImplementedError

    def break_credentials(self, env: CrmEnv) -> None:
        """Make the saved credentials wrong (a wrong password, a revoked token)."""
        raise Unsupported("the harness cannot make the credentials wrong")

    def new_values(self, i: int) -> dict[str, Any]:
        """Valid remote values of a record numbered ``i`` (a unique email per ``i``)."""
        raise NotImplementedError

    def create(self, values: dict[str, Any]) -> str:
        """Create a record on the remote side (as its user would); returns its id."""
        raise NotImplementedError

    def update(self, remote_id: str, values: dict[str, Any]) -> None:
        """Change fields of a record on the remote side."""
        raise NotImplementedError

    def delete(self, remote_id: str) -> None:
        """Delete a record on the remote side."""
        raise NotImplementedError

    def live(self) -> dict[str, dict[str, Any]]:
        """Every live (not deleted) remote record: id -> values."""
        raise NotImplementedError

    def settle(self) -> None:
        """Wait until changes made so far are safely behind a cursor read now (a service
        whose cursor is a timestamp with an overlap: past the overlap). Default: nothing."""

    def invalidate_cursor(self, env: CrmEnv) -> None:
        """Make the cursor the CRM holds invalid as the service would (an expired token).
        Default: a garbage cursor in the checkpoint (the connector must refuse it with
        ``CursorInvalid``)."""
        from crmcore.sync.models import SyncCheckpoint

        crm = env.crm()
        try:
            with crm.session() as session:
                for point in session.exec(select(SyncCheckpoint)):
                    point.remote_cursor = f"not-a-cursor-{uuid.uuid4().hex}"
                    session.add(point)
        finally:
            crm.close()

    def refused_crm_values(self) -> dict[str, Any]:
        """CRM values (module field names) the core's limits accept but the remote refuses,
        so that a write of them fails alone."""
        raise Unsupported("the harness knows no value the remote refuses")

    def withdraw_consent(self, remote_id: str) -> None:
        """Withdraw the record's consent on the remote side (unsubscribe)."""
        raise Unsupported("the connector declares no consent field")

    def consent_withdrawn(self, values: dict[str, Any]) -> bool:
        """Whether remote ``values`` say consent is withdrawn."""
        raise Unsupported("the connector declares no consent field")


class World:
    """A CRM and a remote, connected; the helpers the checks use."""

    def __init__(self, env: CrmEnv, harness: RemoteHarness, connector_name: str) -> None:
        self.env = env
        self.harness = harness
        self.crm = env.crm()
        self.connector = self.crm.plugins.connectors[connector_name].connector
        self.module = self.crm.plugins.modules[self.connector.module].spec
        self.store = self.module.records
        from crmcore.auth.models import Connection

        with self.crm.session() as session:
            self.connection_id = session.exec(select(Connection).where(
                Connection.connector == connector_name)).one().id
        from crmcore.sync.mapping_store import get_mapping

        self.mapping = get_mapping(self.crm, connector_name)
        self.email_crm = next(e.crm for e in self.mapping.entries
                              if tuple(e.remote) == (self.connector.email_field,))

    def close(self) -> None:
        self.crm.close()

    # -- the CRM side ---------------------------------------------------------------------------

    def _user(self, session):
        from crmcore.users import get_user

        return get_user(session, "admin")

    def crm_values(self, i: int) -> dict[str, Any]:
        """CRM values of the record ``harness.new_values(i)`` describes (a unique email)."""
        mapped = self.mapping.to_crm(self.harness.new_values(i))
        assert mapped.values is not None, mapped.skip_reason
        return mapped.values

    def add(self, values: dict[str, Any]) -> int:
        with self.crm.session() as s:
            return self.store.create(s, values, self._user(s))

    def edit(self, record_id: int, values: dict[str, Any]) -> None:
        with self.crm.session() as s:
            self.store.update(s, record_id, values, self._user(s))

    def remove(self, record_id: int) -> None:
        with self.crm.session() as s:
            self.store.delete(s, record_id, self._user(s))

    def records(self, deleted: bool = False) -> dict[int, dict[str, Any]]:
        """CRM records of the connector's module by id (live ones, unless ``deleted``)."""
        from crmcore.changes import changes_since

        with self.crm.session() as s:
            ids = {c.record_id for batch in changes_since(s, self.module.name, 0) for c in batch}
            snaps = self.store.get_many(s, ids)
        return {i: dict(snap.values) for i, snap in snaps.items() if deleted or not snap.deleted}

    # -- runs -----------------------------------------------------------------------------------

    def sync(self, expect: str = "success", **options: Any):
        from crmcore.sync.runner import sync_connection

        summary = sync_connection(self.crm, self.connection_id, **options)
        assert summary.outcome == expect, (summary.outcome, summary.error, summary.hint)
        return summary

    def writes(self, summary) -> dict[str, dict[str, int]]:
        """What a run wrote: side -> action -> count (created, updated, deleted; no zeros)."""
        return {side: {a: n for a, n in counts.items()
                       if a in ("created", "updated", "deleted") and n}
                for side, counts in summary.counts.items()}

    def items(self, run_id: int) -> list[dict[str, Any]]:
        from crmcore.api import run_items

        return run_items(self.crm, run_id)

    # -- comparing ------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Both sides by normalised email, in the mapping's comparable keys: what two worlds
        that should end alike must share. Asserts neither side holds a duplicate email."""
        from crmcore.api import normalise

        crm: dict[str, str] = {}
        emails = Counter()
        for values in self.records().values():
            email = normalise(values.get(self.email_crm))
            if email is None:
                continue
            email = email.casefold()
            emails[email] += 1
            crm[email] = self.mapping.crm_fingerprint(values)
        assert not [e for e, n in emails.items() if n > 1], f"CRM duplicates: {emails}"
        remote: dict[str, str] = {}
        emails = Counter()
        for values in self.harness.live().values():
            email = normalise(values.get(self.connector.email_field))
            if email is None:
                continue
            email = email.casefold()
            emails[email] += 1
            remote[email] = self.mapping.remote_fingerprint(values)
        assert not [e for e, n in emails.items() if n > 1], f"remote duplicates: {emails}"
        return {"crm": crm, "remote": remote}

    def assert_converged(self) -> None:
        """Every live record of each side has its twin, equal under the mapping, on the other."""
        state = self.state()
        assert state["crm"] == state["remote"], json.dumps(state, indent=1, sort_keys=True)


@contextmanager
def world(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          connector_name: str, plugins: Sequence[str], extra_plugins: Sequence[object],
          harness_factory) -> Iterator[World]:
    """A fresh CRM (its own database on ``database_url``'s backend, under ``tmp_path``) with
    the connector's extension installed, connected to a fresh remote. Worlds of one test share
    the secret key, so several can be open at once."""
    import os

    from cryptography.fernet import Fernet

    from crmcore.initialise import initialise
    from crmcore.testing.fixtures import fresh_database

    tmp_path.mkdir(parents=True, exist_ok=True)
    key = os.environ.get("CRM_SECRET_KEY") or Fernet.generate_key().decode()
    monkeypatch.setenv("CRM_SECRET_KEY", key)
    monkeypatch.setenv("CRM_PLUGINS", ",".join(plugins))
    with harness_factory() as harness, fresh_database(database_url, tmp_path) as url:
        env = CrmEnv(home=tmp_path / "home", database_url=url, secret_key=key,
                     plugins=tuple(plugins), extra_plugins=tuple(extra_plugins))
        crm = env.crm()
        try:
            initialise(crm, "admin")
        finally:
            crm.close()
        installed = env.invoke(["extensions", "install", _extension(env, connector_name), "-y"])
        assert installed.exit_code == 0, installed.output
        harness.connect(env)
        found = World(env, harness, connector_name)
        try:
            yield found
        finally:
            found.close()


def _extension(env: CrmEnv, connector_name: str) -> str:
    crm = env.crm()
    try:
        return crm.plugins.connectors[connector_name].connector.extension
    finally:
        crm.close()
