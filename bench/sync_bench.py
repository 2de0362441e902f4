"""Benchmark of the two-way sync against the in-process Constant Contact sandbox.

Prints, for each size (contacts per side): the initial two-way sync (time, requests by endpoint,
CRM rows written per second, peak memory, client CPU per record next to the sandbox's CPU, and
the seconds per phase of the run), a sync with nothing changed, and a sync after 1% of the
contacts changed on each side. Then a record-by-record baseline (one request per contact) for
the first size, a small run with the sandbox's real limits on (4 requests/s) to show how close a
sync comes to the floor the service sets (requests / 4 seconds), and a latency-true comparison:
the baseline and our sync against a sandbox that answers each request after a realistic delay
and keeps its real limits, measured at a small size and computed for 100k per side.

    .venv/bin/python bench/sync_bench.py                     # 10k, 50k and 100k per side
    .venv/bin/python bench/sync_bench.py --sizes 2000 --limited 400 --latency-size 100
    .venv/bin/python bench/sync_bench.py --sizes 10000 \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_NAME  # SQLite and PostgreSQL

Each measurement runs in a fresh process (and, on PostgreSQL, a fresh schema), so peak memory
(max RSS) is that size's alone. Progress goes to standard error (bars on a terminal, plain lines
otherwise; --quiet for none); the figures to standard output. It is a script, not a test: it
prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from data import crm_chunks, remote_chunks  # noqa: E402

OVERLAP_WAIT = 3.2  # the engine re-reads a 2 s window until it settles; the Date header has whole seconds
RATE, DAILY = 4, 10_000  # Constant Contact's real limits: requests per second, per day
FULL = 100_000  # the size the latency-true comparison computes its figures for


def _setup(n_crm: int, n_remote: int, limits: bool, database_url: str, home: Path, shown):
    """A CRM in ``home`` on ``database_url`` with n_crm contacts, a sandbox with n_remote,
    signed in."""
    os.environ["CRM_PLUGINS"] = "contacts,constant-contact"
    from crm_constant_contact.rehearsal import connect_to_sandbox
    from crm_constant_contact.sandbox import Sandbox
    from crmcore.app import CRM
    from crmcore.config import Settings
    from crmcore.extensions import store
    from crmcore.initialise import initialise
    from crmcore.models import User

    os.environ["CRM_SECRET_KEY"] = __import__("cryptography.fernet").fernet.Fernet.generate_key().decode()
    crm = CRM(Settings(home=home, database_url=database_url))
    user = initialise(crm, "admin")
    store.install(crm, user, ["constant-contact"])
    records = crm.plugins.modules["contacts"].spec.records
    done = 0
    for chunk in crm_chunks(n_crm):
        with crm.session() as session:
            records.create_many(session, chunk, session.get(User, user.id))
        done += len(chunk)
        shown("Seeding the CRM", done, n_crm)
    sandbox = Sandbox(rate_limit_per_second=RATE if limits else None,
                      daily_limit=DAILY if limits else None, auto_approve=True)
    sandbox.start()
    done = 0
    for chunk in remote_chunks(n_crm, n_remote):
        sandbox.seed_contacts(chunk)
        done += len(chunk)
        shown("Seeding the sandbox", done, n_remote)
    time.sleep(OVERLAP_WAIT)  # contacts that existed before the sync, not written a moment ago
    connection_id = connect_to_sandbox(crm, user, sandbox)
    return crm, user, sandbox, connection_id


def _status_mb(field: str) -> int:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    return 0


def _rss_mb() -> int:
    return _status_mb("VmRSS")


def _reset_peak() -> None:
    """Start the peak-RSS count (VmHWM) afresh, so a sync's peak leaves the set-up out."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def _sync(crm, sandbox, connection_id, records: int, shown) -> dict:
    """One sync, measured. ``records``: how many records take part (both sides), the divisor
    of the CPU per record. CPU of the syncing thread (this one: time.thread_time) is the
    client's; the rest of the process's CPU (time.process_time) is the in-process sandbox's
    threads (and the progress bar's refresh, a few ms a second on a terminal)."""
    from crmcore.sync.runner import sync_connection

    sandbox.reset_counts()
    before = _rss_mb()
    _reset_peak()
    started = time.perf_counter()
    cpu_thread, cpu_process = time.thread_time(), time.process_time()
    summary = sync_connection(crm, connection_id, report=shown if shown.enabled else None)
    cpu_thread, cpu_process = time.thread_time() - cpu_thread, time.process_time() - cpu_process
    seconds = time.perf_counter() - started
    crm_rows = sum(summary.counts["crm"][a] for a in ("created", "updated", "deleted"))
    return {"seconds": round(seconds, 2), "outcome": summary.outcome, "error": summary.error,
            "requests": sandbox.request_total, "by_endpoint": dict(sandbox.requests),
            "counts": summary.counts, "rss_before_mb": before, "peak_mb": _status_mb("VmHWM"),
            "crm_rows_per_second": round(crm_rows / seconds) if seconds else None,
            "records": records, "cpu_client_s": round(cpu_thread, 3),
            "cpu_sandbox_s": round(cpu_process - cpu_thread, 3),
            "cpu_client_us_per_record": round(cpu_thread * 1e6 / records) if records else None,
            "phases": summary.phases}


