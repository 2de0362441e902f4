"""The ``crm contacts`` commands, run in-process against a real database."""
from __future__ import annotations

import json

import pytest


def contacts_json(env, *args: str, user: str | None = None) -> list[dict]:
    result = env.invoke(["contacts", "list", "--json", *args], user=user)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_add_list_show_update_delete_restore(env, add):
    ada = add("--first-name", "Ada", "--last-name", "Lovelace", "--email", "ada@example.com",
              "--phone", "+44 20 1234", "--birthday", "1815-12-10", "--email-opt-out")
    assert ada["id"] == 1 and ada["owner"] == "admin"
    assert ada["office_phone"] == "+44 20 1234" and ada["birthday"] == "1815-12-10"
    assert ada["email_opt_out"] is True and ada["deleted"] is False

    listed = env.invoke(["contacts", "list"])
    assert listed.exit_code == 0
    assert "Ada Lovelace" in listed.output and "ada@example.com" in listed.output

    shown = env.invoke(["contacts", "show", "1"])
    assert shown.exit_code == 0 and "1815-12-10" in shown.output and "Lovelace" in shown.output

    updated = env.invoke(["contacts", "update", "1", "--title", "CTO", "--clear", "birthday",
                          "--json"])
    assert updated.exit_code == 0, updated.output
    record = json.loads(updated.output)
    assert record["title"] == "CTO" and record["birthday"] is None
    assert record["email"] == "ada@example.com"  # untouched fields stay

    deleted = env.invoke(["contacts", "delete", "1"])
    assert deleted.exit_code == 0 and "recycle bin" in deleted.output
    assert contacts_json(env) == []
    assert [c["id"] for c in contacts_json(env, "--deleted")] == [1]
    assert json.loads(env.invoke(["contacts", "show", "1", "--json"]).output)["deleted"] is True

    restored = env.invoke(["contacts", "restore", "1"])
    assert restored.exit_code == 0 and "Restored contact 1" in restored.output
    assert [c["id"] for c in contacts_json(env)] == [1]
    assert contacts_json(env, "--deleted") == []


def test_delete_and_restore_several_ids_all_or_nothing(env, add):
    ids = [add("--last-name", f"P{i}")["id"] for i in range(3)]
    missing = env.invoke(["contacts", "delete", str(ids[0]), "99"])
    assert missing.exit_code == 1 and "No contact with ID 99" in missing.output
    assert len(contacts_json(env)) == 3  # nothing deleted when one id is unknown

    assert env.invoke(["contacts", "delete", str(ids[0]), str(ids[1])]).exit_code == 0
    assert [c["id"] for c in contacts_json(env)] == [ids[2]]
    again = env.invoke(["contacts", "delete", str(ids[0])])
    assert "already in the recycle bin" in again.output
    assert env.invoke(["contacts", "restore", str(ids[0]), str(ids[1])]).exit_code == 0
    assert len(contacts_json(env)) == 3


def test_bad_email_is_refused_and_nothing_saved(env):
    result = env.invoke(["contacts", "add", "--last-name", "X", "--email", "ada@@example"])
    assert result.exit_code == 2
    assert "email 'ada@@example' is not a valid email address" in result.output
    assert "Nothing was saved" in result.output
    assert contacts_json(env) == []
    assert contacts_json(env, "--deleted") == []


@pytest.mark.parametrize("email", ["ada", "ada@example", "a b@example.com", "ada@.com",
                                   ".ada@example.com", "ada@exa_mple.com", "ada@example.c"])
def test_invalid_emails(email):
    from crm_contacts.validation import email_problem

    assert email_problem(email) is not None


@pytest.mark.parametrize("email", ["ada@example.com", "Ada.Lovelace+crm@mail.example.co.uk",
                                   "o'brien@example.ie", "x@xn--bcher-kva.example"])
def test_valid_emails(email):
    from crm_contacts.validation import email_problem

    assert email_problem(email) is None


def test_bad_update_changes_nothing(env, add):
    add("--last-name", "Lovelace", "--email", "ada@example.com", "--title", "Analyst")
    result = env.invoke(["contacts", "update", "1", "--title", "CTO", "--email", "nope"])
    assert result.exit_code == 2 and "email 'nope'" in result.output
    record = json.loads(env.invoke(["contacts", "show", "1", "--json"]).output)
    assert record["title"] == "Analyst" and record["email"] == "ada@example.com"


