"""CSV import at the edges: re-imports, spreadsheet quirks, broken rows, interrupted imports."""
from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import create_engine, text
from crmcore.testing.terminal import run_on_terminal


def contacts(env) -> list[dict]:
    result = env.invoke(["contacts", "list", "--json", "--limit", "100000"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def write(tmp_path, body: str | bytes, name: str = "people.csv"):
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8", newline="")
    return path


def imported(env, path, *args: str) -> dict:
    result = env.invoke(["contacts", "import", str(path), "--json", *args])
    assert result.exit_code in (0, 2), result.output
    return json.loads(result.output)


def test_a_reimported_row_updates_the_contact_with_its_email_by_default(env, tmp_path):
    first = write(tmp_path, "first_name,last_name,email,title\n"
                            "Ada,Lovelace,ada@example.com,\n"
                            "Charles,Babbage,,Engineer\n", "first.csv")
    assert imported(env, first)["imported"] == 2
    again = write(tmp_path, "first_name,last_name,email,title\n"
                            "Ada,Lovelace, ADA@Example.COM ,Countess\n"   # same email, new title
                            "Charles,Babbage,,Engineer\n"                 # no email, same fields
                            ",Hopper,grace@example.com,\n", "again.csv")
    report = imported(env, again)
    assert [(r["line"], r["action"], r["id"]) for r in report["rows"]] == [
        (2, "updated", 1), (3, "unchanged", 2), (4, "created", 3)]
    assert report["imported"] == 1 and report["updated"] == 1 and report["unchanged"] == 1
    people = {c["last_name"]: c for c in contacts(env)}
    assert len(people) == 3 and people["Lovelace"]["title"] == "Countess"
    assert people["Lovelace"]["email"] == "ada@example.com"  # the same address keeps its spelling

    plain = env.invoke(["contacts", "import", str(again)])
    assert plain.exit_code == 0
    assert "line 2: unchanged contact 1" in plain.output
    assert "Imported 0 contacts, 3 unchanged; 0 rows failed." in plain.output


def test_on_duplicate_skip_and_create(env, tmp_path):
    path = write(tmp_path, "last_name,email,title\nLovelace,ada@example.com,\n")
    imported(env, path)
    changed = write(tmp_path, "last_name,email,title\nLovelace,Ada@example.com,CTO\n", "b.csv")
    skipped = imported(env, changed, "--on-duplicate", "skip")
    assert skipped["rows"][0]["action"] == "skipped" and skipped["rows"][0]["id"] == 1
    assert [c["title"] for c in contacts(env)] == [None]
    created = imported(env, changed, "--on-duplicate", "create")
    assert created["rows"][0]["action"] == "created"
    assert len(contacts(env)) == 2


def test_trailing_empty_cells_and_other_delimiters(env, tmp_path):
    padded = write(tmp_path, "first_name,last_name,email,,\r\nAda,Lovelace,ada@example.com,,,\r\n")
    assert imported(env, padded)["imported"] == 1

    semi = write(tmp_path, "first_name;last_name;email\nGrace;Hopper;grace@example.com;\n", "s.csv")
    result = env.invoke(["contacts", "import", str(semi)])
    assert result.exit_code == 0, result.output
    assert "Cells were separated by ';'." in result.output
    tab = write(tmp_path, "first_name\tlast_name\nAlan\tTuring\n", "t.csv")
    assert imported(env, tab)["delimiter"] == "\t"
    assert sorted(c["last_name"] for c in contacts(env)) == ["Hopper", "Lovelace", "Turing"]
    assert {c["first_name"] for c in contacts(env)} == {"Ada", "Grace", "Alan"}


def test_a_delimiter_the_import_does_not_read_is_refused_naming_it(env, tmp_path):
    piped = write(tmp_path, "first_name|last_name|email\nAda|Lovelace|ada@example.com\n", "p.csv")
    result = env.invoke(["contacts", "import", str(piped)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "separated by '|'" in result.output and "nothing was imported" in result.output
    assert "commas, semicolons or tabs" in result.output
    assert contacts(env) == []


def test_an_unclosed_quote_is_reported_on_its_line_and_the_rows_after_it_are_kept(env, tmp_path):
    path = write(tmp_path, "first_name,last_name,email,mailing_street\n"
                           "Ada,Lovelace,ada@example.com\n"
                           '"Broken,Row,broken@example.com\n'      # line 3: the quote never closes
                           "Grace,Hopper,grace@example.com\n"
                           '"Charles",Babbage,charles@example.com,"Multi\nLine"\n'
                           'Alan,"Tu""ring",alan@example.com\n')
    result = env.invoke(["contacts", "import", str(path)])
    assert result.exit_code == 2
    assert "line 3: a quoted cell opens here and is never closed" in result.output
    assert "Imported 4 contacts; 1 row failed." in result.output
    names = {c["last_name"]: c["first_name"] for c in contacts(env)}
    assert names == {"Lovelace": "Ada", "Hopper": "Grace", "Babbage": "Charles", "Tu\"ring": "Alan"}
    assert [c["mailing_street"] for c in contacts(env) if c["mailing_street"]] == ["Multi\nLine"]


def test_a_nul_byte_or_an_over_long_cell_refuses_that_row_only(env, tmp_path):
    path = write(tmp_path, ("first_name,last_name,description\n"
                            "Ada,Lovelace,\n"
                            "Nul,By\x00te,\n"
                            f"Long,Cell,{'x' * 200_000}\n"
                            f"Long,Field,{'y' * 10_001}\n"
                            "Grace,Hopper,\n").encode("utf-8"))
    report = imported(env, path)
    assert [(e["line"]) for e in report["errors"]] == [3, 4, 5]
    reasons = [e["reason"] for e in report["errors"]]
    assert "NUL byte" in reasons[0]
    assert "longer than 131,072 characters" in reasons[1]
    assert "description is 10001 characters; the most is 10000" in reasons[2]
    assert sorted(c["last_name"] for c in contacts(env)) == ["Hopper", "Lovelace"]


def _fail_inserts_after(url: str, rows: int) -> None:
    """A trigger that makes the database refuse the insert of contact number ``rows + 1``."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text(f"CREATE TRIGGER disk_full BEFORE INSERT ON contact WHEN "
                              f"(SELECT count(*) FROM contact) >= {rows} "
                              "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
        else:
            conn.execute(text(f"CREATE FUNCTION full_disk() RETURNS trigger AS $$ BEGIN "
                              f"IF (SELECT count(*) FROM contact) >= {rows} THEN "
                              "RAISE EXCEPTION 'could not extend file: No space left on device'; "
                              "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER disk_full BEFORE INSERT ON contact "
                              "FOR EACH ROW EXECUTE FUNCTION full_disk()"))
    engine.dispose()


def _drop_trigger(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER disk_full" if engine.dialect.name == "sqlite"
                          else "DROP TRIGGER disk_full ON contact"))
    engine.dispose()


@pytest.mark.slow
def test_an_import_stopped_by_the_database_says_where_and_running_it_again_finishes(env, tmp_path):
    rows = [f"P{i},Person{i},{'p%d@example.com' % i if i % 2 else ''}" for i in range(6)]
    path = write(tmp_path, "first_name,last_name,email\n" + "\n".join(rows) + "\n")
    _fail_inserts_after(env.database_url, 3)
    stopped = env.run(["contacts", "import", str(path)])
    assert stopped.returncode == 1, stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert "The import stopped at line 5:" in stopped.stderr
    assert "3 rows were saved, up to line 4." in stopped.stderr
    assert "run the same import again" in stopped.stderr
    _drop_trigger(env.database_url)
    again = env.run(["contacts", "import", str(path), "--json"])
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert [r["action"] for r in report["rows"]] == ["unchanged"] * 3 + ["created"] * 3
    assert sorted(c["last_name"] for c in contacts(env)) == [f"Person{i}" for i in range(6)]


def _many(tmp_path, n: int):
    return write(tmp_path, "last_name,email\n"
                 + "".join(f"Person{i},p{i}@example.com\n" for i in range(n)), "many.csv")


@pytest.mark.slow
def test_progress_is_plain_lines_off_a_terminal_and_nothing_with_json_or_quiet(env, tmp_path):
    path = _many(tmp_path, 1200)
    shown = env.invoke(["contacts", "import", str(path), "--on-duplicate", "create"])
    assert shown.exit_code == 0
    progress = [line for line in shown.output.splitlines() if line.startswith("Importing: line")]
    assert len(progress) == 10 and progress[0] == "Importing: line 120 of 1,201 (9%)"
    quiet = env.invoke(["contacts", "import", str(path), "--quiet", "--on-duplicate", "skip"])
    assert quiet.exit_code == 0 and "Importing" not in quiet.output and "line " not in quiet.output
    as_json = env.invoke(["contacts", "import", str(path), "--json"])
    assert json.loads(as_json.output)["unchanged"] == 1200  # nothing but the JSON report


@pytest.mark.slow
def test_progress_bar_on_a_terminal_and_a_closed_pipe_never_fails_the_import(env, tmp_path):
    pytest.importorskip("pty")
    path = _many(tmp_path, 300)
    exe = env.run.__self__  # the CrmEnv
    # the reader goes away at once, like `| head -0`
    run = run_on_terminal([_crm(), "contacts", "import", str(path)], exe.environ(),
                          stdout_gone=True, timeout=120)
    assert run.returncode == 0, run.drawn
    assert "Importing" in run.drawn and "lines" in run.drawn and "Traceback" not in run.drawn
    assert len(contacts(env)) == 300


def _crm() -> str:
    import shutil
    import sys
    from pathlib import Path
    return shutil.which("crm", path=str(Path(sys.executable).parent)) or "crm"


def _count(url: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM contact")).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_killed_import_is_finished_by_running_it_again_without_duplicates(env, tmp_path):
    import signal
    import time

    from crm_contacts.csvimport import BATCH_ROWS

    rows = 3 * BATCH_ROWS  # the first commit comes after BATCH_ROWS rows; the kill comes later
    path = _many(tmp_path, rows)
    proc = subprocess.Popen([_crm(), "contacts", "import", str(path), "--quiet"],
                            env=env.environ(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _count(env.database_url) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    saved = _count(env.database_url)
    assert 0 < saved, "nothing was committed before the kill"
    again = env.run(["contacts", "import", str(path), "--json"])
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["unchanged"] == saved and report["imported"] == rows - saved
    emails = [c["email"] for c in contacts(env)]
    assert len(emails) == rows == len(set(emails))
