"""Helpers of the web tests: a web application on a fresh CRM (admin ``admin`` and user ``bob``, with passwords) and a
signed-in test client; the sandbox world for the Sync window tests."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from crmcore import passwords
from crmcore.app import CRM
from crmcore.extensions import store
from crmcore.users import add_user, get_user
from crmcore.web import create_app

ADMIN_PW = "admin-password-1"
BOB_PW = "bob-password-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    env: Any
    crm: CRM
    app: Any

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def login(self, name: str = "admin", password: str | None = None) -> FlaskClient:
        client = self.client()
        response = login(client, name, password or (ADMIN_PW if name == "admin" else BOB_PW))
        assert response.status_code == 302, response.text
        return client

    def install(self, *names: str) -> None:
        with self.crm.session() as session:
            admin = get_user(session, "admin")
        store.install(self.crm, admin, list(names))


def csrf_of(client: FlaskClient, path: str = "/login") -> str:
    return CSRF.search(client.get(path).text).group(1)


def login(client: FlaskClient, name: str, password: str):
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": csrf_of(client)})


def post(client: FlaskClient, path: str, data: dict | None = None, **kwargs):
    """A POST with the session's CSRF token, as a form on the page would send it."""
    return client.post(path, data={"csrf_token": csrf_of(client, "/sync"), **(data or {})},
                       **kwargs)


