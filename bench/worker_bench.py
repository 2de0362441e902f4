"""Benchmark of background sync on ``crm worker`` processes: how many connections a period
syncs per minute with 1, 2 and 4 worker processes, side by side.

For each worker count, a fresh PostgreSQL schema holds a CRM whose users each have a connection
to a sandbox account of their own (in this process, every request delayed by ``--latency``
seconds, as a real remote answers). Every account holds the CRM's contacts (same people, by
email), so a connection's first sync links them by email and reconciles what differs; the
second period runs with nothing changed. The workers start first; then all connections become
due at once and the clock runs until every one has finished its run. The workers tick every
second (``crm worker`` ticks every minute; a period here is far shorter than one).

    .venv/bin/python bench/worker_bench.py                         # 200 x 500, 1/2/4 workers
    .venv/bin/python bench/worker_bench.py --connections 40 --contacts 100 --workers 1,2

Needs PostgreSQL: ``--database-url`` or CRM_TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test). A script, not a test: it prints figures.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from data import crm_chunks, remote_chunks  # noqa: E402


def _fleet(url: str, home: Path, connections: int, contacts: int, latency: float, stack: ExitStack):
    """An initialised CRM on ``url`` with ``connections`` users, each signed in to a sandbox."""
    from cryptography.fernet import Fernet
    from crm_constant_contact.rehearsal import connect_to_sandbox
    from crm_constant_contact.sandbox import Sandbox
    from crmcore.app import CRM
    from crmcore.config import Settings
    from crmcore.extensions import store
    from crmcore.initialise import initialise
    from crmcore.models import User
    from crmcore.users import add_user

    os.environ["CRM_PLUGINS"] = "contacts,constant-contact"
    os.environ["CRM_SECRET_KEY"] = Fernet.generate_key().decode()
    crm = CRM(Settings(home=home, database_url=url))
    stack.callback(crm.close)
    admin = initialise(crm, "admin")
    store.install(crm, admin, ["constant-contact"])
    records = crm.plugins.modules["contacts"].spec.records
    for chunk in crm_chunks(contacts):
        with crm.session() as session:
            records.create_many(session, chunk, session.get(User, admin.id))
    people = [c for chunk in remote_chunks(contacts, contacts, overlap=1.0, unsubscribed=0.0)
              for c in chunk]
    for number in range(connections):
        sandbox = Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True)
        sandbox.start()
        stack.callback(sandbox.stop)
        sandbox.seed_contacts(people)
        with crm.session() as session:
            user = add_user(session, session.get(User, admin.id), f"user{number}")
        connect_to_sandbox(crm, user, sandbox)
        sandbox.faults.latency = latency
    from crmcore.worker.run import ensure_queue_schema
    ensure_queue_schema(crm)  # as the core's migrations will; not part of a timed period
    return crm


def _finished_runs(crm) -> int:
    from sqlalchemy import text
    with crm.engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM crm_sync_run WHERE finished_at IS NOT NULL")).scalar()


def _outcomes(crm) -> dict[str, int]:
    from sqlalchemy import text
    with crm.engine.connect() as connection:
        return dict(connection.execute(text(
            "SELECT outcome, count(*) FROM crm_sync_run GROUP BY outcome")).all())


def _make_due(crm, when: str) -> None:
    from sqlalchemy import text
    with crm.engine.begin() as connection:
        connection.execute(text(f"UPDATE crm_sync_settings SET next_run_at = {when}"))


def _period(crm, expect: int, procs: list) -> float:
    """Make every connection due now; seconds until ``expect`` runs in all have finished."""
    start = time.monotonic()
    _make_due(crm, "now()")
    while _finished_runs(crm) < expect:
        if any(p.poll() is not None for p in procs):
            raise SystemExit("a worker stopped early; see its log")
        time.sleep(0.1)
    return time.monotonic() - start


def measure(base_url: str, workers: int, args) -> dict:
    from crmcore.testing.fixtures import fresh_database
    from crmcore.worker.defer import workers_running
    from sqlalchemy import text

    os.environ.setdefault("CRM_TEST_DATABASE_URL", base_url)
    home = Path(tempfile.mkdtemp(prefix="crm-wbench-"))
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(base_url, home))
        t0 = time.monotonic()
        crm = _fleet(url, home, args.connections, args.contacts, args.latency, stack)
        with crm.session() as session:  # settings rows exist, none due until the clock starts
            from crmcore.sync import settings as sync_settings
            for cid in session.execute(text("SELECT id FROM crm_connection")).scalars():
                sync_settings.load(session, cid)
        _make_due(crm, "now() + interval '1 day'")
        setup = time.monotonic() - t0
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        env.update(CRM_HOME=str(home), CRM_DATABASE_URL=url, CRM_PLUGINS="contacts,constant-contact",
                   CRM_SECRET_KEY=os.environ["CRM_SECRET_KEY"])
        exe = Path(sys.executable).parent / "crm"
        procs = [subprocess.Popen([str(exe), "worker", "--concurrency", str(args.concurrency),
                                   "--tick", "1"], env=env, stdout=(home / f"w{i}.log").open("w"),
                                  stderr=subprocess.STDOUT) for i in range(workers)]
        try:
            while len(_alive(crm)) < workers:
                time.sleep(0.2)
            first = _period(crm, args.connections, procs)
            second = _period(crm, 2 * args.connections, procs)  # a period later, nothing changed
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                p.wait(60)
        outcomes = _outcomes(crm)
    return {"workers": workers, "setup": setup, "first": first, "second": second,
            "outcomes": outcomes}


def _alive(crm) -> list:
    from crmcore.worker.status import workers
    return workers(crm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=500, help="per connection's account")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts to compare")
    parser.add_argument("--concurrency", type=int, default=4, help="syncs at once per worker")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per request")
    parser.add_argument("--database-url", default=os.environ.get(
        "CRM_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop workers, drop the schema
    counts = [int(n) for n in args.workers.split(",")]
    print(f"{args.connections} connections x {args.contacts} contacts, {args.latency * 1000:g} ms "
          f"per request, {args.concurrency} syncs at once per worker, {os.cpu_count()} CPUs")
    results = []
    for n in counts:
        result = measure(args.database_url, n, args)
        results.append(result)
        print(f"  {n} worker(s): set-up {result['setup']:.0f} s, first period "
              f"{result['first']:.1f} s, second {result['second']:.1f} s, runs {result['outcomes']}",
              flush=True)
    base = results[0]
    print()
    print(f"{'workers':>7}  {'first sync: conn/min':>20}  {'ratio':>5}  "
          f"{'nothing changed: conn/min':>25}  {'ratio':>5}")
    for r in results:
        first = args.connections / r["first"] * 60
        second = args.connections / r["second"] * 60
        print(f"{r['workers']:>7}  {first:>20.0f}  {base['first'] / r['first']:>5.2f}  "
              f"{second:>25.0f}  {base['second'] / r['second']:>5.2f}")


if __name__ == "__main__":
    main()
