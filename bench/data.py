"""Realistic contacts for the benchmark: names, emails, phones, addresses, overlaps, opt-outs."""
from __future__ import annotations

import random
from datetime import date

FIRST = ["Ada", "Alan", "Grace", "Katherine", "Margaret", "Edsger", "Barbara", "Donald", "Frances",
         "John", "Radia", "Tim", "Hedy", "Dennis", "Ken", "Annie", "Claude", "Mary", "Jean", "Sophie"]
LAST = ["Lovelace", "Turing", "Hopper", "Johnson", "Hamilton", "Dijkstra", "Liskov", "Knuth",
        "Allen", "Backus", "Perlman", "Berners-Lee", "Lamarr", "Ritchie", "Thompson", "Easley",
        "Shannon", "Jackson", "Sammet", "Wilson"]
CITIES = [("Manchester", "UK"), ("Boston", "US"), ("Lyon", "FR"), ("Porto", "PT"), ("Austin", "US")]
DOMAINS = ["example.com", "example.org", "example.net"]


def person(i: int, rng: random.Random) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, country = rng.choice(CITIES)
    return {"first": first, "last": last, "email": f"{first}.{last}.{i}@{rng.choice(DOMAINS)}".lower(),
            "phone": f"+1 555 {rng.randrange(1000, 9999)}", "street": f"{rng.randrange(1, 999)} Main St",
            "city": city, "country": country, "title": rng.choice(["CTO", "Engineer", "Buyer", None]),
            "birthday": date(1950 + i % 50, 1 + i % 12, 1 + i % 28) if i % 3 == 0 else None}


def crm_values(p: dict) -> dict:
    return {"first_name": p["first"], "last_name": p["last"], "email": p["email"],
            "mobile_phone": p["phone"], "mailing_street": p["street"], "mailing_city": p["city"],
            "mailing_country": p["country"], "title": p["title"], "birthday": p["birthday"]}


def remote_contact(p: dict, unsubscribed: bool) -> dict:
    body = {"email_address": {"address": p["email"],
                              "permission_to_send": "unsubscribed" if unsubscribed else "implicit"},
            "first_name": p["first"], "last_name": p["last"],
            "phone_numbers": [{"phone_number": p["phone"], "kind": "home"}],
            "street_addresses": [{"kind": "home", "street": p["street"], "city": p["city"],
                                  "country": p["country"]}]}
    if p["title"]:
        body["job_title"] = p["title"]
    return body


def _person(i: int) -> dict:
    return person(i, random.Random(i))


def crm_chunks(n_crm: int, size: int = 5000):
    """CRM values in chunks, generated as they are used (memory stays flat)."""
    for start in range(0, n_crm, size):
        yield [crm_values(_person(i)) for i in range(start, min(n_crm, start + size))]


def remote_chunks(n_crm: int, n_remote: int, overlap: float = 0.1, unsubscribed: float = 0.02,
                  size: int = 5000):
    """Remote V3 contacts in chunks; ``overlap`` of them share a CRM contact's email."""
    shared = int(min(n_crm, n_remote) * overlap)
    for start in range(0, n_remote, size):
        chunk = []
        for j in range(start, min(n_remote, start + size)):
            i = j if j < shared else n_crm + j
            chunk.append(remote_contact(_person(i), random.Random(-j).random() < unsubscribed))
        yield chunk


def populations(n_crm: int, n_remote: int, overlap: float = 0.1, unsubscribed: float = 0.02
                ) -> tuple[list[dict], list[dict]]:
    """Both sides whole (small sizes): CRM values and remote V3 contacts."""
    return ([v for chunk in crm_chunks(n_crm) for v in chunk],
            [c for chunk in remote_chunks(n_crm, n_remote, overlap, unsubscribed) for c in chunk])
