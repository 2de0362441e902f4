"""Fixtures: a Radicale and a Xandikos server per test process (the conformance tests use the
same two), a fresh address book per test."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))
from servers import Server, requests_sender, running, stop_all  # noqa: E402

from crm_carddav.dav import CardDav  # noqa: E402

KINDS = ("radicale", "xandikos")


@pytest.fixture(scope="session", autouse=True)
def _servers_stop_at_the_end():
    """The servers started for this session's tests stop when it ends (a pytest-xdist worker
    leaves without running exit handlers)."""
    yield
    stop_all()


@pytest.fixture(params=KINDS)
def server(request) -> Server:
    return running(request.param)


@pytest.fixture
def book(server) -> str:
    return server.new_book()


@pytest.fixture
def dav(server, book) -> CardDav:
    http = requests.Session()
    yield CardDav(requests_sender(http, server.auth), book)
    http.close()
