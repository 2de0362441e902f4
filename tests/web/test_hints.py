"""Hints in the web's own words (crmcore.web.hints)."""
from __future__ import annotations

import pytest

from crmcore.web.hints import for_web


@pytest.mark.parametrize("hint, expected", [
    ("Sign in with 'crm sync authorize demo'.", "Sign in with Sign In for demo on the Sync page."),
    ("Run 'crm sync authorize demo --user bob'.", "Run Sign In for demo on the Sync page."),
    ("Check it with 'crm sync test carddav'.", "Check it with Test connection for carddav on the Sync page."),
    ("See 'crm sync log demo'.", "See the demo Sync Log."),
    ("See 'crm sync connectors'.", "See the Sync page."),
    ("An admin installs it with 'crm extensions install carddav'.",
     "An admin installs it with Install carddav on the Extensions page (admins)."),
])
def test_commands_with_a_web_place_become_that_place(hint, expected):
    assert for_web(hint) == expected


@pytest.mark.parametrize("hint", [
    "An admin runs 'crm db upgrade' (it backs the database up first).",
    "Ask an admin: 'crm users set-password bob'.",
    "Nothing to do.",
    "Use 'crm sync --help'.",
])
def test_what_only_the_command_line_does_is_kept(hint):
    assert for_web(hint) == hint


def test_empty_stays_empty():
    assert for_web(None) is None and for_web("") == ""
