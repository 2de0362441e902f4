"""The sandbox account's data: contacts with their indexes, lists, custom fields, activities.

Contacts are kept by id, by normalised email (uniqueness includes deleted contacts, as on the real
service) and in an append-only log ordered by ``updated_at``. Every change gets a timestamp later
than all earlier ones, so the log stays sorted by appending; a changed contact leaves a stale
entry behind that scans skip and compaction drops. Paging and ``updated_after`` are then a
bisect plus a forward scan, never a sort per request.
"""

from __future__ import annotations

import json
import os
import struct
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, MutableMapping
from typing import Any, Callable, Iterator

from .clock import MonotonicClock, parse_iso, to_iso

SUBRESOURCES = ("custom_fields", "phone_numbers", "street_addresses", "list_memberships", "taggings", "notes")
MAX_LISTS = 1000
MAX_CUSTOM_FIELDS = 100


# Strings a contact repeats (``"created_at"`` five times or more), kept as one control character
# each: the JSON encoder escapes every control character in a string, so the exchange back
# (``_lengthen``) is exact.
_COMMON = ("created_at", "updated_at", "contact_id", "email_address", "address", "permission_to_send",
           "opt_in_source", "opt_in_date", "first_name", "last_name", "job_title", "company_name",
           "create_source", "update_source", "phone_number_id", "phone_number", "kind",
           "street_address_id", "street", "city", "state", "postal_code", "country", "birthday_month",
           "birthday_day", "deleted_at", "Account", "implicit", "home", "work", "mobile")
_CODES = {text: chr(code) for code, text in enumerate(_COMMON, start=1)}
_LONG = [(code.encode(), json.dumps(text).encode()) for text, code in _CODES.items()]


def _lengthen(text: bytes) -> bytes:
    """Stored JSON as sent: each common string's code replaced by the string."""
    for code, string in _LONG:
        text = text.replace(code, string)
    return text


def _compact_encoder() -> Callable[[Any], str]:
    """Compact JSON text for storage: ``json.dumps(value, separators=(",", ":"))`` (as
    ``json_response`` encodes) with each ``_COMMON`` string as its one-character code. The
    ``json`` module's C encoder does this, built once (``json`` builds it on every call);
    where there is none, or one that does not answer as expected, ``JSONEncoder.encode`` and a
    replacement of the quoted strings, which ``_lengthen`` undoes as exactly."""
    slow_json = json.JSONEncoder(separators=(",", ":")).encode

    def slow(value: Any) -> str:
        text = slow_json(value)
        for code, string in _LONG:
            text = text.replace(string.decode(), code.decode())
        return text

    try:
        from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]

        class Quoted(dict):
            """A common string's code, any other string quoted (``__missing__``): looked up
            and quoted in C, with no Python call for each string."""

            __missing__ = encode_basestring_ascii

        string = Quoted(_CODES).__getitem__
        make = c_make_encoder(None, json.JSONEncoder().default, string, None,
                              ":", ",", False, False, True)

        def fast(value: Any) -> str:
            return "".join(make(value, 0))

        sample = {"a": [1, 2.5, None, True, "\u00e9\"x", "kind"], "created_at": {"c": []}}
        if all(_lengthen(fast(v).encode()) == slow_json(v).encode() for v in (sample, "s", [])):
            return fast
    except Exception:  # noqa: BLE001 - any trouble with the C encoder: the documented path
        pass
    return slow


_ENCODE = _compact_encoder()
_HEADER = struct.Struct("<qq7I")  # created_us, updated_us, where the core and each sub-resource end
_HEAD = _HEADER.size
_EMPTY_LIST = b"[]"
_ABSENT = object()
_SUB_INDEX = {name: index for index, name in enumerate(SUBRESOURCES)}
_SUB_KEY = {name: json.dumps(name).encode() + b":" for name in SUBRESOURCES}


