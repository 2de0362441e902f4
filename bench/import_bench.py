"""Benchmark of ``crm contacts import`` and ``crm contacts export``: rows per second.

Prints, for each size and database: a first import (every row new), a re-import of the same file
(every row matched by email and unchanged), and an export, each as rows per second through the
real ``crm`` command, with the same validation and per-row report a user gets. Each figure is
wall-clock rows/s and, in brackets, rows per second of the command's own CPU (user + system of
the ``crm`` process), which a busy machine disturbs less. With ``--database-url`` (or
``CRM_BENCH_DATABASE_URL``) the same runs are made on SQLite and on that database and printed
side by side.

    .venv/bin/python bench/import_bench.py                    # 10,000 rows, SQLite
    .venv/bin/python bench/import_bench.py --sizes 1000 100000
    .venv/bin/python bench/import_bench.py --sizes 100000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench

Use a database of its own for the benchmark: it creates and drops the ``contact`` tables there.

On a busy machine, ``--repeat N`` runs each size and database N times, each on a fresh
database, and prints every run and then the median of each figure.

It is a script, not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from data import crm_values, person  # noqa: E402

COLUMNS = ("first_name", "last_name", "email", "mobile_phone", "mailing_street", "mailing_city",
           "mailing_country", "title", "birthday")
STEPS = ("import", "re-import", "export")


def _write_csv(path: Path, n: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for i in range(n):
            values = crm_values(person(i, rng))
            writer.writerow(["" if values[c] is None else str(values[c]) for c in COLUMNS])


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(env: dict, *args: str) -> tuple[float, float]:
    """Run ``crm ARGS``; (wall seconds, CPU seconds of the command)."""
    exe = shutil.which("crm", path=str(Path(sys.executable).parent)) or "crm"
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run([exe, *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"crm {' '.join(args)} failed: {done.stderr[-2000:]}")
    return elapsed, _children_cpu() - cpu


def bench(n: int, source: Path, database_url: str | None) -> dict[str, tuple[float, float]]:
    """{step: (wall seconds, CPU seconds)} of one run on an empty database."""
    home = Path(tempfile.mkdtemp(prefix="crm-import-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(CRM_HOME=str(home), CRM_PLUGINS="contacts")
    from crmcore.testing.fixtures import PG_ENV, fresh_database

    if database_url:  # the PostgreSQL database fresh_database makes its schema in
        os.environ[PG_ENV] = database_url
    try:
        # a SQLite file in the home, or a new schema of the PostgreSQL database (dropped after)
        with fresh_database(database_url or "sqlite", home) as url:
            env["CRM_DATABASE_URL"] = url
            _timed(env, "init", "--admin", "admin")
            _timed(env, "extensions", "install", "contacts", "-y")
            return {"import": _timed(env, "contacts", "import", str(source), "--quiet"),
                    "re-import": _timed(env, "contacts", "import", str(source), "--quiet"),
                    "export": _timed(env, "contacts", "export", str(home / "out.csv"))}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _figure(n: int, timing: tuple[float, float]) -> str:
    wall, cpu = timing
    return f"{n / wall:>8,.0f} ({n / max(cpu, 1e-9):>8,.0f} cpu)"


def _median(timings: list[tuple[float, float]]) -> tuple[float, float]:
    """The median wall time and the median CPU time of several runs of one step."""
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=1,
                        help="Runs of each size and database (each on a fresh database); with "
                             "more than one, the median of each figure is printed after them.")
    parser.add_argument("--database-url", default=os.environ.get("CRM_BENCH_DATABASE_URL"),
                        help="Also run on this database (e.g. PostgreSQL) and print both side by "
                             "side; default: $CRM_BENCH_DATABASE_URL, else SQLite only.")
    args = parser.parse_args()
    databases: list[tuple[str, str | None]] = [("SQLite", None)]
    if args.database_url:
        from sqlalchemy.engine import make_url

        url = make_url(args.database_url)
        databases.append((url.get_backend_name(), args.database_url))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; rows/s wall "
          "(rows/s of the command's CPU)")
    print(f"{'rows':>8}  {'database':<10}" + "".join(f"  {step:<23}" for step in STEPS))
    with tempfile.TemporaryDirectory(prefix="crm-import-bench-") as folder:
        for n in args.sizes:
            source = Path(folder) / f"people-{n}.csv"
            _write_csv(source, n)
            for name, url in databases:
                runs = []
                for _ in range(max(1, args.repeat)):
                    runs.append(bench(n, source, url))
                    print(f"{n:>8,}  {name:<10}" + "".join(f"  {_figure(n, runs[-1][step])}"
                                                           for step in STEPS), flush=True)
                if len(runs) > 1:
                    print(f"{'median':>8}  {name:<10}" + "".join(
                        f"  {_figure(n, _median([run[step] for run in runs]))}" for step in STEPS),
                        flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
