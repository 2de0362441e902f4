"""No tracebacks: every command, fed arbitrary option values, fails cleanly and changes nothing.

The property test walks the click command tree as built for the user (core and bundled plugins),
so a command added later is covered without touching this file. The examples for the named kinds
(invalid UTF-8 arguments, numbers too large, a binary or deeply nested mapping file, a read-only
or full CRM home) run through the real ``crm`` command.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import MetaData, create_engine, inspect, select

from crmcore.app import CRM
from crmcore.cli import build_cli

PLUGINS = ("contacts", "constant-contact")
# commands that wait for someone by design: a browser sign-in, a scheduler without --once, a
# server that serves until stopped (each has tests of its own)
WAITS = {("sync", "authorize"), ("web",)}
ALWAYS = {("scheduler", "run"): ["--once"]}
# exits that report partly done work by design: good rows of an import are kept, bad ones listed
PARTLY_DONE = {(("contacts", "import"), 2)}


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += _commands(command, (*path, name))
        elif (*path, name) not in WAITS:
            out.append(((*path, name), command))
    return out


def _tree(env) -> list[tuple[tuple[str, ...], click.Command]]:
    old = os.environ.get("CRM_PLUGINS")
    os.environ["CRM_PLUGINS"] = ",".join(PLUGINS)
    crm = env.crm()
    try:
        return _commands(build_cli(crm))
    finally:
        crm.close()
        os.environ["CRM_PLUGINS"] = old or ""


FILES = ("people.csv", "binary.bin", "deep.json", "missing.csv", "-")
# values that broke commands before: not UTF-8 (Python's surrogate escapes), NUL, escapes, names
TRICKY = ["\udcff", "a\udcfeb", "\x00", "\x1b[2J", "\u202e", "constant-contact", "contacts", "admin"]
TEXT = st.one_of(st.sampled_from(TRICKY), st.text(max_size=20))
NUMBER = st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str), TEXT)


def _value(param: click.Parameter) -> st.SearchStrategy[str]:
    kind = param.type
    if isinstance(kind, click.Choice):
        return st.one_of(st.sampled_from([str(c) for c in kind.choices]), TEXT)
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return NUMBER
    if isinstance(kind, (click.File, click.Path)):
        return st.one_of(st.sampled_from(FILES), TEXT)
    return TEXT


@st.composite
def invocations(draw, tree):
    path, command = draw(st.sampled_from(tree))
    args = list(path) + ALWAYS.get(path, [])
    positionals = []
    options = [p for p in command.params if not isinstance(p, click.Argument)]
    chosen = set(draw(st.lists(st.sampled_from(options), max_size=3))) if options else set()
    for param in command.params:
        if isinstance(param, click.Argument):
            count = param.nargs if param.nargs > 0 else draw(st.integers(0, 2))
            positionals += [draw(_value(param)) for _ in range(count)]
        elif param in chosen:
            flag = param.opts[0]
            args += [flag] if getattr(param, "is_flag", False) else [flag, draw(_value(param))]
    return path, args + positionals


class Snapshot:
    """Every row of every table, to compare before and after a command (one engine, reflected once)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.meta = MetaData()
        self.meta.reflect(self.engine)

    def __call__(self) -> dict[str, list]:
        with self.engine.connect() as conn:
            if set(inspect(conn).get_table_names()) != set(self.meta.tables):
                # a command that succeeded added or dropped a table (an uninstall drops a
                # lineage's version table): reflect again; a failed one still shows in the diff
                self.meta = MetaData()
                self.meta.reflect(conn)
            return {name: sorted(map(repr, conn.execute(select(table)).all()))
                    for name, table in self.meta.tables.items()}

    def close(self) -> None:
        self.engine.dispose()


def snapshot(url: str) -> dict[str, list]:
    shot = Snapshot(url)
    try:
        return shot()
    finally:
        shot.close()