class PackedContacts(MutableMapping):
    """Contacts by id, each kept as the compact JSON the API answers with, in one ``bytes`` with
    its creation and last-change times: about a fifth of the memory of the nested dicts, so a
    benchmark's 200,000 contacts fit beside the CRM in one process, and a page of contacts is
    put together from the stored bytes without decoding or encoding any record
    (:meth:`rendered_list`). Reading gives a fresh dict (its sub-resources after the other
    fields): records are replaced whole (``Store.commit``), never changed in place.

    The ``bytes``: a header (the two times in microseconds, then offsets), the record without
    its sub-resources as JSON object members (``"contact_id":"...",...``, no braces), then each
    sub-resource of ``SUBRESOURCES`` as a JSON value (nothing for one the record lacks); common
    strings shortened (``_compact_encoder``). Values must be JSON's (str, int, float, bool, None,
    lists and str-keyed dicts of them), as the API's are; ``TypeError`` for others."""

    def __init__(self) -> None:
        self._packed: dict[str, bytes] = {}

    def __getitem__(self, cid: str) -> dict[str, Any]:
        return json.loads(_lengthen(_object(self._packed[cid], None)))

    def __setitem__(self, cid: str, record: dict[str, Any]) -> None:
        """Store ``record``, keeping the times of the one it replaces (0 for a new id)."""
        old = self._packed.get(cid)
        created_us, updated_us = _HEADER.unpack_from(old)[:2] if old is not None else (0, 0)
        self.put(cid, record, created_us, updated_us)

    def put(self, cid: str, record: dict[str, Any], created_us: int, updated_us: int) -> None:
        """Store ``record`` with its creation and last-change times (microseconds)."""
        core = dict(record)
        subs = [core.pop(name, _ABSENT) for name in SUBRESOURCES]
        parts = [_ENCODE(core)[1:-1].encode()]
        offsets = [len(parts[0])]
        for value in subs:
            if value is not _ABSENT:
                parts.append(_EMPTY_LIST if value == [] and isinstance(value, list)
                             else _ENCODE(value).encode())
                offsets.append(offsets[-1] + len(parts[-1]))
            else:
                offsets.append(offsets[-1])
        self._packed[cid] = _HEADER.pack(created_us, updated_us, *offsets) + b"".join(parts)

    def times(self, cid: str) -> tuple[int, int]:
        """(created_us, updated_us) of contact ``cid``; ``KeyError`` when unknown."""
        return _HEADER.unpack_from(self._packed[cid])[:2]

    def __delitem__(self, cid: str) -> None:
        del self._packed[cid]

    def __contains__(self, cid: object) -> bool:
        return cid in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)

    def rendered(self, cid: str, include: Iterable[str] = ()) -> bytes:
        """Contact ``cid`` as compact JSON in the V3 shape, the bytes
        ``json_response(200, records.render(self[cid], include))`` would send: the fields but
        sub-resources, then each of ``include`` (names of ``SUBRESOURCES``; ``[]`` when the
        record lacks it). ``KeyError`` for an unknown contact."""
        return _lengthen(_object(self._packed[cid], include))

    def rendered_list(self, cids: Iterable[str], include: Iterable[str] = ()) -> bytes:
        """``b",".join(self.rendered(cid, include) for cid in cids)``, made in one go."""
        include = list(dict.fromkeys(include))
        packed = self._packed
        return _lengthen(b",".join([_object(packed[cid], include) for cid in cids]))


def _object(blob: bytes, include: Iterable[str] | None) -> bytes:
    """A packed record as one JSON object, common strings still shortened: with the sub-resources
    ``include`` names (``[]`` for one it lacks), or with every sub-resource it has (None)."""
    offsets = _HEADER.unpack_from(blob)
    core = blob[_HEAD:_HEAD + offsets[2]]
    pieces = [core] if core else []
    if include is None:
        start = _HEAD + offsets[2]
        for name, end in zip(SUBRESOURCES, offsets[3:]):
            end += _HEAD
            if end > start:
                pieces.append(_SUB_KEY[name] + blob[start:end])
                start = end
    else:
        for name in dict.fromkeys(include):
            at = _SUB_INDEX[name] + 2
            start, end = _HEAD + offsets[at], _HEAD + offsets[at + 1]
            pieces.append(_SUB_KEY[name] + (blob[start:end] if end > start else _EMPTY_LIST))
    return b"{" + b",".join(pieces) + b"}"


