"""Benchmark of ``crm contacts import`` and ``crm contacts export``: rows per second.

Prints, for each size: a first import (every row new), a re-import of the same file (every row
matched by email and unchanged), and an export, each as rows per second through the real
``crm`` command, with the same validation and per-row report a user gets.

    .venv/bin/python bench/import_bench.py                    # 10,000 rows, SQLite
    .venv/bin/python bench/import_bench.py --sizes 1000 100000
    CRM_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/import_bench.py

It is a script, not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from data import crm_values, person  # noqa: E402

COLUMNS = ("first_name", "last_name", "email", "mobile_phone", "mailing_street", "mailing_city",
           "mailing_country", "title", "birthday")


def _write_csv(path: Path, n: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for i in range(n):
            values = crm_values(person(i, rng))
            writer.writerow(["" if values[c] is None else str(values[c]) for c in COLUMNS])


def _timed(env: dict, *args: str) -> float:
    exe = shutil.which("crm", path=str(Path(sys.executable).parent)) or "crm"
    start = time.perf_counter()
    done = subprocess.run([exe, *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"crm {' '.join(args)} failed: {done.stderr[-2000:]}")
    return elapsed


def bench(n: int, database_url: str | None) -> None:
    home = Path(tempfile.mkdtemp(prefix="crm-import-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(CRM_HOME=str(home), CRM_PLUGINS="contacts")
    if database_url:
        env["CRM_DATABASE_URL"] = database_url
    _timed(env, "init", "--admin", "admin")
    _timed(env, "extensions", "install", "contacts", "-y")
    source = home / "people.csv"
    _write_csv(source, n)
    first = _timed(env, "contacts", "import", str(source), "--quiet")
    again = _timed(env, "contacts", "import", str(source), "--quiet")
    export = _timed(env, "contacts", "export", str(home / "out.csv"))
    print(f"{n:>8,} rows  import {n / first:>8,.0f} rows/s ({first:6.1f} s)   "
          f"re-import {n / again:>8,.0f} rows/s ({again:6.1f} s)   "
          f"export {n / export:>8,.0f} rows/s ({export:6.1f} s)")
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    args = parser.parse_args()
    url = os.environ.get("CRM_BENCH_DATABASE_URL")
    print(f"database: {url or 'SQLite (a file under a temporary CRM_HOME)'}")
    for n in args.sizes:
        bench(n, url)


if __name__ == "__main__":
    main()
