"""A CRM with Contacts and Constant Contact installed, signed in to a fresh sandbox."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import select

from crm_constant_contact.rehearsal import connect_to_sandbox
from crm_constant_contact.sandbox import Sandbox
from crmcore.app import CRM
from crmcore.models import User
from crmcore.sync import settings as sync_settings
from crmcore.sync.models import SyncLink
from crmcore.sync.runner import RunSummary, sync_connection
from crmcore.testing.fixtures import fresh_database, make_env
from crmcore.users import get_user


@dataclass
class World:
    env: Any
    crm: CRM
    sandbox: Sandbox
    connection_id: int
    user: User

    # -- CRM side -------------------------------------------------------------------------------
    @property
    def store(self):
        return self.crm.plugins.modules["contacts"].spec.records

    def add(self, **values) -> int:
        with self.crm.session() as s:
            return self.store.create(s, values, s.get(User, self.user.id))

    def update(self, record_id: int, **values) -> None:
        with self.crm.session() as s:
            self.store.update(s, record_id, values, s.get(User, self.user.id))

    def delete(self, record_id: int) -> None:
        with self.crm.session() as s:
            self.store.delete(s, record_id, s.get(User, self.user.id))

    def restore(self, record_id: int) -> None:
        with self.crm.session() as s:
            self.store.restore(s, record_id, s.get(User, self.user.id))

    def contacts(self, deleted: bool = False) -> dict[int, dict]:
        """CRM contacts by id (live ones; with ``deleted`` the recycle bin too)."""
        from crm_contacts.models import Contact
        with self.crm.session() as s:
            ids = [c.id for c in s.exec(select(Contact))]
            snaps = self.store.get_many(s, ids)
        return {i: {**snap.values, "_deleted": snap.deleted} for i, snap in snaps.items()
                if deleted or not snap.deleted}

    def by_email(self, email: str) -> dict | None:
        found = [v for v in self.contacts().values() if (v.get("email") or "").lower() == email.lower()]
        assert len(found) <= 1, found
        return found[0] if found else None

    # -- remote side ----------------------------------------------------------------------------
    def remote(self, email: str, include_deleted: bool = False) -> dict | None:
        found = [c for c in self.sandbox.contacts(include_deleted=include_deleted)
                 if c["email_address"]["address"].lower() == email.lower()]
        assert len(found) <= 1, found
        return found[0] if found else None

    contact = staticmethod(lambda *a, **k: contact(*a, **k))

    def seed(self, *contacts: dict) -> list[str]:
        return self.sandbox.seed_contacts(list(contacts))

    # -- sync -----------------------------------------------------------------------------------
    def sync(self, expect: str = "success", **kwargs) -> RunSummary:
        summary = sync_connection(self.crm, self.connection_id, **kwargs)
        assert summary.outcome == expect, (summary.error, summary.hint)
        return summary

    def settings(self, **changes) -> None:
        with self.crm.session() as s:
            sync_settings.update(s, get_user(s, "admin"), self.connection_id, "constant-contact",
                                 changes)

    def links(self) -> list[SyncLink]:
        with self.crm.session() as s:
            return list(s.exec(select(SyncLink)))


def contact(email: str | None, first: str | None = None, last: str | None = None, **extra) -> dict:
    """A V3 contact body for seeding the sandbox."""
    body: dict = {"first_name": first, "last_name": last, **extra}
    if email is not None:
        body["email_address"] = {"address": email,
                                 "permission_to_send": extra.pop("permission", "implicit")}
        body.pop("permission", None)
    return {k: v for k, v in body.items() if v is not None}


@contextmanager
def _world(env) -> Iterator[World]:
    result = env.invoke(["extensions", "install", "constant-contact", "-y"])
    assert result.exit_code == 0, result.output
    crm = env.crm()
    try:
        with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True) as sandbox:
            with crm.session() as s:
                user = get_user(s, "admin")
            connection_id = connect_to_sandbox(crm, user, sandbox, backoff_base=0.001,
                                               backoff_max=0.01)
            yield World(env, crm, sandbox, connection_id, user)
    finally:
        crm.close()


@pytest.fixture
def world(make_crm_env):
    with _world(make_crm_env("contacts", "constant-contact")) as built:
        yield built


@pytest.fixture
def make_world(database_url, tmp_path):
    """Factory of fresh worlds (a new database each) for tests that need several, or one per
    hypothesis example: ``with make_world() as world: ...``."""

    @contextmanager
    def factory() -> Iterator[World]:
        where = tmp_path / f"w{uuid.uuid4().hex[:8]}"
        where.mkdir()
        with fresh_database(database_url, where) as url, pytest.MonkeyPatch.context() as mp:
            with _world(make_env(url, where, mp, ("contacts", "constant-contact"))) as built:
                yield built

    return factory


@dataclass
class Fleet:
    """One CRM with several users, each signed in to a sandbox of their own (one account each)."""

    env: Any
    crm: CRM
    sandboxes: list[Sandbox]
    connection_ids: list[int]
    users: list[str]


@contextmanager
def build_fleet(env, size: int, contacts_each: int = 5, latency: float = 0.0) -> Iterator[Fleet]:
    """``size`` users ``u0``.. with a connection each to their own sandbox seeded with
    ``contacts_each`` contacts (``latency`` seconds added to every sandbox request)."""
    result = env.invoke(["extensions", "install", "constant-contact", "-y"])
    assert result.exit_code == 0, result.output
    crm = env.crm()
    sandboxes: list[Sandbox] = []
    try:
        ids, names = [], []
        for number in range(size):
            name = f"u{number}"
            assert env.invoke(["users", "add", name]).exit_code == 0
            sandbox = Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True)
            sandbox.start()
            sandboxes.append(sandbox)
            sandbox.seed_contacts([contact(f"p{i}@{name}.example.com", f"P{i}", name.upper())
                                   for i in range(contacts_each)])
            with crm.session() as s:
                user = get_user(s, name)
            ids.append(connect_to_sandbox(crm, user, sandbox, backoff_base=0.001, backoff_max=0.01))
            names.append(name)
            sandbox.faults.latency = latency
        yield Fleet(env, crm, sandboxes, ids, names)
    finally:
        for sandbox in sandboxes:
            sandbox.faults.clear()
            sandbox.stop()
        crm.close()


@pytest.fixture
def make_fleet(make_crm_env):
    """``with make_fleet(3) as fleet:`` -> a :class:`Fleet` on this test's database."""
    return lambda size, **kw: build_fleet(make_crm_env("contacts", "constant-contact"), size, **kw)


class Hold(threading.Event):
    """A sandbox hang that lasts until the test sets this event: ``faults.hang_next(1,
    seconds=hold.seconds)``, then ``hold.set()``."""

    seconds = 3600.0  # the hang length that means "until set" (any other is a real sleep)


@pytest.fixture
def held(monkeypatch) -> Iterator[Hold]:
    """A :class:`Hold` on the sandboxes of this process: a request hung for ``hold.seconds`` is
    held until the test sets it, not for a time a loaded machine may outrun (set at the end of
    the test in any case). Other waits of the sandbox (its latency) stay real sleeps."""
    from crm_constant_contact.sandbox import app

    hold = Hold()

    def sleep(seconds: float) -> None:
        if seconds == hold.seconds:
            hold.wait(300)
        else:
            time.sleep(seconds)

    monkeypatch.setattr(app, "time", SimpleNamespace(sleep=sleep))
    yield hold
    hold.set()