def _change(crm, user, sandbox, fraction: float, seed: int = 11) -> int:
    """Edit ``fraction`` of the linked contacts on each side (different ones, drawn with
    ``seed``); returns how many on each side."""
    from sqlmodel import select

    from crmcore.models import User
    from crmcore.sync.models import SyncLink

    rng = random.Random(seed)
    with crm.session() as session:
        links = list(session.exec(select(SyncLink).where(SyncLink.crm_deleted == False)))  # noqa: E712
    k = max(1, int(len(links) * fraction))
    picked = rng.sample(links, 2 * k)
    records = crm.plugins.modules["contacts"].spec.records
    with crm.session() as session:
        owner = session.get(User, user.id)
        for link in picked[:k]:
            records.update(session, link.record_id, {"title": f"Changed {rng.randrange(1_000_000)}"}, owner)
    for link in picked[k:]:
        sandbox.update_contact(link.remote_id, {"job_title": f"Remote {rng.randrange(1_000_000)}"})
    return k


def one(size: int, baseline: bool, limited: bool, database_url: str | None = None,
        latency: float = 0.0, progress: bool = True) -> dict:
    """Everything measured for one size, in this process. ``latency``: seconds the sandbox waits
    before answering each request."""
    from crmcore.progress import ProgressDisplay
    from crmcore.testing.fixtures import PG_ENV, fresh_database

    if baseline:  # one request per contact, as generic automation tools do
        from crm_constant_contact import bulk
        from crm_constant_contact.connector import ConstantContactConnector
        bulk.BULK_THRESHOLD = 10 ** 9
        ConstantContactConnector.write_batch_size = 500
    home = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    if database_url:  # the PostgreSQL database fresh_database makes its schema in
        os.environ[PG_ENV] = database_url
    with ProgressDisplay(enabled=progress, unit="records", plain_end=True) as shown, \
            fresh_database(database_url or "sqlite", home) as url:
        crm, user, sandbox, connection_id = _setup(size, size, limited, url, home, shown)
        sandbox.faults.latency = latency
        try:
            out = {"size": size, "initial": _sync(crm, sandbox, connection_id, 2 * size, shown)}
            if not baseline and not limited:
                time.sleep(OVERLAP_WAIT)
                out["no_change"] = _sync(crm, sandbox, connection_id, 2 * size, shown)
                out["changed_each_side"] = _change(crm, user, sandbox, 0.01)
                out["one_percent"] = _sync(crm, sandbox, connection_id,
                                           2 * out["changed_each_side"], shown)
            return out
        finally:
            sandbox.stop()
            crm.close()


def _run_child(size: int, *flags: str) -> dict:
    """One measurement in a fresh process; its progress goes straight to our standard error."""
    out = subprocess.run([sys.executable, __file__, "--one", str(size), *flags,
                          *_CHILD_FLAGS], stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"size {size} ({' '.join(flags) or 'our sync'}) failed; see above.")
    return json.loads(out.stdout.strip().splitlines()[-1])


_CHILD_FLAGS: list[str] = []  # --quiet, --database-url: what every child is given


def _cpu(r: dict) -> str:
    return (f"client CPU {r['cpu_client_s']} s = {r['cpu_client_us_per_record']} µs per record "
            f"({r['records']:,} records, both sides), sandbox CPU {r['cpu_sandbox_s']} s")


def _phases(r: dict) -> str:
    from crmcore.cli.sync_run import phases_line

    return phases_line(r["phases"]) if r.get("phases") else "(none)"


def _days(requests: float) -> str:
    return f"{requests / DAILY:.2f} days of the {DAILY:,}-request daily quota"


def _endpoints(by_endpoint: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(by_endpoint.items(), key=lambda kv: -kv[1]))


