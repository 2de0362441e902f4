"""vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) cards <-> the connector's flat remote values.

Reading: :func:`read_card` unfolds the card and parses each content line with ``vobject``
(groups, parameters in both ``TYPE=a;TYPE=b`` and ``TYPE="a,b"`` styles), then picks the mapped
properties. Writing: :func:`write_card` keeps the stored card line for line and changes only the
properties whose mapped value changed, so whatever the mapping does not know (photos, URLs,
instant-messaging handles, custom ``X-`` properties, a second address) survives a write untouched.
``vobject`` itself is not used to re-serialise a whole card: it would re-encode properties it does
not understand (a vCard 4.0 ``PHOTO:data:...;base64,...`` URI loses everything after the comma).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from vobject.base import ParseError, textLineToContentLine

EMAIL_KINDS = ("work", "home")  # the untyped first email counts as work
PHONE_KINDS = ("cell", "work", "home")
ADDRESS_KINDS = ("work", "home")
ADDRESS_PARTS = ("street", "city", "region", "postal_code", "country")  # ADR components 2..6
SIMPLE = {"organization": "ORG", "title": "TITLE", "note": "NOTE", "birthday": "BDAY"}
NAME_FIELDS = ("given_name", "family_name")
FIELDS: tuple[str, ...] = (
    *NAME_FIELDS, "full_name", *(f"{k}_email" for k in EMAIL_KINDS),
    *(f"{k}_phone" for k in PHONE_KINDS),
    *(f"{k}_{p}" for k in ADDRESS_KINDS for p in ADDRESS_PARTS), *SIMPLE)
_BDAY = re.compile(r"^(?:(\d{4})-?|--)(\d{2})-?(\d{2})(?:T.*)?$")


class CardError(ValueError):
    """A card that cannot be read (not a vCard, or a broken content line)."""


@dataclass
class Line:
    """One unfolded content line: its group, name (upper case), parameters and raw value."""

    raw: str
    group: str | None
    name: str
    params: dict[str, list[str]]
    value: str  # still escaped, as on the wire

    @property
    def types(self) -> set[str]:
        """The ``TYPE`` values, lower case, from ``TYPE=a,b``, ``TYPE="a,b"`` or repeated ``TYPE``."""
        return {t.strip().lower() for v in self.params.get("TYPE", []) for t in v.split(",") if t.strip()}


@dataclass
class Card:
    """A parsed card: its lines in order and which line each mapped property was read from."""

    lines: list[Line]
    version: str
    values: dict[str, Any]
    sources: dict[str, int]  # property slot ("email:work", "adr:home", "N", "ORG" ...) -> line index


def unfold(data: bytes | str) -> list[str]:
    """Logical lines of a card: CRLF (or LF) followed by a space or tab joins lines (RFC 6350 3.2).
    Unfolded on bytes, so a fold inside a UTF-8 sequence is healed before decoding."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = re.sub(rb"\r?\n[ \t]", b"", data)
    return [ln for ln in data.decode("utf-8", errors="replace").replace("\r", "").split("\n") if ln]