def normalise_email(address: str) -> str:
    """The key email uniqueness is judged by: trimmed and case-folded."""
    return address.strip().casefold()


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def new_id() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` makes, at a fifth of its cost."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


class Store:
    """All state of one sandbox account. Not thread-safe: the caller holds the sandbox lock."""

    def __init__(self, clock: MonotonicClock | None = None) -> None:
        self.clock = clock or MonotonicClock()
        self.contacts: PackedContacts = PackedContacts()
        self._by_email: dict[str, str] = {}
        # The log as two parallel columns, entry i being (_log_us[i], _log_ids[i]): 16 bytes an
        # entry where a list of (int, str) tuples takes about 100.
        self._log_us = array("q")
        self._log_ids: list[str] = []
        self._log_sorted = True
        self.version = 0
        self.lists: dict[str, dict[str, Any]] = {}
        self._list_names: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        self.custom_fields: dict[str, dict[str, Any]] = {}
        self._custom_field_names: dict[str, str] = {}
        self.activities: dict[str, dict[str, Any]] = {}
        self._count_cache: dict[Any, int] = {}
        self.account: dict[str, Any] = {}  # GET /account/summary (set by the sandbox)

    # ----- contacts ---------------------------------------------------------------------------
    def get(self, contact_id: str) -> dict[str, Any] | None:
        return self.contacts.get(contact_id)

    def id_for_email(self, address: str) -> str | None:
        """The contact (deleted or not) that owns this address, if any."""
        return self._by_email.get(normalise_email(address))

    def insert(self, record: dict[str, Any], created_us: int | None = None, updated_us: int | None = None) -> str:
        """Add a new contact; timestamps come from the clock unless given (seeds, data files)."""
        cid = record.pop("contact_id", None) or new_id()
        record = {"contact_id": cid, **record}
        if updated_us is None:
            updated_us = self.clock.next_us()
        else:
            self.clock.observe(updated_us)
        if created_us is None:
            created_us = updated_us
        updated_at = to_iso(updated_us)
        record["created_at"] = updated_at if created_us == updated_us else to_iso(created_us)
        record["updated_at"] = updated_at
        for name in SUBRESOURCES:
            record.setdefault(name, [])
        self.contacts.put(cid, record, created_us, updated_us)
        self._index(cid, None, record, updated_us)
        return cid

    def commit(self, cid: str, new: dict[str, Any]) -> bool:
        """Replace a contact if anything but ``update_source`` differs; move ``updated_at`` only then."""
        old = self.contacts[cid]
        if _same(old, new):
            return False
        updated_us = self.clock.next_us()
        new["updated_at"] = to_iso(updated_us)
        self.contacts.put(cid, new, self.created_us(cid), updated_us)
        self._index(cid, old, new, updated_us)
        return True

    def _index(self, cid: str, old: dict | None, new: dict, updated_us: int) -> None:
        if old is None:
            self._index_new(cid, new, updated_us)
            return
        old_email = (old or {}).get("email_address") or {}
        new_email = new.get("email_address") or {}
        if old_email.get("address") != new_email.get("address"):
            if old_email.get("address"):
                self._by_email.pop(normalise_email(old_email["address"]), None)
            if new_email.get("address"):
                self._by_email[normalise_email(new_email["address"])] = cid
        old_lists = set((old or {}).get("list_memberships") or ())
        new_lists = set(new.get("list_memberships") or ())
        for list_id in old_lists - new_lists:
            self.members.get(list_id, set()).discard(cid)
        for list_id in new_lists - old_lists:
            self.members.setdefault(list_id, set()).add(cid)
        self._append_log(cid, updated_us)

    def _index_new(self, cid: str, new: dict, updated_us: int) -> None:
        """``_index`` for a contact that had no record before."""
        address = (new.get("email_address") or {}).get("address")
        if address:
            self._by_email[normalise_email(address)] = cid
        members = self.members
        for list_id in set(new.get("list_memberships") or ()):
            if list_id in members:
                members[list_id].add(cid)
            else:
                members[list_id] = {cid}
        self._append_log(cid, updated_us)

    def _append_log(self, cid: str, updated_us: int) -> None:
        """Log a change of ``cid`` at ``updated_us``; compact the log when stale entries dominate."""
        log_us = self._log_us
        if log_us and updated_us < log_us[-1]:
            self._log_sorted = False
        log_us.append(updated_us)
        self._log_ids.append(cid)
        self.version += 1
        if len(log_us) > 2 * len(self.contacts) + 1024:
            self._rebuild_log()

    def _rebuild_log(self) -> None:
        """One entry a contact, in (updated_us, id) order: sorted by id, then (stably) by time,
        so no (time, id) pair is made for every contact."""
        times = self.contacts.times
        self._log_us = array("q")
        self._log_ids = []
        ids = sorted(self.contacts)
        ids.sort(key=lambda cid: times(cid)[1])
        self._log_us = array("q", [times(cid)[1] for cid in ids])
        self._log_ids = ids
        self._log_sorted = True

    def updated_us(self, cid: str) -> int:
        return self.contacts.times(cid)[1]

    def created_us(self, cid: str) -> int:
        return self.contacts.times(cid)[0]

    def scan(
        self,
        match: Callable[[dict[str, Any]], bool] | None,
        *,
        after: tuple[int, str] | None = None,
        updated_after: int | None = None,
        updated_before: int | None = None,
    ) -> Iterator[tuple[int, str]]:
        """``(updated_us, id)`` of matching contacts (every contact when ``match`` is None, which
        reads no record) in ``updated_at`` order, strictly after the cursor position ``after``."""
        if not self._log_sorted:
            self._rebuild_log()
        log_us, log_ids, times, contacts = self._log_us, self._log_ids, self.contacts.times, self.contacts
        start = bisect_right(range(len(log_us)), after, key=lambda i: (log_us[i], log_ids[i])) if after else 0
        if updated_after is not None:
            start = max(start, bisect_left(log_us, updated_after + 1))
        for i in range(start, len(log_us)):
            u, cid = log_us[i], log_ids[i]
            if updated_before is not None and u >= updated_before:
                return
            if times(cid)[1] != u:
                continue  # stale entry: the contact changed again later
            if match is None or match(contacts[cid]):
                yield u, cid

    def cached_count(self, key: Any, compute: Callable[[], int]) -> int:
        """``include_count`` totals, remembered until the next change so paging stays linear."""
        full_key = (key, self.version)
        if full_key not in self._count_cache:
            if len(self._count_cache) > 32:
                self._count_cache.clear()
            self._count_cache[full_key] = compute()
        return self._count_cache[full_key]

    # ----- lists ------------------------------------------------------------------------------
    def list_id_for_name(self, name: str) -> str | None:
        return self._list_names.get(name.strip().casefold())

    def create_list(self, name: str, description: str | None = None, favorite: bool = False) -> dict[str, Any]:
        """Add a list; the caller has checked the name is free and the account limit."""
        now = to_iso(self.clock.next_us())
        record: dict[str, Any] = {"list_id": new_id(), "name": name, "favorite": bool(favorite),
                                  "created_at": now, "updated_at": now}
        if description is not None:
            record["description"] = description
        self.add_list_record(record)
        return record

    def add_list_record(self, record: dict[str, Any]) -> None:
        self.lists[record["list_id"]] = record
        self._list_names[record["name"].strip().casefold()] = record["list_id"]
        self.members.setdefault(record["list_id"], set())

    # ----- custom fields ----------------------------------------------------------------------
    def custom_field_id_for_name(self, name: str) -> str | None:
        """Imports name custom fields by ``name`` (or label); matching ignores case."""
        return self._custom_field_names.get(name.strip().casefold())

    def create_custom_field(self, label: str, type_: str) -> dict[str, Any]:
        now = to_iso(self.clock.next_us())
        record = {"custom_field_id": new_id(), "label": label, "name": label.strip().replace(" ", "_"),
                  "type": type_, "created_at": now, "updated_at": now}
        self.add_custom_field_record(record)
        return record

    def add_custom_field_record(self, record: dict[str, Any]) -> None:
        self.custom_fields[record["custom_field_id"]] = record
        self._custom_field_names[record["name"].casefold()] = record["custom_field_id"]
        self._custom_field_names.setdefault(record["label"].strip().casefold(), record["custom_field_id"])

    # ----- persistence support ----------------------------------------------------------------
    def load_contact(self, record: dict[str, Any]) -> None:
        """Put back a contact read from a data file, keeping its timestamps."""
        self.insert(record, parse_iso(record["created_at"]), parse_iso(record["updated_at"]))


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    if old.get("update_source") == new.get("update_source"):
        return old == new
    return {**new, "update_source": old.get("update_source")} == old
