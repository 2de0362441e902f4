"""How fast the Contacts pages answer with 100k contacts: list, deep pages, searches, detail.

Seeds a fresh CRM (SQLite by default; --database-url for PostgreSQL) with realistic contacts,
signs in through the web app's login form, and times each page through Flask's test client
(the whole request: routing, sign-in check, the query, the template). Prints figures; asserts
nothing about speed.

    .venv/bin/python bench/web_contacts_bench.py                 # 100,000 contacts, SQLite
    .venv/bin/python bench/web_contacts_bench.py --size 20000 --database-url postgresql://...
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).parent))
from data import crm_values, person  # noqa: E402

BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="crm-web-bench-"))
    os.environ.update(CRM_HOME=str(home), CRM_SECRET_KEY=Fernet.generate_key().decode(),
                      CRM_PLUGINS="contacts")
    if args.database_url:
        os.environ["CRM_DATABASE_URL"] = args.database_url
    from crmcore import passwords
    from crmcore.app import CRM
    from crmcore.extensions import store
    from crmcore.initialise import initialise
    from crmcore.web import create_app

    crm = CRM()
    admin = initialise(crm, "admin")
    store.install(crm, admin, ["contacts"])
    with crm.session() as session:
        passwords.set_password(session, None, "admin", "bench-password")
    records = crm.plugins.modules["contacts"].spec.records
    rng = random.Random(12)
    started = time.perf_counter()
    for start in range(0, args.size, BATCH):
        with crm.session() as session:
            owner = session.get(type(admin), admin.id)
            records.create_many(session, [crm_values(person(i, rng))
                                          for i in range(start, min(start + BATCH, args.size))], owner)
    print(f"Seeded {args.size:,} contacts in {time.perf_counter() - started:.1f} s "
          f"({crm.engine.dialect.name}).")
    if crm.engine.dialect.name == "postgresql":  # what autovacuum does soon after a bulk load
        with crm.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE contact")

    app = create_app(crm)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"name": "admin", "password": "bench-password",
                                       "csrf_token": token}).status_code == 302
    last_page = (args.size + 49) // 50
    probe = min(4242, args.size - 1)  # a contact that exists at any --size
    pages = {
        "list, page 1": "/contacts",
        "list, page 2": "/contacts?page=2",
        f"list, last page ({last_page:,})": f"/contacts?page={last_page}",
        "search one common word (turing)": "/contacts?q=turing",
        "search two words (ada boston)": "/contacts?q=ada+boston",
        f"search a rare email (.{probe}@)": f"/contacts?q=.{probe}%40",
        "search with no match": "/contacts?q=nobody-at-all",
        "one contact": f"/contacts/{probe}",
    }
    print(f"{'page':40} {'median ms':>10} {'max ms':>8}  contacts found")
    for label, path in pages.items():
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        found = re.search(r"<p>((?:More than )?[\d,]+) contacts?", response.text)
        print(f"{label:40} {statistics.median(times):10.1f} {max(times):8.1f}  "
              f"{found.group(1) if found else '-'}")
    crm.close()


if __name__ == "__main__":
    main()