def unescape(text: str) -> str:
    """A TEXT value's escapes (RFC 6350 3.4): ``\\n``, ``\\,``, ``\\;``, ``\\\\``."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def components(value: str) -> list[str]:
    """A structured value (N, ADR, ORG) split at unescaped semicolons, each part unescaped."""
    return [unescape(p) for p in re.split(r"(?<!\\);", value)]


def parse_lines(data: bytes | str) -> list[Line]:
    """Content lines of one card (raises :class:`CardError` when it is not a single vCard)."""
    out = []
    for raw in unfold(data):
        try:
            cl = textLineToContentLine(raw)
        except ParseError as exc:
            raise CardError(f"unreadable vCard line {raw[:40]!r}: {exc}") from None
        out.append(Line(raw, cl.group, cl.name.upper(), {k.upper(): list(v) for k, v in cl.params.items()},
                        cl.value))
    if len(out) < 2 or out[0].name != "BEGIN" or out[-1].name != "END":
        raise CardError("not a vCard (BEGIN:VCARD ... END:VCARD)")
    return out


def read_card(data: bytes | str) -> Card:
    """The flat values of a card (every field in :data:`FIELDS`, None when absent).

    Emails, phones and addresses go by ``TYPE``; an untyped one fills the first free kind. A card
    without ``N`` takes its names from ``FN`` (last word as family name). A birthday reads as
    ``YYYY-MM-DD`` or, without a year, ``--MM-DD`` (also Apple's ``X-APPLE-OMIT-YEAR``).
    """
    lines = parse_lines(data)
    version = next((ln.value.strip() for ln in lines if ln.name == "VERSION"), "3.0")
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    sources: dict[str, int] = {}
    untyped: dict[str, list[int]] = {"EMAIL": [], "TEL": [], "ADR": []}
    kinds = {"EMAIL": EMAIL_KINDS, "TEL": PHONE_KINDS, "ADR": ADDRESS_KINDS}
    for i, ln in enumerate(lines):
        if ln.name in kinds:
            found = [k for k in kinds[ln.name] if k in ln.types or (k == "cell" and "mobile" in ln.types)]
            slot = f"{ln.name}:{found[0]}" if found else None
            if slot and slot not in sources:
                sources[slot] = i
            elif not found:
                untyped[ln.name].append(i)
        elif ln.name in ("N", "FN", "ORG", "TITLE", "NOTE", "BDAY") and ln.name not in sources:
            sources[ln.name] = i
    for name, free in untyped.items():
        for kind in kinds[name]:
            if f"{name}:{kind}" not in sources and free:
                sources[f"{name}:{kind}"] = free.pop(0)
    for slot, i in sources.items():
        ln = lines[i]
        name, _, kind = slot.partition(":")
        if name == "EMAIL":
            values[f"{kind}_email"] = unescape(ln.value).strip() or None
        elif name == "TEL":
            number = unescape(ln.value).strip()
            values[f"{kind}_phone"] = (number[4:] if number.lower().startswith("tel:") else number) or None
        elif name == "ADR":
            parts = (components(ln.value) + [""] * 7)[2:7]
            for part, text in zip(ADDRESS_PARTS, parts):
                values[f"{kind}_{part}"] = text.strip() or None
        elif name == "N":
            parts = components(ln.value) + ["", ""]
            values["family_name"], values["given_name"] = parts[0].strip() or None, parts[1].strip() or None
        elif name == "FN":
            values["full_name"] = unescape(ln.value).strip() or None
        elif name == "ORG":
            values["organization"] = components(ln.value)[0].strip() or None
        elif name == "BDAY":
            values["birthday"] = _birthday(ln)
        else:
            values[{"TITLE": "title", "NOTE": "note"}[name]] = unescape(ln.value).strip() or None
    if "N" not in sources and values["full_name"]:
        given, _, family = values["full_name"].rpartition(" ")
        values["given_name"], values["family_name"] = given or None, family
    return Card(lines, version, values, sources)


def _birthday(ln: Line) -> str | None:
    found = _BDAY.match(ln.value.strip())
    if not found:
        return ln.value.strip() or None
    year, month, day = found.groups()
    if year and year in ln.params.get("X-APPLE-OMIT-YEAR", []):
        year = None
    return f"{year}-{month}-{day}" if year else f"--{month}-{day}"


def new_card(version: str = "3.0", uid: str | None = None) -> str:
    """An empty card with a fresh ``UID`` (vCard 3.0 by default: every server and client reads it)."""
    return (f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:{uid or uuid.uuid4()}\r\n"
            "PRODID:-//crm//carddav//EN\r\nFN:\r\nEND:VCARD\r\n")


def write_card(stored: bytes | str, values: dict[str, Any]) -> str:
    """``stored`` with the mapped properties in ``values`` set (None or "" clears one).

    Only fields present in ``values`` and different from what the card holds are touched; a
    changed property keeps its group and parameters; a new one gets ``TYPE`` in the card's
    version's style. ``N`` and ``FN`` are kept consistent (``FN`` is mandatory: it falls back to
    the organization or an email). Returns the card as text with CRLF lines folded at 75 octets.
    """
    card = read_card(stored)
    lines: list[Line | None] = list(card.lines)
    v4 = card.version.startswith("4")
    changed = {k: v for k, v in values.items()
               if k in FIELDS and _text(v) != _text(card.values.get(k))}

    def put(slot: str, name: str, value: str | None, kind: str | None = None) -> None:
        i = card.sources.get(slot)
        if value is None:
            if i is not None:
                lines[i] = None
            return
        if i is not None and lines[i] is not None:
            old = lines[i]
            lines[i] = Line("", old.group, old.name, old.params, value)
        else:
            params = {"TYPE": [kind if v4 else kind.upper()]} if kind else {}
            lines.insert(len(lines) - 1, Line("", None, name, params, value))

    for kind in EMAIL_KINDS:
        if f"{kind}_email" in changed:
            put(f"EMAIL:{kind}", "EMAIL", _opt(changed[f"{kind}_email"], escape), kind)
    for kind in PHONE_KINDS:
        if f"{kind}_phone" in changed:
            number = _text(changed[f"{kind}_phone"])
            i = card.sources.get(f"TEL:{kind}")
            if number and i is not None and card.lines[i].value.lower().startswith("tel:"):
                number = "tel:" + number
            put(f"TEL:{kind}", "TEL", _opt(number, escape), kind)
    for kind in ADDRESS_KINDS:
        keys = [f"{kind}_{p}" for p in ADDRESS_PARTS]
        if any(k in changed for k in keys):
            i = card.sources.get(f"ADR:{kind}")
            head = (components(card.lines[i].value) + ["", ""])[:2] if i is not None else ["", ""]
            parts = [_text(values.get(k, card.values[k])) or "" for k in keys]
            put(f"ADR:{kind}", "ADR", ";".join(escape(p) for p in head + parts) if any(parts) else None, kind)
    if "organization" in changed:
        i = card.sources.get("ORG")
        rest = components(card.lines[i].value)[1:] if i is not None else []
        org = _text(changed["organization"])
        put("ORG", "ORG", ";".join(escape(p) for p in [org, *rest]) if org else None)
    for field, name in (("title", "TITLE"), ("note", "NOTE")):
        if field in changed:
            put(name, name, _opt(changed[field], escape))
    if "birthday" in changed:
        put("BDAY", "BDAY", _bday_value(_text(changed["birthday"]), v4))
    names = {k: _text(values.get(k, card.values[k])) for k in NAME_FIELDS}
    names_changed = any(k in changed for k in NAME_FIELDS)
    if names_changed or ("N" not in card.sources and not v4):
        i = card.sources.get("N")
        rest = (components(card.lines[i].value) + [""] * 5)[2:5] if i is not None else ["", "", ""]
        put("N", "N", ";".join(escape(p or "") for p in [names["family_name"], names["given_name"], *rest]))
    full = card.values["full_name"]
    if "full_name" in changed or names_changed or not full:
        full = _text(changed.get("full_name")) or " ".join(n for n in names.values() if n)
    if not full:
        after = {**card.values, **changed}
        full = next((_text(after.get(k)) for k in ("organization", "work_email", "home_email")
                     if _text(after.get(k))), "")
    if full != card.values["full_name"]:
        put("FN", "FN", escape(full))
    return "".join(_fold(_serialise(ln)) for ln in lines if ln is not None)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _opt(value: Any, encode) -> str | None:
    text = _text(value)
    return encode(text) if text else None


def _bday_value(value: str | None, v4: bool) -> str | None:
    if not value:
        return None
    found = _BDAY.match(value)
    if not found:
        return escape(value)
    year, month, day = found.groups()
    if v4:
        return f"{year}{month}{day}" if year else f"--{month}{day}"
    return f"{year}-{month}-{day}" if year else f"--{month}-{day}"


def _serialise(ln: Line) -> str:
    if ln.raw:
        return ln.raw
    head = f"{ln.group}.{ln.name}" if ln.group else ln.name
    for key, vals in ln.params.items():
        quoted = [f'"{v}"' if re.search(r'[:;,]', v) else v for v in vals]
        head += f";{key}={','.join(quoted)}"
    return f"{head}:{ln.value}"


def _fold(line: str, limit: int = 75) -> str:
    """One content line folded at ``limit`` octets, never inside a UTF-8 character (RFC 6350 3.2)."""
    out, chunk, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(chunk)
            chunk, size, limit = "", 1, 75  # continuation lines begin with a space
        chunk += ch
        size += n
    out.append(chunk)
    return "\r\n ".join(out) + "\r\n"
