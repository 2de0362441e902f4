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

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any

from vobject.base import ParseError, foldOneLine, textLineToContentLine

EMAIL_KINDS = ("work", "home")  # the untyped first email counts as work
PHONE_KINDS = ("cell", "work", "home")
ADDRESS_KINDS = ("work", "home")
ADDRESS_PARTS = ("street", "city", "region", "postal_code", "country")  # ADR components 2..6
SIMPLE = {"organization": "ORG", "title": "TITLE", "note": "NOTE", "birthday": "BDAY"}
SIMPLE_FIELD = {v: k for k, v in SIMPLE.items()} | {"FN": "full_name"}
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
        ln, (name, _, kind) = lines[i], slot.partition(":")
        text = unescape(ln.value)
        if name in ("EMAIL", "TEL"):
            suffix = "email" if name == "EMAIL" else "phone"
            values[f"{kind}_{suffix}"] = text.strip()[4:] if text.lower().startswith("tel:") else text
        elif name == "ADR":
            values.update(zip([f"{kind}_{p}" for p in ADDRESS_PARTS], (components(ln.value) + [""] * 7)[2:7]))
        elif name == "N":
            values["family_name"], values["given_name"] = (components(ln.value) + ["", ""])[:2]
        elif name in ("ORG", "BDAY"):
            values[SIMPLE_FIELD[name]] = components(ln.value)[0] if name == "ORG" else _birthday(ln)
        else:
            values[SIMPLE_FIELD[name]] = text
    values = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}
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

    def old(slot: str) -> list[str]:
        i = card.sources.get(slot)
        return components(card.lines[i].value) + [""] * 7 if i is not None else [""] * 7

    def put(slot: str, name: str, parts: list[str] | None, kind: str | None = None) -> None:
        """Set the property of ``slot`` from its (unescaped) components, or remove it."""
        i = card.sources.get(slot)
        if not parts or not any(parts):
            if i is not None:
                lines[i] = None
            return
        value = ";".join(escape(p or "") for p in parts)
        new_params = {"TYPE": [kind if v4 else kind.upper()]} if kind else {}
        params = lines[i].params if i is not None else new_params
        line = Line("", lines[i].group if i is not None else None, name, params, value)
        if i is not None:
            lines[i] = line
        else:
            lines.insert(len(lines) - 1, line)

    for name, kinds, suffix in (("EMAIL", EMAIL_KINDS, "email"), ("TEL", PHONE_KINDS, "phone")):
        for kind in (k for k in kinds if f"{k}_{suffix}" in changed):
            text = _text(changed[f"{kind}_{suffix}"])
            uri = old(f"{name}:{kind}")[0].lower().startswith("tel:")
            put(f"{name}:{kind}", name, [("tel:" if uri else "") + text] if text else None, kind)
    for kind in ADDRESS_KINDS:
        keys = [f"{kind}_{p}" for p in ADDRESS_PARTS]
        if any(k in changed for k in keys):
            parts = [_text(values.get(k, card.values[k])) or "" for k in keys]
            put(f"ADR:{kind}", "ADR", old(f"ADR:{kind}")[:2] + parts if any(parts) else None, kind)
    if "organization" in changed:
        org = _text(changed["organization"])
        units = components(card.lines[card.sources["ORG"]].value)[1:] if "ORG" in card.sources else []
        put("ORG", "ORG", [org, *units] if org else None)
    for field in ("title", "note", "birthday"):
        if field in changed:
            text = _text(changed[field])
            put(SIMPLE[field], SIMPLE[field], [_bday_value(text, v4) if field == "birthday" else text])
    names = {k: _text(values.get(k, card.values[k])) for k in NAME_FIELDS}
    names_changed = any(k in changed for k in NAME_FIELDS)
    if names_changed or ("N" not in card.sources and not v4):
        put("N", "N", [names["family_name"] or "", names["given_name"] or "", *old("N")[2:5]])
    full = card.values["full_name"]
    if "full_name" in changed or names_changed or not full:
        full = _text(changed.get("full_name")) or " ".join(n for n in names.values() if n)
    after = {**card.values, **changed}
    fallback = [_text(after[k]) for k in ("organization", "work_email", "home_email") if _text(after[k])]
    full = full or (fallback + [""])[0]
    if full != card.values["full_name"]:
        put("FN", "FN", [full])
    out = io.StringIO()
    for ln in lines:
        if ln is not None:
            foldOneLine(out, _serialise(ln))  # 75 octets, never inside a UTF-8 character
    return out.getvalue()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _bday_value(value: str | None, v4: bool) -> str | None:
    """``YYYY-MM-DD`` / ``--MM-DD`` as the card's version writes it (4.0: ``YYYYMMDD``, ``--MMDD``)."""
    found = _BDAY.match(value or "")
    if not found:
        return value
    year, month, day = found.groups()
    sep = "" if v4 else "-"
    return f"{year}{sep}{month}{sep}{day}" if year else f"--{month}{sep}{day}"


def _serialise(ln: Line) -> str:
    if ln.raw:
        return ln.raw
    head = f"{ln.group}.{ln.name}" if ln.group else ln.name
    for key, vals in ln.params.items():
        quoted = [f'"{v}"' if re.search(r'[:;,]', v) else v for v in vals]
        head += f";{key}={','.join(quoted)}"
    return f"{head}:{ln.value}"
