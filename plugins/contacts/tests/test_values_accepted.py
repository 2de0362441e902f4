"""Values a mailing service would refuse are refused at entry; nothing stored can drive a terminal."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text


def listed(env) -> list[dict]:
    return json.loads(env.invoke(["contacts", "list", "--json"]).output)


@pytest.mark.parametrize("email, why", [
    ("ada\u200b@example.com", "U+200B ZERO WIDTH SPACE"),
    ("\ufeffada@example.com", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("ada@exam\u202eple.com", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("ada\x07@example.com", "a control character (U+0007)"),
    ("ünï@example.com", "Internationalized characters before the @-sign are not supported"),
    ("ada@localhost", "It should have a period"),
    ('"ada lovelace"@example.com', "Quoting the part before the @-sign is not allowed"),
    ("ada@[192.0.2.1]", "bracketed IP address"),
    ("a" * 65 + "@example.com", "longer than 64 characters"),
    ("ada@example.c", "must end in a name such as .com"),
])
def test_emails_the_remote_refuses_are_refused_at_entry(env, email, why):
    result = env.invoke(["contacts", "add", "--last-name", "Lovelace", "--email", email])
    assert result.exit_code == 2 and why in result.output, result.output
    assert "Nothing was saved." in result.output
    assert listed(env) == []


def test_names_refuse_control_and_escape_characters_through_the_real_command(env):
    result = env.run(["contacts", "add", "--first-name", "\x1b[2J\x1b[31mEvil", "--last-name", "X"])
    assert result.returncode == 2, result.stderr
    assert "first_name contains a control character (U+001B ESCAPE) at character 1" in result.stderr
    assert "\x1b" not in result.stderr and "Traceback" not in result.stderr
    for name in ("Ada\nLovelace", "Ada\u202eecalevol", "Ada\x9b31m", "Ada\u200b"):
        refused = env.invoke(["contacts", "add", "--last-name", name])
        assert refused.exit_code == 2 and "last_name contains" in refused.output, name
    ok = env.invoke(["contacts", "add", "--first-name", "\u0645\u0647\u200c\u0633\u0627",
                     "--last-name", "Zoë", "--description", "two\nlines\tand a tab", "--json"])
    assert ok.exit_code == 0, ok.output  # joiners and line breaks in the description stay
    assert [c["description"] for c in listed(env)] == ["two\nlines\tand a tab"]


@pytest.mark.slow
def test_contacts_list_never_writes_raw_escapes_even_for_stored_ones(env):
    env.invoke(["contacts", "add", "--last-name", "Placeholder"])
    engine = create_engine(env.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:  # as an older version or a direct database write left it
        conn.execute(text("UPDATE contact SET first_name = :v, title = :t"),
                      {"v": "\x1b]0;pwned\x07Eve", "t": "\u202eOTC\x9b2J"})
    engine.dispose()
    table = env.run(["contacts", "list"])
    assert table.returncode == 0, table.stderr
    assert "\x1b" not in table.stdout and "\x9b" not in table.stdout and "\u202e" not in table.stdout
    assert "\\x1b]0;pwned\\x07Eve Placeholder" in table.stdout
    shown = env.run(["contacts", "show", "1"])
    assert "\\u202eOTC\\x9b2J" in shown.stdout and "\x9b" not in shown.stdout
    as_json = env.run(["contacts", "list", "--json"])
    assert "\x1b" not in as_json.stdout and "\x9b" not in as_json.stdout
    assert json.loads(as_json.stdout)[0]["title"] == "\u202eOTC\x9b2J"  # the value is intact


@pytest.mark.parametrize("birthday, why", [
    ("2023-02-30", "is not a real calendar date"),
    ("2023-13-01", "is not a real calendar date"),
    ("20230101", "is not a date in the form YYYY-MM-DD"),
    ("2023-W01-1", "is not a date in the form YYYY-MM-DD"),
    ("10/12/1815", "is not a date in the form YYYY-MM-DD"),
    ("0001-01-01", "is not a plausible date"),
    ((date.today() + timedelta(days=1)).isoformat(), "is not a plausible date"),
])
def test_birthdays_are_real_dates_in_the_documented_form_with_plausible_years(env, birthday, why):
    result = env.invoke(["contacts", "add", "--last-name", "X", "--birthday", birthday])
    assert result.exit_code == 2 and why in result.output, result.output
    assert listed(env) == []


def test_a_leap_day_birthday_is_fine(env):
    result = env.invoke(["contacts", "add", "--last-name", "X", "--birthday", "2000-02-29", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["birthday"] == "2000-02-29"
