"""The CardDAV connector's declaration: HTTP Basic, the vCard fields, the default mapping."""
from __future__ import annotations

import copy
import json
import re
from datetime import date
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Mapping
from xml.etree import ElementTree as ET

from crmcore.api import (Connector, ConnectorSession, FieldSpec, HttpBasic, HttpDefaults, MappingSkip,
                         Transform)

from crm_carddav import vcard

if TYPE_CHECKING:
    from crmcore.api import ApiClient

YEARLESS = 1904  # the year a CRM date carries for a birthday known only by month and day (leap)
FIELDS = [FieldSpec(n, n.replace("_", " ").capitalize(), type="email" if n.endswith("_email") else
                   "text" if n == "note" else "string") for n in vcard.FIELDS]


@lru_cache(maxsize=1)
def _default_mapping() -> dict[str, Any]:
    return json.loads(files("crm_carddav").joinpath("schemas/default-mapping.json").read_text("utf-8"))


class VCardDate(Transform):
    """A CRM date <-> a vCard ``BDAY`` as ``YYYY-MM-DD``, or ``--MM-DD`` without a year (RFC 6350
    4.3.1); a yearless birthday is the CRM date in year 1904 (a leap year: ``--02-29`` fits), and
    a year the CRM already knows for that month and day is kept."""

    name = "vcard-date"
    crm_types = ("date",)
    remote_types = ("string",)
    _FORM = re.compile(r"^(?:(\d{4})|-)-(\d{2})-(\d{2})$")

    def to_remote(self, value: Any) -> tuple[Any, ...]:
        return (self.key_from_crm(value),)

    def to_crm(self, values: tuple[Any, ...], current: Any = None) -> Any:
        raw = self.key_from_remote(values)
        found = self._FORM.match(raw or "")
        try:
            year, month, day = (int(g or 0) for g in found.groups()) if raw else (0, 0, 0)
            if not raw or year:
                return date(year, month, day) if raw else None
            keep = isinstance(current, date) and (current.month, current.day) == (month, day)
            return current if keep else date(YEARLESS, month, day)
        except (AttributeError, ValueError):
            raise MappingSkip(f"birthday {raw!r} is not a date (YYYY-MM-DD or --MM-DD)") from None

    def key_from_crm(self, value: Any) -> Any:
        if not isinstance(value, date):
            return None
        return f"--{value:%m-%d}" if value.year == YEARLESS else value.isoformat()

    def key_from_remote(self, values: tuple[Any, ...]) -> Any:
        return str(values[0]).strip() or None if values[0] is not None else None


class CardDavConnector(Connector):
    """Contacts <-> one CardDAV address book (RFC 6352) of the user's (Nextcloud, Radicale,
    Baikal, Fastmail, iCloud ...), with a username and a password or app password."""

    name = "carddav"
    label = "CardDAV"
    module = "contacts"
    extension = "carddav"
    auth = HttpBasic()
    fields = FIELDS
    email_field = "work_email"
    transforms = {"vcard-date": VCardDate()}
    write_batch_size = 100  # one addressbook-multiget of the stored cards per batch
    # the user's own server publishes no request rate; a first sync-collection REPORT lists every
    # card, which a busy server may take minutes to answer
    http_defaults = HttpDefaults(rate_per_second=None, timeout=120.0)

    @property
    def default_mapping(self) -> dict[str, Any]:  # type: ignore[override]
        return copy.deepcopy(_default_mapping())

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> str | None:
        """The precondition a WebDAV ``DAV:error`` body names (RFC 4918 16), e.g.
        ``no-uid-conflict`` (RFC 6352 6.3.2.1), or None."""
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return None
        if root.tag != "{DAV:}error" or not len(root):
            return None
        return "the server refused it: " + ", ".join(child.tag.rpartition("}")[2] for child in root)

    def open(self, api: "ApiClient", options: dict[str, Any]) -> ConnectorSession:
        from crm_carddav.session import CardDavSession

        return CardDavSession(api, (options or {}).get("url") or api.base_url)  # url: the setting
