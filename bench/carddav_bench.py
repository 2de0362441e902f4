"""Benchmark of the two-way sync against a real Radicale server (CardDAV) on loopback.

Prints: the initial two-way sync of N contacts on each side (distinct people: afterwards both
sides hold 2N), its time and requests, and a sync with nothing changed (one sync-collection
REPORT). The address book is seeded by writing vCard files into Radicale's storage folder
before it starts, the CRM by ``crm contacts import``; the syncs run the real ``crm sync now``
with the connector's declared HTTP defaults (no client throttle). Each line gives wall seconds
(noisy on a shared machine), the CPU seconds of the ``crm`` command and of the server, and the
load average.

    .venv/bin/python bench/carddav_bench.py                 # 5,000 per side
    .venv/bin/python bench/carddav_bench.py --size 500      # a quick look
    .venv/bin/python bench/carddav_bench.py --crm 0 --remote 10000   # reads only (no PUTs)
    .venv/bin/python bench/carddav_bench.py --folder /dev/shm        # storage in memory

A script, not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins" / "carddav" / "tests"))

from servers import PASSWORD, USER, start  # noqa: E402


def card(i: int) -> str:
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"UID:{uuid.uuid4()}\r\nFN:Remote{i} Person\r\nN:Person;Remote{i};;;\r\n"
            f"EMAIL;TYPE=INTERNET;TYPE=WORK:remote{i}@cards.example\r\n"
            f"TEL;TYPE=CELL:+1 555 {i:06d}\r\nORG:Org {i % 97}\r\nTITLE:Engineer\r\n"
            "END:VCARD\r\n")


def seed_storage(folder: Path, n: int) -> str:
    """Radicale's filesystem layout: collection-root/USER/BOOK/ with .Radicale.props and cards."""
    book = folder / "storage" / "collection-root" / USER / "bench"
    book.mkdir(parents=True)
    (book / ".Radicale.props").write_text(json.dumps({"tag": "VADDRESSBOOK"}))
    for i in range(n):
        (book / f"r{i}.vcf").write_text(card(i), newline="")
    return f"/{USER}/bench/"


def crm(env: dict, *args: str, stdin: str | None = None) -> str:
    exe = shutil.which("crm", path=str(Path(sys.executable).parent))
    done = subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"crm {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_sync(env: dict, server_pid: int) -> dict:
    """One ``crm sync now``: its summary plus wall seconds, the command's CPU seconds, the
    server's CPU seconds and the 1-minute load average at the end."""
    started, server_cpu = time.perf_counter(), cpu_seconds(server_pid)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(crm(env, "sync", "now", "carddav", "--json"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {**summary, "seconds": time.perf_counter() - started,
            "crm_cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "server_cpu": cpu_seconds(server_pid) - server_cpu, "load": os.getloadavg()[0]}


def line(label: str, run: dict) -> str:
    return (f"  {label:15s} {run['seconds']:7.1f} s  {run['requests']:6d} requests  CPU: crm "
            f"{run['crm_cpu']:6.1f} s, server {run['server_cpu']:6.1f} s  load {run['load']:.2f}  "
            f"outcome {run['outcome']}  counts {run['counts']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000, help="contacts on each side")
    parser.add_argument("--crm", type=int, help="contacts in the CRM (default: --size)")
    parser.add_argument("--remote", type=int, help="cards in the address book (default: --size)")
    parser.add_argument("--folder", type=Path, help="where the CRM home and Radicale's storage live "
                        "(default: a temporary folder; /dev/shm keeps them in memory)")
    args = parser.parse_args()
    n = args.size
    n_crm = n if args.crm is None else args.crm
    n_remote = n if args.remote is None else args.remote
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        tmp_path = Path(tmp)
        book_path = seed_storage(tmp_path / "radicale", n_remote)
        server = start("radicale", tmp_path / "radicale", max_body=None)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
            env.update(CRM_HOME=str(tmp_path / "home"), CRM_PLUGINS="contacts,carddav")
            crm(env, "init", "--admin", "admin")
            crm(env, "extensions", "install", "carddav", "-y")
            people = tmp_path / "people.csv"
            with people.open("w", newline="") as out:
                w = csv.writer(out)
                w.writerow(["first_name", "last_name", "email", "mobile_phone", "organization", "title"])
                for i in range(n_crm):
                    w.writerow([f"Crm{i}", "Person", f"crm{i}@crm.example", f"+44 20 {i:06d}",
                                f"Org {i % 89}", "Analyst"])
            if n_crm:
                crm(env, "contacts", "import", str(people))
            crm(env, "sync", "configure", "carddav", "--url", server.root + book_path,
                "--username", USER, stdin=PASSWORD + "\n")
            crm(env, "sync", "settings", "carddav", "--direction", "both")
            first = timed_sync(env, server.process.pid)
            second = timed_sync(env, server.process.pid)
            listed = json.loads(crm(env, "contacts", "list", "--json", "--limit", str(10 * n)))
        finally:
            server.stop()
        cards = len(list((tmp_path / "radicale" / "storage" / "collection-root" / USER / "bench").glob("*.vcf")))
    print(f"CardDAV sync against Radicale, {n_crm} CRM contacts and {n_remote} cards (distinct "
          f"people), storage in {args.folder or tempfile.gettempdir()}; the connector's own HTTP "
          "defaults (no throttle)")
    print(line("initial sync:", first))
    print(line("no-change sync:", second))
    print(f"  afterwards: {len(listed) if isinstance(listed, list) else listed} CRM contacts, {cards} cards")


if __name__ == "__main__":
    main()