@pytest.fixture
def world(make_crm_env, tmp_path, monkeypatch):
    env = make_crm_env(*PLUGINS)
    assert env.invoke(["extensions", "install", "constant-contact", "-y"]).exit_code == 0
    env.invoke(["contacts", "add", "--last-name", "Lovelace", "--email", "ada@example.com"])
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "people.csv").write_text("last_name,email\nHopper,grace@example.com\n")
    (cwd / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (cwd / "deep.json").write_text("[" * 5000 + "]" * 5000)
    monkeypatch.chdir(cwd)
    return env


def test_every_command_fails_cleanly_on_arbitrary_values_and_changes_nothing(world):
    tree = _tree(world)
    assert {("contacts", "import"), ("sync", "mapping"), ("users", "add")} <= {p for p, _ in tree}

    shot = Snapshot(world.database_url)

    @settings(max_examples=80, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(invocations(tree))
    @example((("contacts", "export"), ["contacts", "export", "\x00"]))  # found by this test
    @example((("contacts", "list"), ["contacts", "list", "--search", "\udcff"]))
    def check(invocation):
        path, args = invocation
        before = shot()
        try:
            result = world.invoke(args, input="")
        except Exception as exc:  # what a user would see as a traceback
            pytest.fail(f"crm {' '.join(map(repr, args))} raised {type(exc).__name__}: {exc}")
        assert "Traceback" not in result.output, (args, result.output)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            pytest.fail(f"crm {args!r}: {type(result.exception).__name__}: {result.exception}")
        if result.exit_code != 0 and (path, result.exit_code) not in PARTLY_DONE:
            assert shot() == before, (args, result.output)

    try:
        check()
    finally:
        shot.close()


def _run(env, *args, **extra):
    result = env.run(list(args), **extra)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_an_argument_that_is_not_utf8_is_refused_by_name(make_crm_env):
    env = make_crm_env("contacts")
    env.invoke(["extensions", "install", "contacts", "-y"])
    exe = shutil.which("crm", path=str(Path(os.sys.executable).parent)) or "crm"
    result = subprocess.run([exe.encode(), b"contacts", b"add", b"--last-name", b"Lov\xffelace"],
                            capture_output=True, env=env.environ(), timeout=60)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and "Traceback" not in err
    assert "Argument 4 ('Lov\\xffelace') is not UTF-8 text: byte 0xFF cannot be read." in err
    assert "LANG=C.UTF-8" in err
    assert json.loads(env.invoke(["contacts", "list", "--json"]).output) == []
    as_user = subprocess.run([exe, "contacts", "list"], capture_output=True, text=True, timeout=60,
                             env={**env.environ(), "CRM_USER": os.fsdecode(b"\xffadmin")})
    assert as_user.returncode == 2 and "Traceback" not in as_user.stderr, as_user.stderr
    assert "A value is not UTF-8 text (an environment variable such as CRM_USER" in as_user.stderr


def test_a_number_too_large_for_the_database_is_a_clear_error(make_crm_env):
    env = make_crm_env("contacts")
    env.invoke(["extensions", "install", "contacts", "-y"])
    result = _run(env, "contacts", "show", "99999999999999999999")
    assert result.returncode == 2
    assert "Invalid value for 'ID': 99999999999999999999 is not in the range 1<=x<=9223372036854775807" in result.stderr
    refused = env.invoke(["contacts", "delete", "1", "9223372036854775808"])
    assert refused.exit_code == 2 and "is not in the range" in refused.output, refused.output
    # a --limit past what SQL takes is "no limit", not an error (plugins/contacts test_cli)
    assert env.invoke(["contacts", "list", "--limit", "99999999999999999999"]).exit_code == 0


def test_an_integer_the_driver_cannot_store_is_explained_not_a_traceback():
    from crmcore.cli.failures import explain

    error = explain(OverflowError("Python int too large to convert to SQLite INTEGER"), None, None)
    assert error.message == ("A number is too large for the database (Python int too large to "
                             "convert to SQLite INTEGER).")
    assert "9,223,372,036,854,775,807" in error.hint and error.exit_code == 2


@pytest.mark.parametrize("content, message", [
    (bytes(range(256)), "is not a JSON text file: byte 128 is not UTF-8 (is it a binary file?)"),
    (b"[" * 100_000 + b"]" * 100_000, "nests lists or objects more than 32 levels deep"),
    (b'{"a":' * 500 + b"1" + b"}" * 500, "nests lists or objects more than 32 levels deep"),
])
def test_a_binary_or_deeply_nested_mapping_file_is_refused(make_crm_env, tmp_path, content, message):
    env = make_crm_env(*PLUGINS)
    env.invoke(["extensions", "install", "constant-contact", "-y"])
    path = tmp_path / "mapping.json"
    path.write_bytes(content)
    before = snapshot(env.database_url)
    result = _run(env, "sync", "mapping", "constant-contact", "--file", str(path))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "crm sync mapping NAME --json" in result.stderr
    assert snapshot(env.database_url) == before


def test_a_read_only_database_names_the_fix(make_crm_env):
    env = make_crm_env("contacts")
    env.invoke(["extensions", "install", "contacts", "-y"])
    if not env.database_url.startswith("sqlite"):
        pytest.skip("a read-only SQLite file; PostgreSQL is covered by the same error mapping")
    path = env.database_url.removeprefix("sqlite:///")
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = _run(env, "contacts", "add", "--last-name", "X", CRM_DATABASE_URL=read_only)
    assert result.returncode == 1
    assert f"{path} is read-only: the CRM cannot write there." in result.stderr
    assert f"chmod u+w {path}" in result.stderr


def test_a_crm_home_that_cannot_be_created_names_the_fix(tmp_path):
    home = Path("/sys/crm-home")  # read-only even for root
    if not Path("/sys").is_dir() or os.access("/sys", os.W_OK) and not _write_fails(Path("/sys")):
        pytest.skip("needs a directory nobody may write to")
    exe = shutil.which("crm", path=str(Path(os.sys.executable).parent)) or "crm"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    result = subprocess.run([exe, "init", "--admin", "a"], capture_output=True, text=True,
                            env={**environ, "CRM_HOME": str(home), "CRM_PLUGINS": ""}, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{home} is read-only: the CRM cannot write there." in result.stderr
    assert "point CRM_HOME" in result.stderr


def _write_fails(where: Path) -> bool:
    try:
        (where / "crm-probe").mkdir()
    except OSError:
        return True
    (where / "crm-probe").rmdir()
    return False


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB file system of its own (tmpfs), where mounting is allowed; else the test skips."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("mounting a small file system is not allowed here")
    yield where
    subprocess.run(["umount", str(where)], capture_output=True)


@pytest.mark.slow
def test_a_full_crm_home_names_the_fix(tiny_disk, monkeypatch):
    exe = shutil.which("crm", path=str(Path(os.sys.executable).parent)) or "crm"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    environ.update(CRM_HOME=str(tiny_disk / "home"), CRM_PLUGINS="contacts")
    for args in (["init", "--admin", "a"], ["extensions", "install", "contacts", "-y"]):
        assert subprocess.run([exe, *args], env=environ, capture_output=True).returncode == 0
    with open(tiny_disk / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass
    result = subprocess.run([exe, "contacts", "add", "--last-name", "X"], env=environ,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "is full; nothing more could be written." in result.stderr
    assert "Free some space there" in result.stderr
    (tiny_disk / "filler").unlink()
    again = subprocess.run([exe, "contacts", "add", "--last-name", "X"], env=environ,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
