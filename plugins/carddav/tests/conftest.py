"""Fixtures: a Radicale and a Xandikos server per test session, a fresh address book per test."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))
from servers import Server, requests_sender, start  # noqa: E402

from crm_carddav.dav import CardDav  # noqa: E402

KINDS = ("radicale", "xandikos")


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    running: dict[str, Server] = {}
    yield lambda kind: running.get(kind) or running.setdefault(
        kind, start(kind, tmp_path_factory.mktemp(kind)))
    for server in running.values():
        server.stop()


@pytest.fixture(params=KINDS)
def server(request, servers) -> Server:
    return servers(request.param)


@pytest.fixture
def book(server) -> str:
    return server.new_book()


@pytest.fixture
def dav(server, book) -> CardDav:
    http = requests.Session()
    yield CardDav(requests_sender(http, server.auth), book)
    http.close()
