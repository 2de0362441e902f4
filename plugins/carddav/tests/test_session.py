"""The connector session over the core's API client (HTTP Basic) against Radicale and Xandikos."""
from __future__ import annotations

import base64

import pytest

from crmcore.api import STALE, ApiClient, CredentialsRejected, CursorInvalid, RemoteWrite

from crm_carddav.connector import CardDavConnector
from crm_carddav.dav import CardDav, SyncUnsupported
from crm_carddav.session import CardDavSession
from crm_carddav.vcard import new_card, read_card, unfold, write_card

PHOTO = "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/"


class Basic:
    """HTTP Basic credentials for the client, as the core's credentials source places them."""

    def __init__(self, user: str, password: str) -> None:
        self.token = base64.b64encode(f"{user}:{password}".encode()).decode()

    def access_token(self) -> str:
        return self.token

    def apply(self, secret: str, headers: dict, params: dict) -> None:
        headers["Authorization"] = f"Basic {secret}"

    def refresh_after_unauthorized(self, used: str) -> str:
        raise CredentialsRejected("The server refused the credentials (401).", "Configure again.")


def open_session(url: str, auth: tuple[str, str]) -> CardDavSession:
    connector = CardDavConnector()
    api = ApiClient(url, Basic(*auth), rate_per_second=None, max_retries=0,
                    parse_error=connector.parse_error)
    return connector.open(api, {"url": url})


@pytest.fixture
def session(server, book) -> CardDavSession:
    return open_session(book, server.auth)


def seed(dav: CardDav, name: str, email: str, extra: str = "") -> str:
    text = write_card(new_card(), {"given_name": name, "family_name": "Seed", "work_email": email})
    text = text.replace("END:VCARD", extra + "END:VCARD") if extra else text
    dav.put(f"{dav.url}{name}.vcf", text)
    return name


def records(pages) -> tuple[list, str | None]:
    out, cursor = [], None
    for page in pages:
        out += page.records
        cursor = page.cursor or cursor
    return out, cursor


def test_discovery_and_test_connection_through_the_api_client(server, book):
    open_session(server.root + "/", server.auth).test_connection()
    assert open_session(server.root + "/", server.auth).account_id().startswith(server.root + server.home)
    if server.kind == "radicale":  # Xandikos has no authentication of its own
        with pytest.raises(CredentialsRejected):
            open_session(server.root + "/", ("alice", "wrong")).test_connection()


def test_reads_with_the_sync_token_as_cursor_and_deletes_as_tombstones(session, dav):
    for i in range(3):
        seed(dav, f"p{i}", f"p{i}@example.com")
    first, cursor = records(session.read_changes(None, ()))
    assert cursor.startswith("sync:")
    assert sorted(r.values["work_email"] for r in first) == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert all(r.version and not r.deleted for r in first)
    assert records(session.read_changes(cursor, ()))[0] == []
    p1 = next(r for r in first if r.values["given_name"] == "p1")
    stored = next(d for h, e, d in dav.multiget([p1.remote_id]))
    dav.put(p1.remote_id, write_card(stored, {"title": "CTO"}), p1.version)
    p2 = next(r for r in first if r.values["given_name"] == "p2")
    dav.delete(p2.remote_id, p2.version)
    second, cursor2 = records(session.read_changes(cursor, ()))
    assert {(r.remote_id, r.deleted) for r in second} == {(p1.remote_id, False), (p2.remote_id, True)}
    assert next(r for r in second if not r.deleted).values["title"] == "CTO"
    assert cursor2 != cursor


def test_an_unknown_sync_token_raises_cursor_invalid(session, dav):
    _, cursor = records(session.read_changes(None, ()))
    with pytest.raises(CursorInvalid):
        list(session.read_changes(cursor + "0", ()))
    with pytest.raises(CursorInvalid):
        list(session.read_changes("since:2024-01-01", ()))


def test_without_sync_collection_etags_are_compared(session, dav, monkeypatch):
    def no_report(self, token):
        raise SyncUnsupported("no sync-collection report (403)", 403)
    monkeypatch.setattr(CardDav, "sync", no_report)  # neither server lets us switch it off
    seed(dav, "a", "a@example.com")
    seed(dav, "b", "b@example.com")
    first, cursor = records(session.read_changes(None, ()))
    assert len(first) == 2 and cursor.startswith("etags:")
    a = next(r for r in first if r.values["given_name"] == "a")
    b = next(r for r in first if r.values["given_name"] == "b")
    dav.delete(b.remote_id, b.version)
    seed(dav, "c", "c@example.com")
    second, _ = records(session.read_changes(cursor, ()))
    assert {(r.values.get("given_name"), r.deleted) for r in second} == {("c", False), (None, True)}
    assert a.remote_id not in {r.remote_id for r in second}


def test_writes_keep_the_card_and_a_changed_card_is_stale(session, dav):
    seed(dav, "photo", "ph@example.com", extra=PHOTO + "\r\nURL:https://example.org/me\r\n")
    [rec], _ = records(session.read_changes(None, ()))
    [created, updated] = sorted(session.write([
        RemoteWrite(key=1, values={"given_name": "New", "family_name": "Person", "work_email": "n@example.com"}),
        RemoteWrite(key=2, values={**rec.values, "title": "Engineer"}, remote_id=rec.remote_id,
                    version=rec.version)]), key=lambda o: o.key)
    assert created.ok and created.remote_id.endswith(".vcf") and created.record.version
    assert updated.ok and updated.record.version and updated.record.version != rec.version
    cards = {h: d for h, e, d in dav.multiget([created.remote_id, rec.remote_id])}
    lines = unfold(cards[rec.remote_id])
    assert PHOTO in lines and "URL:https://example.org/me" in lines and "TITLE:Engineer" in lines
    assert read_card(cards[created.remote_id]).values["full_name"] == "New Person"
    # someone edits the card in their address book after the engine read it
    dav.put(rec.remote_id, write_card(cards[rec.remote_id], {"title": "Boss"}), updated.record.version)
    [stale] = session.write([RemoteWrite(key=2, values={"title": "Intern"}, remote_id=rec.remote_id,
                                         version=updated.record.version)])
    assert stale.stale and not stale.ok
    assert read_card(next(d for h, e, d in dav.multiget([rec.remote_id]))).values["title"] == "Boss"
    assert session.delete([rec.remote_id], {rec.remote_id: updated.record.version}) == {rec.remote_id: STALE}
    current = dav.etags()[rec.remote_id]
    assert session.delete([rec.remote_id, created.remote_id], {rec.remote_id: current}) == {
        rec.remote_id: None, created.remote_id: None}
    assert dav.etags() == {}
    assert session.delete([rec.remote_id]) == {rec.remote_id: None}  # already gone