def _budget(n: int, m: int, by_endpoint: dict) -> int:
    imports = sum(v for k, v in by_endpoint.items() if "activities" in k)
    return math.ceil(m / 500) + imports + math.ceil(n / 500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000",
                        help="contacts per side, comma separated")
    parser.add_argument("--baseline", type=int, default=None,
                        help="size of the record-by-record baseline (default: the first size)")
    parser.add_argument("--limited", type=int, default=300,
                        help="contacts per side for the run with real limits on (0: skip)")
    parser.add_argument("--latency-size", type=int, default=200,
                        help="contacts per side for the latency-true comparison (0: skip)")
    parser.add_argument("--latency", type=float, default=0.15,
                        help="seconds the sandbox takes to answer each request in that comparison")
    parser.add_argument("--database-url", metavar="URL",
                        help="also run each size on this PostgreSQL database (a fresh schema "
                             "each), printed side by side with SQLite")
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--as-baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--as-limited", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-latency", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--child-database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.as_baseline, args.as_limited, args.child_database_url,
                             args.child_latency, progress=not args.quiet)))
        return
    if args.quiet:
        _CHILD_FLAGS.append("--quiet")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    backends = [("SQLite", [])]
    if args.database_url:
        backends.append(("PostgreSQL", ["--child-database-url", args.database_url]))
    from crmcore.progress import ProgressDisplay
    from crmcore.sync.engine import SETTLE_WAIT

    steps = (len(sizes) * len(backends) + 1 + bool(args.limited) + 2 * bool(args.latency_size))
    print(f"Sync benchmark: sandbox in process, rate limits off; {os.cpu_count()} cores; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    print(f"A run that bulk-creates contacts waits before reading them back until the service's "
          f"clock (from its Date headers) is 2 s past them, at most {SETTLE_WAIT.total_seconds():.1f} s after the last write "
          "(so that read also settles the overlap window); that wait (phase \"settle wait\") is in "
          "every initial-sync time below, and not in the record-by-record baseline's.")
    print("Client CPU is the syncing thread's (time.thread_time); sandbox CPU the rest of the "
          "process's. Phases: wall-clock seconds, each in one phase (apply = writing a batch's "
          "decisions, commit = ending its transaction; neither, nor the waits, is in "
          "pull/push/read-back).\n", flush=True)
    results: dict[tuple[int, str], dict] = {}
    with ProgressDisplay(enabled=not args.quiet, unit="measurements", plain_from=1,
                         plain_end=True) as shown:
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            shown("Benchmark", done, steps)

        shown("Benchmark", 0, steps)
        for size in sizes:
            for backend, flags in backends:
                r = results[(size, backend)] = _run_child(size, *flags)
                step()
                _print_size(size, backend, r)
        base_size = args.baseline or sizes[0]
        base = _run_child(base_size, "--as-baseline")["initial"]
        step()
        ours = results.get((base_size, "SQLite")) or _run_child(base_size)
        ours = ours["initial"]
        print(f"== record-by-record baseline, {base_size:,} per side: {base['seconds']} s, "
              f"{base['requests']} requests; {_cpu(base)}")
        print(f"  ratio baseline/ours: requests {base['requests'] / ours['requests']:.1f}x, "
              f"time {base['seconds'] / ours['seconds']:.1f}x\n", flush=True)
        if args.limited:
            lim = _run_child(args.limited, "--as-limited")["initial"]
            step()
            floor = lim["requests"] / RATE
            print(f"== real limits on ({RATE} requests/s), {args.limited} per side: {lim['seconds']} s "
                  f"for {lim['requests']} requests; the floor is {floor:.1f} s "
                  f"({lim['seconds'] / floor:.2f}x the floor)\n", flush=True)
        if args.latency_size:
            flags = ("--as-limited", "--child-latency", str(args.latency))
            slow_base = _run_child(args.latency_size, "--as-baseline", *flags)["initial"]
            step()
            slow_ours = _run_child(args.latency_size, *flags)["initial"]
            step()
            largest = max(sizes)
            _print_latency_true(args.latency_size, args.latency, slow_base, slow_ours,
                                results[(largest, "SQLite")], largest)
    if len(backends) > 1:
        _print_side_by_side(sizes, results)


def _print_size(size: int, backend: str, r: dict) -> None:
    ini = r["initial"]
    print(f"== {size:,} contacts per side (10% shared by email, 2% unsubscribed), {backend}")
    print(f"initial two-way sync: {ini['seconds']} s, {ini['outcome']}, {ini['requests']} requests, "
          f"{ini['crm_rows_per_second']} CRM rows/s, peak memory during the sync "
          f"{ini['peak_mb']} MB (the in-process sandbox included; {ini['rss_before_mb']} MB "
          f"before it)")
    print(f"  {_cpu(ini)}")
    print(f"  phases: {_phases(ini)}")
    print(f"  requests by endpoint: {_endpoints(ini['by_endpoint'])}")
    print(f"  counts: {ini['counts']}")
    print(f"  request budget (pages of M/500 + activities + N/500, plus a small constant "
          f"for the target list and the last empty page): {_budget(size, size, ini['by_endpoint'])}")
    nc = r["no_change"]
    print(f"no-change sync: {nc['seconds']} s, {nc['requests']} requests, peak {nc['peak_mb']} MB, "
          f"client CPU {nc['cpu_client_s']} s; phases: {_phases(nc)}")
    op = r["one_percent"]
    print(f"1% changed on each side ({r['changed_each_side']} + {r['changed_each_side']}): "
          f"{op['seconds']} s, {op['requests']} requests ({_endpoints(op['by_endpoint'])}); "
          f"client CPU {op['cpu_client_s']} s; phases: {_phases(op)}\n", flush=True)


