"""One run of the CardDAV connector over the core's authenticated API client.

Cursor: ``sync:<token>`` (RFC 6578 sync token) or, for a server without ``sync-collection``,
``etags:<compressed path -> ETag map>`` compared with a fresh PROPFIND. Remote id: the card's
path; version: its ETag; ``updated_at``: when the change was read (a card's ``REV`` is optional
and many clients leave it stale, so it would hide edits from "sync records from").
"""
from __future__ import annotations

import base64
import json
import uuid
import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from crmcore.api import (STALE, ConnectorSession, CredentialsRejected, CrmError, CursorInvalid,
                         RemotePage, RemoteRecord, RemoteWrite, WriteOutcome)

from crm_carddav import vcard
from crm_carddav.dav import CardDav, DavError, Stale, SyncTokenInvalid, SyncUnsupported, path_of

if TYPE_CHECKING:
    from crmcore.api import ApiClient

EXPECT = (207, 301, 302, 303, 307, 308, 400, 403, 404, 405, 409, 410, 412, 413, 415, 422, 501, 507)
PAGE = 100  # cards per page of changes (one addressbook-multiget each)


class CardDavSession(ConnectorSession):
    """The address book at (or discovered from) ``url``, through ``api`` (HTTP Basic)."""

    def __init__(self, api: "ApiClient", url: str) -> None:
        def send(method, target, headers, body):
            return api.request(method, target, data=body, headers=headers, raw=True, expect=EXPECT)

        self.dav = CardDav(send, url)
        self._book: str | None = None
        self._cards: dict[str, tuple[str | None, bytes]] = {}  # path -> (ETag, card) last read

    @property
    def book(self) -> CardDav:
        """The client pointed at the address book, discovered on first use."""
        if self._book is None:
            try:
                self._book = self.dav.discover()
            except DavError as exc:
                if exc.status in (401, 403):
                    raise CredentialsRejected(
                        f"The CardDAV server refused the username and password ({exc.status}).",
                        "Run 'crm sync configure carddav --url URL --username NAME' again.") from None
                raise CrmError(f"No CardDAV address book found at {self.dav.url} ({exc}).",
                               "Give the address book's URL, or the server's, with "
                               "'crm sync configure carddav --url URL --username NAME'.") from None
            self.dav.url = self._book
        return self.dav

    def test_connection(self) -> None:
        """Discover the address book (PROPFINDs with the credentials): raises
        ``CredentialsRejected`` on 401/403, ``CrmError`` when no address book answers."""
        self._book = None
        self.book  # noqa: B018 (discovery is the check)

    def account_id(self) -> str | None:
        return self.book.url

    # -- reading ------------------------------------------------------------------------------
    def read_changes(self, cursor: str | None, fields: Sequence[str]) -> Iterator[RemotePage]:
        """Cards changed since ``cursor`` in pages of :data:`PAGE`; removed cards as tombstones.
        Raises ``CursorInvalid`` when the server refuses the sync token (RFC 6578 3.2)."""
        kind, _, value = (cursor or "").partition(":")
        if cursor and kind not in ("sync", "etags"):
            raise CursorInvalid(f"not a CardDAV cursor ({kind!r})")
        if kind != "etags":
            try:
                result = self.book.sync(value or None)
                yield from self._pages(result.changed, result.removed, f"sync:{result.token}")
                return
            except SyncTokenInvalid as exc:
                raise CursorInvalid(f"the server refused the sync token ({exc.status})") from None
            except SyncUnsupported:
                pass  # compare ETags instead
        seen = _unpack(value) if kind == "etags" else {}
        now = self.book.etags()
        changed = {h: e for h, e in now.items() if seen.get(h) != e}
        yield from self._pages(changed, [h for h in seen if h not in now], "etags:" + _pack(now))

    def _pages(self, changed: dict[str, str | None], removed: list[str], cursor: str) -> Iterator[RemotePage]:
        now = datetime.now(timezone.utc)
        tombstones = [RemoteRecord(h, {}, now, deleted=True) for h in removed]
        hrefs = sorted(changed)
        for start in range(0, len(hrefs), PAGE) or [0]:  # one page, maybe only tombstones, at least
            last = start + PAGE >= len(hrefs)
            records = list(self.read_many(hrefs[start:start + PAGE]).values())
            yield RemotePage(records + (tombstones if last else []), cursor=cursor if last else None)

    def read_many(self, remote_ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """Cards by path (one ``addressbook-multiget`` per 100); cards gone or unreadable are left out."""
        out: dict[str, RemoteRecord] = {}
        now = datetime.now(timezone.utc)
        for href, etag, data in self.book.multiget(remote_ids):
            if data is None:
                continue
            try:
                card = vcard.read_card(data)
            except vcard.CardError:
                continue
            out[href] = RemoteRecord(href, card.values, now, version=etag)
            self._cards[href] = (etag, data)
        return out

    # -- writing ------------------------------------------------------------------------------
    def write(self, writes: Sequence[RemoteWrite]) -> list[WriteOutcome]:
        """Creates with ``If-None-Match: *`` as ``<uuid>.vcf``; updates change the stored card
        (read in one multiget) with ``If-Match``: a 412 is a stale outcome."""
        book = self.book
        self.read_many([w.remote_id for w in writes if w.remote_id and w.remote_id not in self._cards])
        outcomes = []
        for w in writes:
            if w.remote_id and w.remote_id not in self._cards:
                gone = "the card is no longer in the address book"
                outcomes.append(WriteOutcome(w.key, w.remote_id, error=gone))
                continue
            if w.remote_id:
                href, (etag, stored) = w.remote_id, self._cards[w.remote_id]
                if w.version and etag != w.version:
                    outcomes.append(WriteOutcome(w.key, href, stale=True))
                    continue
            else:
                uid = str(uuid.uuid4())
                href, etag, stored = path_of(f"{uid}.vcf", book.url), None, vcard.new_card(uid=uid).encode()
            text = vcard.write_card(stored, w.values)
            try:
                new_etag = book.put(href, text, etag)
            except DavError as exc:  # Stale: 412, the card changed since it was read
                stale = isinstance(exc, Stale)
                outcomes.append(WriteOutcome(w.key, w.remote_id or None, error=None if stale else str(exc),
                                             stale=stale))
                continue
            self._cards.pop(href, None)
            outcomes.append(WriteOutcome(w.key, href, RemoteRecord(
                href, vcard.read_card(text).values, datetime.now(timezone.utc), version=new_etag)))
        # servers that give no ETag on PUT (RFC 6352 6.3.2.3): read those cards back
        fresh = self.read_many([o.remote_id for o in outcomes if o.record and o.record.version is None])
        for o in outcomes:
            if o.record and o.record.version is None and o.remote_id in fresh:
                o.record = fresh[o.remote_id]
        return outcomes

    def delete(self, remote_ids: Sequence[str],
               versions: dict[str, str] | None = None) -> dict[str, str | None]:
        """DELETE each card with ``If-Match`` its known ETag; 412 -> ``STALE``, 404 -> done."""
        out: dict[str, str | None] = {}
        for href in remote_ids:
            try:
                self.book.delete(href, (versions or {}).get(href))
                out[href] = None
            except Stale:
                out[href] = STALE
            except DavError as exc:
                out[href] = str(exc)
        return out


def _pack(etags: dict[str, str | None]) -> str:
    return base64.urlsafe_b64encode(zlib.compress(json.dumps(etags, sort_keys=True).encode(), 9)).decode()


def _unpack(text: str) -> dict[str, str | None]:
    try:
        return json.loads(zlib.decompress(base64.urlsafe_b64decode(text.encode())))
    except (ValueError, zlib.error):
        raise CursorInvalid("an ETag cursor that cannot be read") from None
