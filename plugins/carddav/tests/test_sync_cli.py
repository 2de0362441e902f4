"""End to end: the commands a user types, a CRM database and a real CardDAV server."""
from __future__ import annotations

import json

import pytest
import requests

from crmcore.api import set_http_options

from crm_carddav.vcard import new_card, read_card, unfold, write_card

PHOTO = "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/"


def connect(env, server, url: str) -> None:
    out = env.invoke(["sync", "configure", "carddav", "--url", url, "--username", server.auth[0]],
                     input=server.auth[1] + "\n")
    assert out.exit_code == 0, out.output
    assert "password" not in out.output.lower() or server.auth[1] not in out.output
    out = env.invoke(["sync", "test", "carddav"])
    assert out.exit_code == 0 and "ready" in out.output, out.output
    crm = env.crm()
    try:
        from crmcore.auth.models import Connection
        from sqlmodel import select
        with crm.session() as s:
            connection_id = s.exec(select(Connection.id).where(Connection.connector == "carddav")).one()
        set_http_options(crm, connection_id, rate_per_second=None, max_retries=0)
    finally:
        crm.close()


def sync(env) -> dict:
    out = env.invoke(["sync", "now", "carddav", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert summary["outcome"] == "success", summary
    return summary


def contacts(env) -> list[dict]:
    out = env.invoke(["contacts", "list", "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


@pytest.fixture
def env(make_crm_env):
    env = make_crm_env("contacts", "carddav")
    out = env.invoke(["extensions", "install", "carddav", "-y"])
    assert out.exit_code == 0, out.output
    return env


def test_two_way_sync_keeps_cards_whole_and_deletes_both_ways(env, server, book, dav):
    grace = write_card(new_card("4.0"), {"given_name": "Grace", "family_name": "Hopper",
                                         "work_email": "grace@navy.example", "birthday": "--12-09"})
    dav.put(f"{book}grace.vcf", grace.replace("END:VCARD", PHOTO + "\r\nEND:VCARD"))
    assert env.invoke(["contacts", "add", "--first-name", "Ada", "--last-name", "Lovelace",
                       "--email", "ada@example.com", "--title", "Analyst"]).exit_code == 0
    connect(env, server, book)
    sync(env)
    people = {c["email"]: c for c in contacts(env)}
    assert set(people) == {"ada@example.com", "grace@navy.example"}
    cards = {read_card(d).values["work_email"]: (h, d) for h, e, d in dav.multiget(dav.etags())}
    assert set(cards) == {"ada@example.com", "grace@navy.example"}
    assert read_card(cards["ada@example.com"][1]).values["title"] == "Analyst"
    assert sync(env)["requests"] <= 3  # nothing changed: discovery and one sync-collection

    # both sides change; the card keeps its photo and the yearless birthday
    grace_id = people["grace@navy.example"]["id"]
    assert env.invoke(["contacts", "update", str(grace_id), "--title", "Rear Admiral"]).exit_code == 0
    ada_href, ada_card = cards["ada@example.com"]
    dav.put(ada_href, write_card(ada_card, {"organization": "Analytical Engines"}), dav.etags()[ada_href])
    sync(env)
    grace_now = next(d for h, e, d in dav.multiget([cards["grace@navy.example"][0]]))
    assert PHOTO in unfold(grace_now)
    assert read_card(grace_now).values["title"] == "Rear Admiral"
    assert read_card(grace_now).values["birthday"] == "--12-09"
    assert {c["email"]: c for c in contacts(env)}["ada@example.com"]["organization"] == "Analytical Engines"

    # deleted in the address book -> recycle bin; deleted in the CRM -> card gone
    dav.delete(ada_href, None)
    assert env.invoke(["contacts", "delete", str(grace_id)]).exit_code == 0
    sync(env)
    assert contacts(env) == []
    assert dav.etags() == {}


def test_a_forgotten_sync_token_reads_everything_again_without_duplicates(env, server, book, dav):
    for i in range(3):
        dav.put(f"{book}p{i}.vcf", write_card(new_card(), {"given_name": f"P{i}", "family_name": "Token",
                                                          "work_email": f"p{i}@example.com"}))
    connect(env, server, book)
    sync(env)
    assert len(contacts(env)) == 3
    # the server is restored from a backup: the same cards, a new collection, unknown tokens
    saved = {h: d for h, e, d in dav.multiget(dav.etags())}
    assert requests.request("DELETE", book, auth=server.auth, timeout=30).status_code in (200, 204)
    assert requests.request("MKCOL", book, auth=server.auth, timeout=30, data=(
        '<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:set>'
        '<d:prop><d:resourcetype><d:collection/><c:addressbook/></d:resourcetype></d:prop></d:set>'
        '</d:mkcol>'), headers={"Content-Type": "application/xml"}).status_code == 201
    for href, data in list(saved.items())[:2]:  # one card did not survive the restore
        dav.put(href, data.decode())
    summary = sync(env)
    people = contacts(env)
    assert len(people) == 3  # nothing created twice, nothing deleted for being absent
    assert sorted(c["email"] for c in people) == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert summary["counts"].get("crm", {}).get("created", 0) == 0


@pytest.mark.slow
def test_the_real_command_reads_the_password_from_stdin_and_says_when_it_is_wrong(env, server, book):
    if server.kind == "xandikos":
        pytest.skip("Xandikos has no authentication of its own")
    user, password = server.auth
    done = env.run(["sync", "configure", "carddav", "--url", book, "--username", user], input="wrong\n")
    assert done.returncode == 0, done.stderr
    done = env.run(["sync", "test", "carddav"])
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "crm sync configure carddav" in done.stdout + done.stderr
    assert "needs new credentials" in env.run(["sync", "connectors"]).stdout
    done = env.run(["sync", "configure", "carddav", "--password", "-"], input=password + "\n")  # a new one
    assert done.returncode == 0 and password not in done.stdout + done.stderr
    done = env.run(["sync", "test", "carddav"])
    assert done.returncode == 0 and "ready" in done.stdout, done.stdout + done.stderr
