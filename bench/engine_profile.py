"""CPU per record of the sync engine: one initial two-way sync, a no-change sync and a 1% sync,
with the syncing thread's CPU time (time.thread_time) next to the process's and the wall time.

    .venv/bin/python bench/engine_profile.py 10000
    .venv/bin/python bench/engine_profile.py 10000 --profile /tmp/sync.prof   # cProfile the initial sync (.txt: pyinstrument)
    .venv/bin/python bench/engine_profile.py 10000 --database-url postgresql://...

Prints JSON lines; asserts nothing. Uses bench/sync_bench.py's set-up (sandbox in process, limits
off).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


@contextlib.contextmanager
def _setup(n: int, database_url: str | None):
    """A CRM with n contacts and a sandbox with n, signed in, on a fresh database: a SQLite file in
    a temporary folder, or a schema of its own in the PostgreSQL database ``database_url``
    (dropped afterwards). Yields (crm, user, sandbox, connection_id)."""
    import sync_bench
    from crmcore.testing.fixtures import PG_ENV, fresh_database

    home = Path(tempfile.mkdtemp(prefix="crm-profile-"))
    if database_url:
        os.environ[PG_ENV] = database_url
    with fresh_database(database_url or "sqlite", home) as url:
        crm, user, sandbox, connection_id = sync_bench._setup(
            n, n, False, url, home, lambda *args: None)
        try:
            yield crm, user, sandbox, connection_id
        finally:
            sandbox.stop()
            crm.close()


_SPENT: dict[str, list] = {}


def _timed(owner, name: str, label: str) -> None:
    """Wrap ``owner.name`` to add the syncing thread's CPU time spent in it to ``label``
    (inclusive of what it calls; calls made from another timed function count in both)."""
    import functools
    inner = getattr(owner, name)
    spent = _SPENT.setdefault(label, [0.0, 0])

    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.thread_time() - start
            spent[1] += 1

    setattr(owner, name, wrapper)


def _instrument() -> None:
    """CPU time by part of the work (see --breakdown)."""
    from crm_constant_contact import answers, session as cc_session
    from crm_contacts import records
    from crmcore import changes, http
    from crmcore.sync import applier, mapping, pull, push, runlog
    from sqlalchemy.orm import Session

    store, links, fields = records.ContactStore, applier.Applier, mapping.FieldMapping
    parts = [  # (owner, attribute, label)
        (store, "create_many_returning", "store.create_many_returning (incl. validation)"),
        (records, "clean", "validation clean()"),
        (store, "update_many", "store.update_many"),
        (store, "get_many", "store.get_many"),
        (store, "find_by_email", "store.find_by_email"),
        (records, "_insert_rows", "store: contact inserts"),
        (records, "record_changes", "store: record_changes"),
        (links, "commit", "applier.commit (all)"),
        (links, "_save_links", "applier._save_links"),
        (links, "links_by", "applier.links_by"),
        (links, "_create", "applier._create"),
        (applier, "checkpoint", "applier: checkpoint"),
        (Session, "commit", "session commits"),
        (pull.Puller, "_pull_unlinked", "pull._pull_unlinked"),
        (pull.Puller, "_pull_page", "pull._pull_page (all)"),
        (push.Pusher, "_push_records", "push._push_records (all)"),
        (cc_session.ConstantContactSession, "write", "connector write (all)"),
        (answers, "contact_page", "connector contact_page (checks, flatten)"),
        (cc_session, "contact_page", "connector contact_page (checks, flatten)"),
        (http.ApiClient, "request", "http requests (incl. JSON decode)"),
        (runlog.RunLog, "flush", "run log flush"),
        (changes, "changes_since", "changes_since"),
        (fields, "to_crm", "mapping.to_crm"),
        (fields, "to_remote", "mapping.to_remote"),
        (fields, "fingerprint_of", "mapping.fingerprint_of"),
        (fields, "crm_key_values", "mapping.crm_key_values"),
        (fields, "remote_key_values", "mapping.remote_key_values"),
    ]
    for owner, name, label in parts:
        _timed(owner, name, label)


def _measure(crm, sandbox, connection_id, records: int, profile: str | None = None) -> dict:
    import sync_bench
    from crmcore.sync.runner import sync_connection

    sandbox.reset_counts()
    before = sync_bench._rss_mb()
    sync_bench._reset_peak()
    wall, cpu, proc = time.perf_counter(), time.thread_time(), time.process_time()
    if profile and profile.endswith(".txt"):  # a sampling profile (pyinstrument), as text
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005)
        with profiler:
            summary = sync_connection(crm, connection_id)
        Path(profile).write_text(profiler.output_text(show_all=False, short_mode=False))
    elif profile:
        import cProfile
        prof = cProfile.Profile()
        summary = prof.runcall(sync_connection, crm, connection_id)
        prof.dump_stats(profile)
    else:
        summary = sync_connection(crm, connection_id)
    cpu = time.thread_time() - cpu
    proc = time.process_time() - proc
    wall = time.perf_counter() - wall
    return {"wall_s": round(wall, 2), "thread_cpu_s": round(cpu, 2),
            "other_threads_cpu_s": round(proc - cpu, 2),
            "us_per_record": round(cpu / records * 1e6, 1) if records else None,
            "outcome": summary.outcome, "error": summary.error,
            "requests": sandbox.request_total, "rss_before_mb": before,
            "peak_mb": sync_bench._status_mb("VmHWM"),
            "counts": summary.counts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("size", type=int)
    parser.add_argument("--profile")
    parser.add_argument("--database-url")
    parser.add_argument("--initial-only", action="store_true")
    parser.add_argument("--breakdown", action="store_true",
                        help="print the syncing thread's CPU time by part (inclusive)")
    parser.add_argument("--phase", default="initial", choices=("initial", "no_change", "one_percent"),
                        help="the sync --profile profiles")
    parser.add_argument("--one-percent-runs", type=int, default=1, metavar="N",
                        help="change 1%% of the records and sync, N times over (a busy machine's "
                             "figures vary from run to run; the first is the one profiled)")
    args = parser.parse_args()
    if args.profile and args.profile.endswith(".txt"):
        try:
            import pyinstrument  # noqa: F401
        except ImportError:
            parser.error("a .txt profile needs pyinstrument, which the project does not install: "
                         "'.venv/bin/pip install pyinstrument', or give a .prof file (cProfile)")
    import sync_bench

    with _setup(args.size, args.database_url) as (crm, user, sandbox, connection_id):
        def profile(phase: str) -> str | None:
            return args.profile if args.phase == phase else None

        if args.breakdown:
            _instrument()
        out = _measure(crm, sandbox, connection_id, 2 * args.size, profile("initial"))
        print(json.dumps({"initial": out}), flush=True)
        if args.breakdown:
            for label, (spent, calls) in sorted(_SPENT.items(), key=lambda kv: -kv[1][0]):
                print(f"{spent:8.3f} s {calls:7d} calls  {label}")
            _SPENT.clear()
        if args.initial_only:
            return
        time.sleep(sync_bench.OVERLAP_WAIT)
        print(json.dumps({"no_change": _measure(crm, sandbox, connection_id, 2 * args.size,
                                                profile("no_change"))}), flush=True)
        for run in range(args.one_percent_runs):  # each on other records (a seed per run)
            if run:
                time.sleep(sync_bench.OVERLAP_WAIT)  # as before the first: past the overlap
            k = sync_bench._change(crm, user, sandbox, 0.01, seed=11 + run)
            print(json.dumps({"one_percent": _measure(
                crm, sandbox, connection_id, 2 * k, profile("one_percent") if run == 0 else None)}),
                flush=True)
    print(json.dumps({"load": os.getloadavg()}))


if __name__ == "__main__":
    main()