def test_last_name_is_mandatory(env, add):
    result = env.invoke(["contacts", "add", "--first-name", "Ada", "--email", "ada@example.com"])
    assert result.exit_code == 2 and "last_name is mandatory" in result.output
    blank = env.invoke(["contacts", "add", "--last-name", "   "])
    assert blank.exit_code == 2 and "last_name is mandatory" in blank.output
    assert contacts_json(env) == []
    add("--last-name", "Lovelace")
    cleared = env.invoke(["contacts", "update", "1", "--clear", "last_name"])
    assert cleared.exit_code == 2 and "last_name is mandatory" in cleared.output
    assert contacts_json(env)[0]["last_name"] == "Lovelace"


def test_too_long_value_is_refused(env):
    result = env.invoke(["contacts", "add", "--last-name", "L" * 81])
    assert result.exit_code == 2 and "last_name is 81 characters; the most is 80" in result.output
    assert contacts_json(env) == []


def test_update_needs_a_change_and_refuses_the_recycle_bin(env, add):
    add("--last-name", "Lovelace")
    nothing = env.invoke(["contacts", "update", "1"])
    assert nothing.exit_code == 2 and "Nothing to change" in nothing.output
    both = env.invoke(["contacts", "update", "1", "--title", "CTO", "--clear", "title"])
    assert both.exit_code == 2 and "both given and cleared" in both.output
    env.invoke(["contacts", "delete", "1"])
    binned = env.invoke(["contacts", "update", "1", "--title", "CTO"])
    assert binned.exit_code == 1 and "crm contacts restore 1" in binned.output
    assert contacts_json(env, "--deleted")[0]["title"] is None
    unknown = env.invoke(["contacts", "show", "42"])
    assert unknown.exit_code == 1 and "No contact with ID 42" in unknown.output


def test_non_admin_adds_contacts_and_ownership_is_recorded(env, add):
    assert env.invoke(["users", "add", "bob"]).exit_code == 0
    bobs = add("--last-name", "Babbage", user="bob")
    add("--last-name", "Lovelace")
    assert bobs["owner"] == "bob"
    assert [c["last_name"] for c in contacts_json(env, "--mine", user="bob")] == ["Babbage"]
    assert [c["last_name"] for c in contacts_json(env, "--owner", "admin")] == ["Lovelace"]
    assert len(contacts_json(env, user="bob")) == 2  # everyone reads the shared address book
    as_flag = env.invoke(["--as", "bob", "contacts", "add", "--last-name", "Byron", "--json"])
    assert json.loads(as_flag.output)["owner"] == "bob"
    nobody = env.invoke(["contacts", "list", "--owner", "nobody"])
    assert nobody.exit_code == 1 and "No user named 'nobody'" in nobody.output


def test_search_and_limit(env, add):
    add("--first-name", "Ada", "--last-name", "Lovelace", "--organization", "Analytical Engines")
    add("--first-name", "Charles", "--last-name", "Babbage", "--email", "charles@engines.example")
    add("--first-name", "Grace", "--last-name", "Hopper", "--mobile", "+1 555 0100")
    assert [c["last_name"] for c in contacts_json(env, "--search", "ENGINE")] == ["Babbage",
                                                                                  "Lovelace"]
    assert [c["last_name"] for c in contacts_json(env, "--search", "ada engines")] == ["Lovelace"]
    assert [c["last_name"] for c in contacts_json(env, "--search", "555")] == ["Hopper"]
    assert contacts_json(env, "--search", "%") == []  # wildcards are literal
    assert [c["last_name"] for c in contacts_json(env, "--limit", "2")] == ["Babbage", "Hopper"]
    table = env.invoke(["contacts", "list", "--limit", "1"])
    assert "Showing 1 of 3" in table.output
    # "as many as there are": a number past what SQL takes lists everything, no error
    assert len(contacts_json(env, "--limit", str(10 ** 30))) == 3
    help_text = env.invoke(["contacts", "list", "--help"]).output
    assert "--limit N" in help_text and str(2 ** 63 - 1) not in help_text


def test_commands_refuse_when_not_installed(make_crm_env):
    env = make_crm_env("contacts")
    for args in (["list"], ["add", "--last-name", "X"], ["show", "1"],
                 ["update", "1", "--title", "x"],
                 ["delete", "1"], ["restore", "1"], ["export", "-"]):
        result = env.invoke(["contacts", *args])
        assert result.exit_code == 1, args
        assert "The 'contacts' extension is not installed" in result.output, args
        assert "crm extensions install contacts" in result.output, args


def test_every_command_explains_itself(env):
    for command in ("add", "list", "show", "update", "delete", "restore", "import", "export"):
        result = env.invoke(["contacts", command, "--help"])
        assert result.exit_code == 0 and "Usage: crm contacts " + command in result.output
    assert "--clear FIELD" in env.invoke(["contacts", "update", "--help"]).output
    assert "--deleted" in env.invoke(["contacts", "list", "--help"]).output
