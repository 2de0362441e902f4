"""What a new user reads: every option of 'crm web' explained, and a 'next step' that works here."""
from __future__ import annotations

import pytest


def test_web_help_explains_every_option(crm_env):
    result = crm_env.invoke(["web", "--help"])
    assert result.exit_code == 0
    assert "Port to listen on" in result.output


def test_worker_status_on_sqlite_points_to_the_scheduler_not_to_crm_worker(crm_env):
    if not crm_env.database_url.startswith("sqlite"):
        pytest.skip("the SQLite advice")
    result = crm_env.invoke(["worker", "status"])
    assert result.exit_code == 0, result.output
    assert "start one with 'crm worker'" not in result.output  # 'crm worker' refuses SQLite
    assert "crm scheduler run" in result.output


def test_an_unanswered_question_says_nothing_changed_and_names_yes(crm_env):
    crm_env.plugins = ("contacts",)
    result = crm_env.invoke(["extensions", "install", "contacts"], input="")  # stdin closed
    assert result.exit_code == 1
    assert "Aborted!" not in result.output
    assert "nothing was changed" in result.output and "-y" in result.output
