"""Fixtures for the contacts tests: a CRM with the contacts extension installed."""
from __future__ import annotations

import json

import pytest


@pytest.fixture
def env(make_crm_env):
    """An initialised CRM (admin ``admin``) loading the contacts plugin, extension installed."""
    crm_env = make_crm_env("contacts")
    result = crm_env.invoke(["extensions", "install", "contacts", "-y"])
    assert result.exit_code == 0, result.output
    return crm_env


@pytest.fixture
def add(env):
    """``add("--last-name", "X", user=None)`` -> the new contact as JSON; fails on error."""

    def _add(*args: str, user: str | None = None) -> dict:
        result = env.invoke(["contacts", "add", *args, "--json"], user=user)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    return _add


@pytest.fixture
def store_session(env):
    """(crm, session, store, admin user) for calling ContactStore directly; commits on exit."""
    from crmcore.users import get_user
    from crm_contacts.records import ContactStore

    crm = env.crm()
    try:
        with crm.session() as session:
            yield session, ContactStore(), get_user(session, "admin")
    finally:
        crm.close()
