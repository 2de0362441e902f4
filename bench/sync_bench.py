"""Benchmark of the two-way sync against the in-process Constant Contact sandbox.

Prints, for each size (contacts per side): the initial two-way sync (time, requests by endpoint,
CRM rows written per second, peak memory), a sync with nothing changed, and a sync after 1% of
the contacts changed on each side. Then a record-by-record baseline (one request per contact)
for the first size, and a small run with the sandbox's real limits on (4 requests/s) to show how
close a sync comes to the floor the service sets (requests / 4 seconds).

    .venv/bin/python bench/sync_bench.py                     # 10k, 50k and 100k per side
    .venv/bin/python bench/sync_bench.py --sizes 2000 --limited 400

Each measurement runs in a fresh process, so peak memory (max RSS) is that size's alone. It is
a script, not a test: it prints figures and asserts nothing.
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


def _setup(n_crm: int, n_remote: int, limits: bool):
    """A CRM in a temp dir with n_crm contacts, a sandbox with n_remote, signed in."""
    os.environ["CRM_PLUGINS"] = "contacts,constant-contact"
    from crm_constant_contact.rehearsal import connect_to_sandbox
    from crm_constant_contact.sandbox import Sandbox
    from crmcore.app import CRM
    from crmcore.config import Settings
    from crmcore.extensions import store
    from crmcore.initialise import initialise
    from crmcore.models import User

    home = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    os.environ["CRM_SECRET_KEY"] = __import__("cryptography.fernet").fernet.Fernet.generate_key().decode()
    crm = CRM(Settings(home=home, database_url=f"sqlite:///{home / 'crm.sqlite'}"))
    user = initialise(crm, "admin")
    store.install(crm, user, ["constant-contact"])
    records = crm.plugins.modules["contacts"].spec.records
    for chunk in crm_chunks(n_crm):
        with crm.session() as session:
            records.create_many(session, chunk, session.get(User, user.id))
    sandbox = Sandbox(rate_limit_per_second=4 if limits else None,
                      daily_limit=10_000 if limits else None, auto_approve=True)
    sandbox.start()
    for chunk in remote_chunks(n_crm, n_remote):
        sandbox.seed_contacts(chunk)
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


def _sync(crm, sandbox, connection_id) -> dict:
    from crmcore.sync.runner import sync_connection

    sandbox.reset_counts()
    before = _rss_mb()
    _reset_peak()
    started = time.perf_counter()
    summary = sync_connection(crm, connection_id)
    seconds = time.perf_counter() - started
    crm_rows = sum(summary.counts["crm"][a] for a in ("created", "updated", "deleted"))
    return {"seconds": round(seconds, 2), "outcome": summary.outcome, "error": summary.error,
            "requests": sandbox.request_total, "by_endpoint": dict(sandbox.requests),
            "counts": summary.counts, "rss_before_mb": before, "peak_mb": _status_mb("VmHWM"),
            "crm_rows_per_second": round(crm_rows / seconds) if seconds else None}


def _change(crm, user, sandbox, fraction: float) -> int:
    """Edit ``fraction`` of the linked contacts on each side (different ones)."""
    from sqlmodel import select

    from crmcore.models import User
    from crmcore.sync.models import SyncLink

    rng = random.Random(11)
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


def one(size: int, baseline: bool, limited: bool) -> dict:
    """Everything measured for one size, in this process."""
    if baseline:  # one request per contact, as generic automation tools do
        from crm_constant_contact import bulk
        from crm_constant_contact.connector import ConstantContactConnector
        bulk.BULK_THRESHOLD = 10 ** 9
        ConstantContactConnector.write_batch_size = 500
    crm, user, sandbox, connection_id = _setup(size, size, limits=limited)
    try:
        out = {"size": size, "initial": _sync(crm, sandbox, connection_id)}
        if not baseline and not limited:
            time.sleep(OVERLAP_WAIT)
            out["no_change"] = _sync(crm, sandbox, connection_id)
            out["changed_each_side"] = _change(crm, user, sandbox, 0.01)
            out["one_percent"] = _sync(crm, sandbox, connection_id)
        return out
    finally:
        sandbox.stop()
        crm.close()


def _run_child(size: int, *flags: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", str(size), *flags],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"size {size} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


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
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--as-baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--as-limited", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.as_baseline, args.as_limited)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    from crmcore.sync.engine import SETTLE_WAIT

    print(f"Sync benchmark: sandbox in process, rate limits off; {os.cpu_count()} cores.")
    print(f"A run that bulk-creates contacts waits {SETTLE_WAIT.total_seconds():.1f} s before "
          "reading them back (so that read also settles the overlap window); that wait is in "
          "every initial-sync time below, and not in the record-by-record baseline's.\n")
    results = {}
    for size in sizes:
        r = results[size] = _run_child(size)
        ini = r["initial"]
        print(f"== {size:,} contacts per side (10% shared by email, 2% unsubscribed)")
        print(f"initial two-way sync: {ini['seconds']} s, {ini['outcome']}, {ini['requests']} requests, "
              f"{ini['crm_rows_per_second']} CRM rows/s, peak memory during the sync "
              f"{ini['peak_mb']} MB (the in-process sandbox included; {ini['rss_before_mb']} MB "
              f"before it)")
        print(f"  requests by endpoint: {_endpoints(ini['by_endpoint'])}")
        print(f"  counts: {ini['counts']}")
        print(f"  request budget (pages of M/500 + activities + N/500, plus a small constant "
              f"for the target list and the last empty page): {_budget(size, size, ini['by_endpoint'])}")
        nc = r["no_change"]
        print(f"no-change sync: {nc['seconds']} s, {nc['requests']} requests, peak {nc['peak_mb']} MB")
        op = r["one_percent"]
        print(f"1% changed on each side ({r['changed_each_side']} + {r['changed_each_side']}): "
              f"{op['seconds']} s, {op['requests']} requests ({_endpoints(op['by_endpoint'])})\n")
    base_size = args.baseline or sizes[0]
    base = _run_child(base_size, "--as-baseline")["initial"]
    ours = results.get(base_size) or _run_child(base_size)
    ours = ours["initial"]
    print(f"== record-by-record baseline, {base_size:,} per side: {base['seconds']} s, "
          f"{base['requests']} requests")
    print(f"  ratio baseline/ours: requests {base['requests'] / ours['requests']:.1f}x, "
          f"time {base['seconds'] / ours['seconds']:.1f}x\n")
    if args.limited:
        lim = _run_child(args.limited, "--as-limited")["initial"]
        floor = lim["requests"] / 4
        print(f"== real limits on (4 requests/s), {args.limited} per side: {lim['seconds']} s for "
              f"{lim['requests']} requests; the floor is {floor:.1f} s "
              f"({lim['seconds'] / floor:.2f}x the floor)")


if __name__ == "__main__":
    main()
