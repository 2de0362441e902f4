"""CSV import (bad rows by line, good rows kept) and export (formula-safe, round-trips)."""
from __future__ import annotations

import csv
import io
import json

from hypothesis import given, strategies as st

from crm_contacts.csvio import escape, unescape


def test_import_reports_bad_rows_by_line_and_keeps_good_ones(env, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "first_name,last_name,email,birthday,mailing_street\n"  # line 1
        "Ada,Lovelace,ada@example.com,1815-12-10\n"      # line 2: good
        "No,,no@example.com,\n"                          # line 3: no last name
        "\n"                                             # line 4: blank, skipped
        'Charles,Babbage,charles@example.com,,"Two\nLines"\n'  # lines 5-6: good
        "Bad,Email,not-an-email,\n"                      # line 7: bad email
        "Bad,Date,,31/12/1999\n"                         # line 8: bad date
        "Grace,Hopper,grace@example.com,1906-12-09\n",   # line 9: good
        encoding="utf-8")
    result = env.invoke(["contacts", "import", str(path)])
    assert result.exit_code == 2
    assert "line 3: last_name is mandatory" in result.output
    assert "line 7: email 'not-an-email' is not a valid email address" in result.output
    assert "line 8: birthday '31/12/1999' is not a date" in result.output
    assert "Imported 3 contacts; 3 rows failed." in result.output
    listed = json.loads(env.invoke(["contacts", "list", "--json"]).output)
    assert sorted(c["last_name"] for c in listed) == ["Babbage", "Hopper", "Lovelace"]
    assert {c["mailing_street"] for c in listed} == {None, "Two\nLines"}

    summary = env.invoke(["contacts", "import", str(path), "--json"])
    report = json.loads(summary.output)  # the same file again: the good rows are known already
    assert report["imported"] == 0 and report["unchanged"] == 3 and report["failed"] == 3
    assert [e["line"] for e in report["errors"]] == [3, 7, 8]


def test_import_refuses_a_bad_header_and_imports_nothing(env, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("first_name,surname\nAda,Lovelace\n", encoding="utf-8")
    result = env.invoke(["contacts", "import", str(path)])
    assert result.exit_code == 2 and "Unknown column 'surname'" in result.output
    path.write_text("first_name,email\nAda,ada@example.com\n", encoding="utf-8")
    result = env.invoke(["contacts", "import", str(path)])
    assert result.exit_code == 2 and "no 'last_name' column" in result.output
    assert json.loads(env.invoke(["contacts", "list", "--json"]).output) == []


def test_import_accepts_a_byte_order_mark_and_all_good_rows_exit_zero(env, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefflast_name,email_opt_out\nLovelace,yes\n".encode("utf-8"))
    result = env.invoke(["contacts", "import", str(path)])
    assert result.exit_code == 0 and "Imported 1 contact; 0 rows failed." in result.output
    shown = json.loads(env.invoke(["contacts", "show", "1", "--json"]).output)
    assert shown["email_opt_out"] is True


TRICKY = {"salutation": "Dr.", "first_name": "=HYPERLINK(\"http://x\")", "last_name": "'t Hooft",
          "email": "ada@example.com", "secondary_email": None, "office_phone": "+44 20 7946 0000",
          "mobile_phone": "-5", "home_phone": "@home", "title": "''quoted",
          "department": "'=already", "organization": "Ünïcödé, \"quoted\" Ltd",
          "birthday": "1815-12-10", "mailing_street": "1 Main St\nFlat 2",
          "mailing_city": "London", "mailing_state": None, "mailing_zip": "007",
          "mailing_country": "UK", "description": "\tindented\r\nmultiline, text",
          "email_opt_out": True}


def test_export_neutralises_formulas_and_round_trips(env, add, tmp_path):
    args = [a for name, value in TRICKY.items() if value not in (None, True)
            for a in ("--" + name.replace("_", "-"), value)]
    original = add(*args, "--email-opt-out")
    add("--last-name", "Plain")
    out = tmp_path / "out.csv"
    exported = env.invoke(["contacts", "export", str(out)])
    assert exported.exit_code == 0 and "Exported 2 contacts" in exported.output

    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    tricky = next(r for r in rows if r["id"] == str(original["id"]))
    for column, cell in tricky.items():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    assert tricky["first_name"] == "'=HYPERLINK(\"http://x\")"
    assert tricky["office_phone"] == "'+44 20 7946 0000"
    assert tricky["owner"] == "admin" and tricky["email_opt_out"] == "true"

    env.invoke(["contacts", "delete", "1", "2"])
    imported = env.invoke(["contacts", "import", str(out), "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["ids"] == [3, 4]
    listed = json.loads(env.invoke(["contacts", "list", "--json"]).output)
    back = {c["last_name"]: c for c in listed}
    expected = dict(TRICKY, description="\tindented\r\nmultiline, text")
    assert {k: back["'t Hooft"][k] for k in TRICKY} == expected
    assert {k: original[k] for k in TRICKY} == expected


def test_export_to_stdout_and_the_recycle_bin(env, add):
    add("--last-name", "Live")
    add("--last-name", "Gone")
    env.invoke(["contacts", "delete", "2"])
    live = env.invoke(["contacts", "export", "-"]).output
    binned = env.invoke(["contacts", "export", "-", "--deleted"]).output
    assert "Live" in live and "Gone" not in live
    assert "Gone" in binned and "Live" not in binned


@given(st.text(max_size=12))
def test_escape_is_undone_by_unescape(cell):
    escaped = escape(cell)
    assert unescape(escaped) == cell
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_unescape_keeps_a_hand_written_leading_apostrophe():
    assert unescape("'t Hooft") == "'t Hooft" and escape("'t Hooft") == "'t Hooft"
    assert unescape("'=1+1") == "=1+1" and escape("=1+1") == "'=1+1"
