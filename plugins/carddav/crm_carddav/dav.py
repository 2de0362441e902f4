"""The WebDAV/CardDAV requests the connector makes, over any ``send`` function.

``send(method, url, headers, body) -> response`` is the only transport this module needs (a
response has ``status: int``, ``headers`` (a case-insensitive mapping) and ``body: bytes``), so the
same code runs over ``requests`` in tests and over the core's authenticated API client in a sync.

Protocol facts: discovery by ``/.well-known/carddav`` (RFC 6764 section 6), ``current-user-principal``
(RFC 5397), ``addressbook-home-set`` (RFC 6352 section 7.1.1); ``sync-collection`` (RFC 6578),
``addressbook-multiget`` (RFC 6352 section 8.7); conditional writes with ``If-Match`` /
``If-None-Match: *`` (RFC 7232, RFC 4918 section 9.7).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape as xml_escape

from crmcore.api import CrmError

DAV, CARD = "DAV:", "urn:ietf:params:xml:ns:carddav"
MULTIGET_BATCH = 100  # hrefs per addressbook-multiget; Radicale and Xandikos take far more
_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'


Send = Callable[[str, str, dict[str, str], bytes | None], Any]  # -> .status, .headers, .body


class DavError(CrmError):
    """The server answered something the protocol does not allow here (``status``: its HTTP status)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(f"The CardDAV server: {message}.", "Check the connection with 'crm sync test "
                         "carddav', then run the sync again (it resumes where it stopped).")
        self.status = status


class SyncTokenInvalid(DavError):
    """The server no longer knows the sync token (RFC 6578 3.2: 403 with ``DAV:valid-sync-token``;
    some servers answer 412 or 400): the client must read everything again."""


class SyncUnsupported(DavError):
    """The collection does not offer the ``sync-collection`` report: compare ETags instead."""


class Stale(DavError):
    """412 Precondition Failed on ``If-Match`` / ``If-None-Match``: the card changed (or exists)."""


@dataclass
class Entry:
    """One ``DAV:response`` of a multistatus: its path, status and the properties found (200)."""

    href: str
    status: int
    props: dict[str, ET.Element] = field(default_factory=dict)  # "{ns}name" -> element

    def text(self, name: str) -> str | None:
        return None if self.props.get(name) is None else (self.props[name].text or "")

    def href_in(self, name: str) -> str | None:
        found = self.props[name].findtext(f"{{{DAV}}}href") if name in self.props else None
        return found.strip() if found else None

    @property
    def is_book(self) -> bool:
        rtype = self.props.get(f"{{{DAV}}}resourcetype")
        return rtype is not None and rtype.find(f"{{{CARD}}}addressbook") is not None


@dataclass
class SyncResult:
    """What ``sync-collection`` reported: changed cards (path -> ETag), removed paths, new token."""

    changed: dict[str, str | None]
    removed: list[str]
    token: str


def _status(text: str | None) -> int:
    parts = (text or "").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def path_of(href: str, base: str) -> str:
    """The absolute path of ``href`` (still percent-encoded) relative to ``base`` (hrefs may be
    full URLs): the card's remote id."""
    return urlsplit(urljoin(base, href)).path


