"""The protocol layer against real Radicale and Xandikos servers over loopback HTTP."""
from __future__ import annotations

import uuid

import pytest
import requests

from crm_carddav.dav import CardDav, DavError, Stale, SyncTokenInvalid
from servers import requests_sender
from crm_carddav.vcard import new_card, read_card, write_card


def card(given: str, family: str, email: str) -> str:
    return write_card(new_card(), {"given_name": given, "family_name": family, "work_email": email})




def test_discovery_from_the_server_root_and_from_the_book(server, book):
    http = requests.Session()
    send = requests_sender(http, server.auth)
    found = CardDav(send, server.root).discover()
    assert found.rstrip("/").startswith(server.root + server.home.rstrip("/"))
    assert CardDav(send, found).etags() is not None
    assert CardDav(send, book).discover() == book  # an address-book URL taken directly


def test_discovery_with_wrong_credentials_says_so(server):
    if server.kind == "xandikos":
        pytest.skip("Xandikos has no authentication of its own")
    send = requests_sender(requests.Session(), ("alice", "wrong"))
    with pytest.raises(DavError) as caught:
        CardDav(send, server.root).discover()
    assert caught.value.status == 401


def test_initial_then_incremental_sync_with_deletes(dav):
    first = dav.sync(None)
    assert first.changed == {} and first.removed == []
    a = f"{dav.url}a.vcf"
    b = f"{dav.url}b.vcf"
    dav.put(a, card("Ada", "Lovelace", "ada@example.com"))
    etag_b = dav.put(b, card("Grace", "Hopper", "grace@example.com"))
    second = dav.sync(first.token)
    assert {h.rsplit("/", 1)[1] for h in second.changed} == {"a.vcf", "b.vcf"}
    assert all(second.changed.values())
    etag_b = etag_b or dav.etags()[next(h for h in second.changed if h.endswith("b.vcf"))]
    dav.delete(b, etag_b)
    third = dav.sync(second.token)
    assert third.changed == {} and [h.rsplit("/", 1)[1] for h in third.removed] == ["b.vcf"]
    assert dav.sync(third.token).changed == {}


def test_an_invalid_sync_token_is_detected(dav):
    token = dav.sync(None).token
    with pytest.raises(SyncTokenInvalid):
        dav.sync(token + "-no-such-token")


def test_multiget_in_batches_returns_cards_and_etags(dav):
    for i in range(7):
        dav.put(f"{dav.url}c{i}.vcf", card(f"P{i}", "Batch", f"p{i}@example.com"))
    listed = dav.etags()
    before = dav.requests
    got = {h: (e, data) for h, e, data in dav.multiget(sorted(listed), batch=3)}
    assert dav.requests - before == 3  # 7 cards in batches of 3
    assert set(got) == set(listed)
    for href, (etag, data) in got.items():
        assert etag == listed[href]
        assert read_card(data).values["family_name"] == "Batch"


def test_writes_are_conditional(dav):
    href = f"{dav.url}x.vcf"
    stored = card("Ada", "Lovelace", "ada@example.com")
    dav.put(href, stored)
    with pytest.raises(Stale):  # If-None-Match: * on a card that exists
        dav.put(href, card("Ada", "Twice", "ada@example.com"))
    [(path, etag)] = dav.etags().items()
    new = dav.put(href, write_card(stored, {"family_name": "King"}), etag) or dav.etags()[path]
    assert new != etag
    with pytest.raises(Stale):  # If-Match with the old ETag: someone else changed it
        dav.put(href, write_card(stored, {"family_name": "Byron"}), etag)
    with pytest.raises(Stale):
        dav.delete(href, etag)
    dav.delete(href, new)
    assert dav.etags() == {}
    dav.delete(href, None)  # already gone: done
