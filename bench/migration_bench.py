"""Benchmark: upgrading a database that holds 100,000 contacts, in time and peak memory.

    .venv/bin/python bench/migration_bench.py                     # SQLite, 100,000 contacts
    .venv/bin/python bench/migration_bench.py --contacts 20000    # a quick look
    .venv/bin/python bench/migration_bench.py --postgres postgresql://postgres@127.0.0.1:5432/test

It builds a database as release 0.1.0 left it (contacts, their change rows, no version tables),
then runs, each step in a fresh process so its peak memory is its own:

1. ``adopt``: ``crm db upgrade``'s path on a 0.1.0 database (recognise it, stamp, upgrade);
2. ``no-op``: the same upgrade again, with nothing pending;
3. ``add column``: a batch-mode revision adding a nullable column to ``contact``;
4. ``backfill``: a data-moving revision that fills it from ``email`` in Python, through
   ``update_in_batches`` (keyset pages of 5,000 rows);
5. ``rebuild``: a batch-mode revision that copies the whole table (``recreate="always"``, which
   SQLite needs for most alterations: new table, INSERT ... SELECT, drop, rename) and indexes it.

Steps 3-5 are bench-only revisions on top of a copy of the contacts lineage. For each step it
prints the seconds taken and the process's peak resident memory, with its size before the step.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

BENCH_REVISIONS = {
    "bench_0002_add_column.py": '''
from alembic import op
import sqlalchemy as sa
revision = "bench_0002"
down_revision = "contacts_0001"
def upgrade():
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("email_domain", sa.String(254), nullable=True))
def downgrade():
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("email_domain")
''',
    "bench_0003_backfill.py": '''
from alembic import op
from crmcore.api import update_in_batches
revision = "bench_0003"
down_revision = "bench_0002"
def domain(email):
    return email.rsplit("@", 1)[1].strip().lower() if email and "@" in email else None
def upgrade():
    update_in_batches(op.get_bind(), "contact", ["email"],
                      lambda row: {"email_domain": domain(row["email"])})
def downgrade():
    pass
''',
    "bench_0004_rebuild.py": '''
from alembic import op
revision = "bench_0004"
down_revision = "bench_0003"
def upgrade():
    with op.batch_alter_table("contact", recreate="always") as batch:
        batch.create_index("ix_contact_email_domain", ["email_domain"])
def downgrade():
    with op.batch_alter_table("contact") as batch:
        batch.drop_index("ix_contact_email_domain")
''',
}
STEPS = [("adopt", None), ("no-op", None), ("add column", "bench_0002"),
         ("backfill", "bench_0003"), ("rebuild", "bench_0004")]


def _crm(url: str, home: Path):
    from crmcore.app import CRM
    from crmcore.config import Settings
    from crmcore.plugins import PluginHost

    return CRM(Settings(home=home, database_url=url), plugins=PluginHost(only={"contacts"}))


def build(url: str, home: Path, n: int) -> None:
    """A database as 0.1.0 left it: core and contacts tables, ``n`` contacts, no version tables
    (built at head, then taken down to each lineage's first revision, the 0.1.0 schema)."""
    from sqlalchemy import inspect, text

    from crmcore.extensions import store
    from crmcore.initialise import initialise
    from crmcore.migrations.runner import core_lineage, downgrade_lineage, lineage_named
    from crmcore.models import User
    from data import crm_chunks

    crm = _crm(url, home)
    user = initialise(crm, "admin")
    store.install(crm, user, ["contacts"])
    records = crm.plugins.modules["contacts"].spec.records
    for chunk in crm_chunks(n):
        with crm.session() as session:
            records.create_many(session, chunk, session.get(User, user.id))
    # back to the schema 0.1.0 had (each lineage's first revision), keeping the rows
    downgrade_lineage(crm.engine, lineage_named(crm, "contacts"), "contacts_0001")
    downgrade_lineage(crm.engine, core_lineage(), "core_0001")
    with crm.engine.begin() as conn:
        for name in inspect(conn).get_table_names():
            if name.startswith("alembic_version_"):
                conn.execute(text(f'DROP TABLE "{name}"'))
    crm.close()


def step(url: str, home: Path, name: str, target: str | None, folder: Path) -> dict:
    """Run one step in this (fresh) process; returns its time and memory."""
    from crmcore.migrations.lineage import Lineage
    from crmcore.migrations.runner import upgrade_all, upgrade_lineage

    crm = _crm(url, home)
    crm.plugins.modules  # noqa: B018 - load the plugins before measuring
    from crmcore.migrations import runner  # noqa: F401 - and the migration code

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if target is None:
        upgrade_all(crm)
    else:
        upgrade_lineage(crm.engine, Lineage("contacts", folder, frozenset({"contact"})), target)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    crm.close()
    return {"step": name, "seconds": round(seconds, 2), "rss_before_mb": round(before, 1),
            "peak_rss_mb": round(peak, 1)}


def _child(args: list[str]) -> str:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         env=os.environ.copy())
    if out.returncode != 0:
        raise SystemExit(f"step {args[:2]} failed:\n{out.stderr}")
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL (a new schema)")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "URL", "HOME", "ARG"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if "CRM_SECRET_KEY" not in os.environ:
        from cryptography.fernet import Fernet

        os.environ["CRM_SECRET_KEY"] = Fernet.generate_key().decode()
    os.environ["CRM_PLUGINS"] = "contacts"
    if args.child:
        kind, url, home, arg = args.child
        if kind == "build":
            build(url, Path(home), int(arg))
        else:
            name, target, folder = json.loads(arg)
            print(json.dumps(step(url, Path(home), name, target, Path(folder))))
        return

    from crmcore.testing.fixtures import PG_ENV, fresh_database

    where = Path(tempfile.mkdtemp(prefix="crm-migration-bench-"))
    folder = where / "lineage"
    folder.mkdir()
    import crm_contacts

    for source in (Path(crm_contacts.__file__).parent / "migrations").glob("contacts_*.py"):
        shutil.copy(source, folder)
    for filename, body in BENCH_REVISIONS.items():
        (folder / filename).write_text(body.lstrip(), encoding="utf-8")
    if args.postgres:
        os.environ[PG_ENV] = args.postgres
    try:
        with fresh_database(args.postgres or "sqlite", where) as url:
            started = time.perf_counter()
            _child(["--child", "build", url, str(where / "home"), str(args.contacts)])
            backend = "PostgreSQL" if args.postgres else "SQLite"
            print(f"{backend}, {args.contacts:,} contacts (+ {args.contacts:,} change rows): "
                  f"built in {time.perf_counter() - started:.1f} s")
            if not args.postgres:
                size = Path(url[len("sqlite:///"):]).stat().st_size / 2**20
                print(f"database file: {size:.1f} MB")
            print(f"{'step':<12} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9}")
            for name, target in STEPS:
                row = json.loads(_child(["--child", "step", url, str(where / "home"),
                                         json.dumps([name, target, str(folder)])]))
                print(f"{row['step']:<12} {row['seconds']:>8.2f} {row['rss_before_mb']:>8.1f} MB"
                      f" {row['peak_rss_mb']:>6.1f} MB")
    finally:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