def parse_multistatus(body: bytes, base: str) -> tuple[list[Entry], str | None]:
    """The entries of a ``DAV:multistatus`` (RFC 4918 13) and its ``sync-token`` if any."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise DavError(f"the server's multistatus is not XML: {exc}") from None
    if root.tag != f"{{{DAV}}}multistatus":
        raise DavError(f"expected a DAV multistatus, got {root.tag}")
    entries = []
    for resp in root.findall(f"{{{DAV}}}response"):
        href = resp.findtext(f"{{{DAV}}}href") or ""
        entry = Entry(path_of(href.strip(), base), _status(resp.findtext(f"{{{DAV}}}status")))
        for propstat in resp.findall(f"{{{DAV}}}propstat"):
            code = _status(propstat.findtext(f"{{{DAV}}}status"))
            entry.status = entry.status or code
            found = propstat.find(f"{{{DAV}}}prop")
            if code == 200 and found is not None:
                for prop in found:
                    entry.props[prop.tag] = prop
        entries.append(entry)
    return entries, root.findtext(f"{{{DAV}}}sync-token")


def _propfind(props: Iterable[str]) -> bytes:
    inner = "".join(f"<{p}/>" for p in props)
    return (f'{_HEAD}<d:propfind xmlns:d="DAV:" xmlns:c="{CARD}"><d:prop>{inner}</d:prop></d:propfind>'
            ).encode()


class CardDav:
    """CardDAV requests against one server; ``url`` is the address book once discovered."""

    def __init__(self, send: Send, url: str) -> None:
        self.send = send
        self.url = url if url.endswith("/") else url + "/"
        self.requests = 0

    def _req(self, method: str, url: str, body: bytes | str | None = None,
             **headers: str) -> Any:
        hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
        if body is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = 'application/xml; charset="utf-8"'
        self.requests += 1
        return self.send(method, urljoin(self.url, url), hdrs,
                         body.encode() if isinstance(body, str) else body)

    def _multistatus(self, method: str, url: str, body: bytes, depth: str) -> list[Entry]:
        resp = self._req(method, url, body, Depth=depth)
        if resp.status != 207:
            raise DavError(f"{method} {url} answered {resp.status}", resp.status)
        return parse_multistatus(resp.body, urljoin(self.url, url))[0]

    # -- discovery ----------------------------------------------------------------------------
    def discover(self) -> str:
        """The address book URL from ``self.url``: itself when it is an address book, else by
        ``/.well-known/carddav`` (RFC 6764), ``current-user-principal`` (RFC 5397) and the first
        address book in ``addressbook-home-set`` (RFC 6352 7.1.1). Raises :class:`DavError`."""
        props = ["d:resourcetype", "d:current-user-principal", "c:addressbook-home-set"]
        start = self.url
        candidates = [start, urljoin(start, "/.well-known/carddav"), urljoin(start, "/")]
        seen: set[str] = set()
        while candidates:
            url = candidates.pop(0)
            if url in seen:
                continue
            seen.add(url)
            resp = self._req("PROPFIND", url, _propfind(props), Depth="0")
            if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
                candidates.insert(0, urljoin(url, resp.headers["Location"]))
                continue
            if resp.status in (401, 403):
                raise DavError(f"the server refused the credentials ({resp.status})", resp.status)
            if resp.status != 207:
                continue
            entries, _ = parse_multistatus(resp.body, url)
            if not entries:
                continue
            entry = entries[0]
            if entry.is_book:
                return urljoin(url, entry.href)
            home = entry.href_in(f"{{{CARD}}}addressbook-home-set")
            if home:  # the first address book of the home set, by path
                found = self._multistatus("PROPFIND", urljoin(url, home), _propfind(["d:resourcetype"]), "1")
                books = sorted(e.href for e in found if e.is_book)
                if books:
                    return urljoin(url, books[0])
            principal = entry.href_in(f"{{{DAV}}}current-user-principal")
            if principal:
                candidates.insert(0, urljoin(url, principal))
        raise DavError(f"no CardDAV address book found from {start}")

    # -- reading ------------------------------------------------------------------------------
    def sync(self, token: str | None) -> SyncResult:
        """``sync-collection`` at depth 1 from ``token`` (None: the initial sync, RFC 6578 3.3),
        following truncated results (507 on the collection itself). Raises
        :class:`SyncTokenInvalid` for a token the server refuses, :class:`SyncUnsupported` when
        the collection has no such report."""
        changed: dict[str, str | None] = {}
        removed: list[str] = []
        own = path_of(self.url, self.url)
        while True:
            body = (f'{_HEAD}<d:sync-collection xmlns:d="DAV:"><d:sync-token>'
                    f'{xml_escape(token or "")}</d:sync-token><d:sync-level>1</d:sync-level>'
                    "<d:prop><d:getetag/></d:prop></d:sync-collection>")
            resp = self._req("REPORT", self.url, body)
            if resp.status != 207:
                text = resp.body.decode("utf-8", "replace")
                if token and (resp.status in (400, 403, 409, 410, 412) or "valid-sync-token" in text):
                    raise SyncTokenInvalid(f"the server refused the sync token ({resp.status})", resp.status)
                if resp.status in (400, 403, 405, 501) or "supported-report" in text:
                    raise SyncUnsupported(f"no sync-collection report ({resp.status})", resp.status)
                raise DavError(f"sync-collection answered {resp.status}", resp.status)
            entries, new_token = parse_multistatus(resp.body, self.url)
            truncated = False
            for entry in entries:
                if entry.href.rstrip("/") == own.rstrip("/"):
                    truncated = truncated or entry.status == 507
                elif entry.status == 404:
                    removed.append(entry.href)
                    changed.pop(entry.href, None)
                elif not entry.href.endswith("/"):
                    changed[entry.href] = entry.text(f"{{{DAV}}}getetag")
            if not new_token:
                raise DavError("sync-collection answered without a sync-token")
            token = new_token
            if not truncated:
                return SyncResult(changed, removed, token)

    def etags(self) -> dict[str, str | None]:
        """Every card of the address book with its ETag (PROPFIND depth 1), for servers without
        ``sync-collection``: the caller compares them with the ETags it saw last."""
        own = path_of(self.url, self.url).rstrip("/")
        entries = self._multistatus("PROPFIND", self.url, _propfind(["d:getetag", "d:resourcetype"]), "1")
        return {e.href: e.text(f"{{{DAV}}}getetag") for e in entries
                if e.href.rstrip("/") != own and not e.href.endswith("/") and e.status == 200}

    def multiget(self, hrefs: Iterable[str],
                 batch: int = MULTIGET_BATCH) -> Iterator[tuple[str, str | None, bytes | None]]:
        """``(path, etag, vcard bytes)`` for each href, ``batch`` per ``addressbook-multiget``
        (RFC 6352 8.7); a card that is gone comes back with ``None`` for both."""
        hrefs = list(hrefs)
        for start in range(0, len(hrefs), batch):
            inner = "".join(f"<d:href>{xml_escape(h)}</d:href>" for h in hrefs[start:start + batch])
            body = (f'{_HEAD}<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="{CARD}"><d:prop>'
                    f"<d:getetag/><c:address-data/></d:prop>{inner}</c:addressbook-multiget>")
            for entry in self._multistatus("REPORT", self.url, body.encode(), "1"):
                data = entry.text(f"{{{CARD}}}address-data")
                yield (entry.href, entry.text(f"{{{DAV}}}getetag"),
                       data.encode("utf-8") if data is not None else None)

    # -- writing ------------------------------------------------------------------------------
    def put(self, href: str, card: str, etag: str | None = None) -> str | None:
        """Store a card: with ``etag`` an update (``If-Match``), without it a create
        (``If-None-Match: *``). Returns the new ETag when the server tells it (None: read it
        back). Raises :class:`Stale` on 412, :class:`DavError` on other refusals."""
        cond = {"If_Match": etag} if etag else {"If_None_Match": "*"}
        resp = self._req("PUT", href, card.encode("utf-8"),
                         Content_Type="text/vcard; charset=utf-8", **cond)
        if resp.status == 412:
            raise Stale(f"the card {href} changed on the server", 412)
        if resp.status not in (200, 201, 204):
            raise DavError(f"PUT {href} answered {resp.status}: {_brief(resp.body)}", resp.status)
        return resp.headers.get("ETag")

    def delete(self, href: str, etag: str | None = None) -> None:
        """Delete a card (``If-Match`` with ``etag``); a card already gone (404) counts as deleted.
        Raises :class:`Stale` on 412."""
        resp = self._req("DELETE", href, None, **({"If_Match": etag} if etag else {}))
        if resp.status == 412:
            raise Stale(f"the card {href} changed on the server", 412)
        if resp.status not in (200, 204, 404):
            raise DavError(f"DELETE {href} answered {resp.status}: {_brief(resp.body)}", resp.status)


def _brief(body: bytes) -> str:
    return body[:200].decode("utf-8", "replace").strip()
