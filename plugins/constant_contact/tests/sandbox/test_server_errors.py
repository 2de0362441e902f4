"""The sandbox's HTTP server prints nothing when a client goes away before its answer is written
(a process running the sandbox in a thread, a CLI test say, would find the traceback in its own
output), and still prints any other error."""
from __future__ import annotations

import pytest

from crm_constant_contact.sandbox.server import SandboxHTTPServer


@pytest.fixture
def server():
    made = SandboxHTTPServer("127.0.0.1", 0, lambda request: None)
    yield made
    made.server_close()


@pytest.mark.parametrize("gone", [BrokenPipeError(32, "Broken pipe"),
                                  ConnectionResetError(104, "Connection reset by peer")],
                         ids=["broken pipe", "reset"])
def test_a_client_gone_before_its_answer_prints_nothing(server, capsys, gone):
    try:
        raise gone
    except ConnectionError:
        server.handle_error(None, ("127.0.0.1", 40000))
    assert capsys.readouterr() == ("", "")


def test_any_other_error_is_still_printed(server, capsys):
    try:
        raise ValueError("a bug in the sandbox")
    except ValueError:
        server.handle_error(None, ("127.0.0.1", 40000))
    err = capsys.readouterr().err
    assert "ValueError: a bug in the sandbox" in err and "127.0.0.1" in err