def _print_latency_true(size: int, latency: float, base: dict, ours: dict, full: dict,
                        full_size: int) -> None:
    """The baseline and our sync as a user lives them: measured at ``size`` against a sandbox
    answering after ``latency`` s with its real limits; computed for FULL per side."""
    per_request = max(1 / RATE, latency)
    print(f"== latency-true comparison: the sandbox answers each request after {latency * 1000:.0f} "
          f"ms and keeps its real limits ({RATE} requests/s, {DAILY:,} a day)")
    print(f"measured, {size:,} contacts per side:")
    for name, r in (("record by record", base), ("our sync", ours)):
        print(f"  {name:17} {r['seconds']:8.1f} s  {r['requests']:6,} requests  {r['outcome']}")
    print(f"  ratio record-by-record/ours: time {base['seconds'] / ours['seconds']:.1f}x, "
          f"requests {base['requests'] / ours['requests']:.1f}x")
    settle = full["initial"].get("phases", {}).get("settle_wait", 0.0)  # as measured
    base_full = base["requests"] * FULL / size
    if full_size == FULL:
        ours_full, ours_how = full["initial"]["requests"], f"measured above at {FULL:,} per side"
        ours_rest, rest_how = full["initial"]["seconds"], "its time without limits, measured above"
    else:  # pages and bulk activities grow with the records; the few fixed requests do not
        ours_full = full["initial"]["requests"] * FULL / full_size
        ours_how = (f"computed: {full['initial']['requests']} measured at {full_size:,} per side "
                    f"x {FULL:,}/{full_size:,}, an upper bound")
        ours_rest = (full["initial"]["seconds"] - settle) * FULL / full_size + settle
        rest_how = (f"its time without limits at {full_size:,}, less the {settle:.1f} s settle "
                    f"wait, x {FULL:,}/{full_size:,}, plus that wait")
    base_s = base_full * per_request
    ours_s = ours_full * per_request + ours_rest
    quota_days = math.ceil(base_full / DAILY)
    print(f"computed for {FULL:,} contacts per side (not measured):")
    print(f"  record by record: requests = {base['requests']:,} x {FULL:,}/{size:,} = "
          f"{base_full:,.0f} (one request per record: they scale with the records); time = "
          f"requests x max(1/{RATE} s, {latency} s) = {base_s / 3600:.1f} h of requests, spread "
          f"over {quota_days} days by the daily quota; {_days(base_full)}")
    print(f"  our sync: requests = {ours_full:,.0f} ({ours_how}); time = requests x "
          f"max(1/{RATE} s, {latency} s) + {ours_rest:.1f} s ({rest_how}) = {ours_s:.0f} s; "
          f"{_days(ours_full)}")
    print(f"  ratio record-by-record/ours at {FULL:,}: time {base_s / ours_s:,.0f}x, "
          f"requests {base_full / ours_full:,.0f}x, days of quota {base_full / ours_full:,.0f}x\n",
          flush=True)


def _print_side_by_side(sizes: list[int], results: dict) -> None:
    print("== SQLite and PostgreSQL side by side")
    rows = [("initial sync s", lambda r: r["initial"]["seconds"]),
            ("  client CPU µs/record", lambda r: r["initial"]["cpu_client_us_per_record"]),
            ("  sandbox CPU s", lambda r: r["initial"]["cpu_sandbox_s"]),
            ("  peak MB", lambda r: r["initial"]["peak_mb"]),
            ("  requests", lambda r: r["initial"]["requests"]),
            *((f"  phase {p} s", (lambda p: lambda r: r["initial"]["phases"].get(p, 0.0))(p))
              for p in ("pull", "push", "wait_for_activities", "settle_wait", "read_back",
                        "apply", "commit")),
            ("no-change sync s", lambda r: r["no_change"]["seconds"]),
            ("1% changed sync s", lambda r: r["one_percent"]["seconds"])]
    for size in sizes:
        print(f"{size:,} per side{'':14} {'SQLite':>12} {'PostgreSQL':>12}")
        for label, get in rows:
            cells = [get(results[(size, backend)]) for backend in ("SQLite", "PostgreSQL")]
            cells = [f"{c:.2f}" if isinstance(c, float) else str(c) for c in cells]
            print(f"  {label:28} {cells[0]:>12} {cells[1]:>12}")
    print()


if __name__ == "__main__":
    main()
