"""The ``web`` fixture (see :mod:`web.webkit`)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from crmcore import passwords
from crmcore.users import add_user, get_user
from crmcore.web import create_app

from web.webkit import ADMIN_PW, BOB_PW, Web


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the smallest parameters: the same code path, without 64 MiB and three
    passes per hash on a shared test machine (real parameters: tests of crm subprocesses)."""
    from argon2 import PasswordHasher, profiles

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("not a real password"))


@pytest.fixture
def web(make_crm_env) -> Iterator[Web]:
    env = make_crm_env("contacts", "constant-contact")
    crm = env.crm()
    with crm.session() as session:
        admin = get_user(session, "admin")
        add_user(session, admin, "bob")
        passwords.set_password(session, None, "admin", ADMIN_PW)
        passwords.set_password(session, None, "bob", BOB_PW)
    app = create_app(crm, testing=True)
    try:
        yield Web(env, crm, app)
    finally:
        crm.close()
