"""Measure the sandbox where benchmarks lean on it (a script, not a test).

    python plugins/constant_contact/tests/sandbox/perf_check.py

(a) list 100,000 seeded contacts over HTTP in pages of 500, following ``_links.next``;
(b) import 40,000 contacts in one ``contacts_json_import`` activity and poll it to completion.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crm_constant_contact.sandbox import Sandbox  # noqa: E402


def main() -> None:
    with Sandbox(rate_limit_per_second=None, daily_limit=None, activity_steps=2) as sb:
        list_id = sb.create_list("Benchmark")
        started = time.perf_counter()
        sb.seed_contacts({"email_address": {"address": f"seed{i}@example.com"}, "first_name": f"Seed{i}",
                          "last_name": "Contact", "list_memberships": [list_id]} for i in range(100_000))
        print(f"seed 100,000 contacts (no HTTP):              {time.perf_counter() - started:6.2f} s")

        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + sb.issue_token()["access_token"]
        started, seen, pages = time.perf_counter(), 0, 0
        url = sb.api_url + "/contacts?limit=500&include=list_memberships"
        while url:
            body = session.get(url, timeout=30).json()
            seen += len(body["contacts"])
            pages += 1
            nxt = body.get("_links", {}).get("next")
            url = sb.base_url + nxt["href"] if nxt else None
        assert seen == 100_000, seen
        print(f"(a) list 100,000 contacts in {pages} pages of 500: {time.perf_counter() - started:6.2f} s")

        # a body under the 4 MB limit, as a real import must be
        rows = [{"email": f"import{i}@example.com", "first_name": "Imported", "home_phone": "555-0100"}
                for i in range(40_000)]
        started = time.perf_counter()
        created = session.post(sb.api_url + "/activities/contacts_json_import",
                               json={"import_data": rows, "list_ids": [list_id]}, timeout=120).json()
        assert "activity_id" in created, created
        state = created["state"]
        while state != "completed":
            status = session.get(sb.api_url + f"/activities/{created['activity_id']}", timeout=30).json()
            state = status["state"]
        assert status["status"]["person_count"] == 40_000, status["status"]
        print(f"(b) import 40,000 contacts to completion:      {time.perf_counter() - started:6.2f} s")

        started = time.perf_counter()
        count = session.get(sb.api_url + "/contacts", params={"limit": 1, "include_count": "true"}, timeout=30)
        print(f"    count 140,000 contacts (include_count):    {time.perf_counter() - started:6.2f} s "
              f"-> {count.json()['contacts_count']}")


if __name__ == "__main__":
    main()
