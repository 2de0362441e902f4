"""Field mapping as data: which CRM field feeds which remote field, through which named transform.

A mapping is JSON validated by ``schemas/field-mapping.schema.json`` and then against the module's
and the connector's declared fields. Transforms are named, never code in the data: the core's
built-ins below, plus those a connector declares in an optional ``transforms`` class attribute
(``dict[str, Transform]``).

Mapping a record checks the target side before anything is sent: its mandatory fields, each
field's ``max_length`` and, for the remote side, the connector's own ``check_limits``. A record
that breaks one is a skip with a reason a person can act on, never a refused request. One
exception: an optional remote field whose value is too long for it is left out of the write (the
remote keeps what it has) with a warning in :attr:`Mapped.warnings`, so one long phone number
does not keep the whole contact away; a too-long mandatory field still skips the record.

Fingerprints and equality work in one comparable space shared by both sides: each mapping entry
contributes the same normalised key whether computed from the CRM value or from the remote values
(``None`` equals ``""``, strings are stripped, a birthday is its month and day). So
``crm_fingerprint(crm) == remote_fingerprint(remote)`` exactly when ``equal(crm, remote)``.

Birthday (``date-month-day``): the remote side keeps only month and day. ``to_crm`` keeps the
year of the CRM's current birthday when the caller passes ``current`` (the record's values);
without one (a new CRM record) the year is :data:`YEARLESS_YEAR`, a leap year so that 29 February
survives. Equality compares month and day only, so the year never causes a write either way.
"""
from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmcore.errors import ValidationError
from crmcore.schemas_loader import load_schema, problems

if TYPE_CHECKING:
    from crmcore.modules import FieldSpec, ModuleSpec
    from crmcore.sync.connector import Connector

SCHEMA = "field-mapping.schema.json"
DIRECTIONS = ("both", "to-remote", "to-crm")
from crmcore.contract.transforms import (  # noqa: E402,F401  (re-exported)
    OMIT, YEARLESS_YEAR, BooleanText, DateIso, DateMonthDay, Identity, Mapped, MappingSkip,
    Transform, _Omit, normalise, BUILTIN_TRANSFORMS)

# ----------------------------------------------------------------------------------------------
# The mapping
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One validated line of a mapping."""

    crm: str
    remote: tuple[str, ...]
    transform: Transform
    direction: str

    @property
    def label(self) -> str:
        """``crm>remote1,remote2``: how logs and fingerprints name the entry."""
        return f"{self.crm}>{','.join(self.remote)}"

    @property
    def to_remote_side(self) -> bool:
        """Whether CRM values travel to the remote."""
        return self.direction in ("both", "to-remote")

    @property
    def to_crm_side(self) -> bool:
        """Whether remote values travel to the CRM."""
        return self.direction in ("both", "to-crm")


def _lower(label: str) -> str:
    """"Last Name" -> "last name" for the middle of a sentence; acronyms ("VIP", "ZIP") stay."""
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in label.split(" "))


class FieldMapping:
    """A validated mapping between one module's fields and one connector's remote fields."""

    def __init__(self, data: dict, module: "ModuleSpec", connector: "Connector",
                 entries: list[Entry]) -> None:
        self.data = data
        self.module = module
        self.connector = connector
        self.entries = entries
        self.crm_fields: tuple[str, ...] = tuple(dict.fromkeys(e.crm for e in entries))
        self.remote_fields: tuple[str, ...] = tuple(dict.fromkeys(r for e in entries for r in e.remote))
        self._crm_specs = {f.name: f for f in module.fields}
        self._remote_specs = {f.name: f for f in connector.fields}
        # what mapping and comparing a record need, worked out once per mapping instead of once
        # per field of every record (see _Plan)
        self._plan = _Plan(self, entries)

    # -- building ---------------------------------------------------------------------------------

    @classmethod
    def from_data(cls, data: dict, module: "ModuleSpec", connector: "Connector") -> "FieldMapping":
        """Validate ``data`` (schema, then fields and transforms) and build the mapping.

        Raises :class:`ValidationError` naming the JSON path of the first problem.
        """
        found = problems(load_schema(SCHEMA), data)
        if found:
            _refuse(found[0], len(found) - 1)
        where = connector.label
        if data["connector"] != connector.name:
            _refuse(f"$.connector: {data['connector']!r} is not this connector ({connector.name!r})")
        if data["module"] != module.name:
            _refuse(f"$.module: {data['module']!r} is not {where}'s module ({module.name!r})")
        crm_specs = {f.name: f for f in module.fields}
        remote_specs = {f.name: f for f in connector.fields}
        transforms = {**BUILTIN_TRANSFORMS, **getattr(connector, "transforms", {})}
        entries: list[Entry] = []
        fed_remote: dict[str, int] = {}
        fed_crm: dict[str, int] = {}
        for i, item in enumerate(data["fields"]):
            path = f"$.fields[{i}]"
            remote = (item["remote"],) if isinstance(item["remote"], str) else tuple(item["remote"])
            if item["crm"] not in crm_specs:
                _refuse(f"{path}.crm: {item['crm']!r} is not a field of the CRM's {module.label} "
                        f"module (known: {', '.join(sorted(crm_specs))})")
            for j, name in enumerate(remote):
                if name not in remote_specs:
                    sub = f"{path}.remote" + (f"[{j}]" if isinstance(item["remote"], list) else "")
                    _refuse(f"{sub}: {name!r} is not a {where} field "
                            f"(known: {', '.join(sorted(remote_specs))})")
            name = item.get("transform", "identity")
            if name not in transforms:
                _refuse(f"{path}.transform: {name!r} is not a known transform "
                        f"(known: {', '.join(sorted(transforms))})")
            transform = transforms[name]
            if len(remote) != transform.remote_arity:
                _refuse(f"{path}.remote: the {name!r} transform needs {transform.remote_arity} "
                        f"remote field(s), got {len(remote)}")
            crm_spec = crm_specs[item["crm"]]
            if transform.crm_types is not None and crm_spec.type not in transform.crm_types:
                _refuse(f"{path}.crm: the {name!r} transform does not take a {crm_spec.type} field "
                        f"({item['crm']!r})")
            for r in remote:
                if transform.remote_types is not None and remote_specs[r].type not in transform.remote_types:
                    _refuse(f"{path}.remote: the {name!r} transform does not take a "
                            f"{remote_specs[r].type} field ({r!r})")
            if isinstance(transform, Identity) and not transform.compatible(crm_spec, remote_specs[remote[0]]):
                _refuse(f"{path}: {item['crm']!r} ({crm_spec.type}) and {remote[0]!r} "
                        f"({remote_specs[remote[0]].type}) need a transform")
            entry = Entry(item["crm"], remote, transform, item.get("direction", "both"))
            if entry.to_remote_side:
                for r in remote:
                    if r in fed_remote:
                        _refuse(f"{path}.remote: {r!r} is already written by $.fields[{fed_remote[r]}]")
                    fed_remote[r] = i
            if entry.to_crm_side:
                if entry.crm in fed_crm:
                    _refuse(f"{path}.crm: {entry.crm!r} is already written by $.fields[{fed_crm[entry.crm]}]")
                fed_crm[entry.crm] = i
            entries.append(entry)
        for name in connector.mandatory_fields:
            if name not in fed_remote:
                _refuse(f"$.fields: {where}'s mandatory field {name!r} is not mapped from the CRM")
        for name in module.mandatory_fields:
            if name not in fed_crm:
                _refuse(f"$.fields: the CRM's mandatory field {name!r} is not mapped from {where}")
        return cls(data, module, connector, entries)

    def signature(self) -> list[list[Any]]:
        """What fingerprints and directions depend on, as JSON: one ``[crm, [remote...],
        transform, direction]`` per entry, in order. Equal signatures fingerprint alike."""
        return [[e.crm, list(e.remote), e.transform.name, e.direction] for e in self.entries]

    # -- mapping records --------------------------------------------------------------------------

    def to_remote(self, crm_values: dict) -> Mapped:
        """Remote values for a CRM -> remote write, or the reason the record must be skipped.

        A field a transform omits (consent: opt-out False) is left out, meaning "keep as is".
        """
        values: dict[str, Any] = {}
        source: dict[str, str] = {}
        get = crm_values.get
        for crm, remote, convert in self._plan.to_remote:
            if convert is None:  # Transform.to_remote: the normalised value, inline
                value = get(crm)
                if value.__class__ is str:
                    value = value.strip() or None
                elif value is not None:
                    value = normalise(value)
                values[remote[0]] = value
                source[remote[0]] = crm
                continue
            try:
                out = convert(get(crm))
            except MappingSkip as exc:
                return Mapped(None, f"{self._crm_label(crm)}: {exc}")
            if out is OMIT:
                continue
            for name, value in zip(remote, out):
                values[name] = value
                source[name] = crm
        for name in self._plan.remote_mandatory:
            if normalise(values.get(name)) is None:
                return Mapped(None, f"no {_lower(self._remote_specs[name].label)}")
        warnings: list[str] = []
        left_out: list[str] = []
        while (name := _first_too_long(values, self._plan.remote_limited)) is not None:
            reason = _too_long({name: values[name]}, self._remote_specs,
                               lambda n: self._crm_label(source[n]), self.connector.label)
            if name in self._plan.remote_mandatory:
                return Mapped(None, reason)
            del values[name]  # an optional field: left as it is on the remote side
            warnings.append(f"{reason}: left out of the write, the rest was sent")
            left_out.append(source[name])
        reason = self.connector.check_limits(values)
        if reason:
            return Mapped(None, reason)
        return Mapped(values, warnings=warnings, left_out=left_out)

    def to_crm(self, remote_values: dict, current: dict | None = None,
               require_mandatory: bool = True) -> Mapped:
        """CRM values for a remote -> CRM write, or the reason the record must be skipped.

        ``current``: the CRM record's values when it exists, so a transform that loses part of a
        value on the remote side (a birthday's year) keeps the CRM's part, and a value too long
        for an optional remote field (left out of every write) stays as the CRM has it. ``require_mandatory``
        False leaves the CRM's mandatory fields to the caller (a merge that keeps the CRM's).
        """
        values: dict[str, Any] = {}
        known = current if current is not None else {}
        get = remote_values.get
        for entry, crm, remote, convert, may_be_too_long in self._plan.to_crm:
            if may_be_too_long and current is not None and self._too_long_for_remote(entry, known.get(crm)):
                values[crm] = known.get(crm)  # never sent: the remote's is no news
                continue
            if convert is None:  # Transform.to_crm: the normalised value, inline
                value = get(remote[0])
                if value.__class__ is str:
                    value = value.strip() or None
                elif value is not None:
                    value = normalise(value)
                values[crm] = value
                continue
            try:
                values[crm] = convert(tuple(map(get, remote)), known.get(crm))
            except MappingSkip as exc:
                return Mapped(None, f"{self._crm_label(crm)}: {exc}")
        for name in self.module.mandatory_fields if require_mandatory else ():
            if name in values and normalise(values[name]) is None:
                return Mapped(None, f"{_lower(self._crm_label(name))} is mandatory in the CRM")
        if _first_too_long(values, self._plan.crm_limited) is None:
            return Mapped(values)
        reason = _too_long(values, self._crm_specs, self._crm_label, "the CRM")
        return Mapped(None, reason) if reason else Mapped(values)

    def _too_long_for_remote(self, entry: Entry, crm_value: Any) -> bool:
        """Whether ``crm_value`` is one :meth:`to_remote` leaves out as too long (optional field)."""
        if crm_value is None or not entry.to_remote_side:
            return False
        try:
            out = entry.transform.to_remote(crm_value)
        except MappingSkip:
            return False
        if out is OMIT:
            return False
        return any(_too_long_name({r: v}, self._remote_specs) is not None
                   and r not in self.connector.mandatory_fields for r, v in zip(entry.remote, out))

    # -- comparing --------------------------------------------------------------------------------

    def crm_keys(self, crm_values: dict) -> list[list[Any]]:
        """``[label, key]`` of every entry for a CRM record's values (what its fingerprint hashes).
        """
        return [[label, key] for label, key in zip(self._plan.labels, self.crm_key_values(crm_values))]

    def remote_keys(self, remote_values: dict) -> list[list[Any]]:
        """``[label, key]`` of every entry for a remote record's values (equal to :meth:`crm_keys`
        when both sides agree)."""
        return [[label, key] for label, key in zip(self._plan.labels, self.remote_key_values(remote_values))]

    def crm_key_values(self, crm_values: dict) -> list[Any]:
        """The keys of :meth:`crm_keys` without their labels, in entry order: what a sync compares
        (two records are equal when these lists are) and hashes (:meth:`fingerprint_of`)."""
        plan = self._plan
        try:
            raw = plan.crm_get(crm_values)
        except KeyError:  # a field left out of the values: None, as .get() gives
            raw = [crm_values.get(name) for name in plan.crm_sources]
        out = [value if value is None else (value.strip() or None) if value.__class__ is str
               else normalise(value) for value in raw]  # normalise(), inline
        for i, name, key in plan.crm_keyed:
            out[i] = key(crm_values.get(name))
        return out

    def remote_key_values(self, remote_values: dict) -> list[Any]:
        """The keys of :meth:`remote_keys` without their labels (see :meth:`crm_key_values`)."""
        plan = self._plan
        get = remote_values.get  # remote records often leave fields out: no itemgetter here
        out = [value if value is None else (value.strip() or None) if value.__class__ is str
               else normalise(value) for value in map(get, plan.remote_sources)]
        for i, names, key in plan.remote_keyed:
            out[i] = key(tuple(map(get, names)))
        return out

    def remote_field_values(self, remote_values: dict) -> dict[str, Any]:
        """``{name: value}`` of every mapped remote field (:attr:`remote_fields`, in order; None
        for one missing from ``remote_values``): what a link keeps of the remote side."""
        fields = self.remote_fields
        return dict(zip(fields, map(remote_values.get, fields)))

    def fingerprint_of(self, key_values: list[Any]) -> str:
        """The fingerprint of :meth:`crm_key_values` or :meth:`remote_key_values` (equal lists,
        equal fingerprints): what :meth:`crm_fingerprint` and :meth:`remote_fingerprint` return."""
        return _digest_keys(self._plan.heads, key_values)

    def fingerprint_like(self, key_values: list[Any], known_key_values: list[Any],
                         known_fingerprint: str) -> str:
        """:meth:`fingerprint_of` ``key_values``, taking ``known_fingerprint`` (that of
        ``known_key_values``) when both hold the same values of the same types, so the record
        read back after a write is not hashed a second time."""
        if _same_keys(key_values, known_key_values):
            return known_fingerprint
        return self.fingerprint_of(key_values)

    def crm_fingerprint(self, crm_values: dict) -> str:
        """A stable hash of the mapped CRM state; equals the remote fingerprint of an equal record."""
        return self.fingerprint_of(self.crm_key_values(crm_values))

    def remote_fingerprint(self, remote_values: dict) -> str:
        """A stable hash of the mapped remote state, in the same space as :meth:`crm_fingerprint`."""
        return self.fingerprint_of(self.remote_key_values(remote_values))

    def equal(self, crm_values: dict, remote_values: dict) -> bool:
        """Whether both sides hold the same mapped state."""
        return self.crm_key_values(crm_values) == self.remote_key_values(remote_values)

    def differences(self, crm_values: dict, remote_values: dict) -> list[str]:
        """The mapping entries (``crm>remote``) on which the two sides differ, for messages and tests."""
        return [c[0] for c, r in zip(self.crm_keys(crm_values), self.remote_keys(remote_values))
                if c != r]

    # -- describing -------------------------------------------------------------------------------

    def rows(self) -> list[dict[str, Any]]:
        """One row per entry, for display."""
        arrows = {"both": "<->", "to-remote": "->", "to-crm": "<-"}
        return [{"crm": e.crm, "direction": arrows[e.direction], "remote": ", ".join(e.remote),
                 "transform": e.transform.name,
                 "mandatory": ", ".join(side for side, hit in (
                     ("CRM", e.crm in self.module.mandatory_fields),
                     (self.connector.label,
                      any(r in self.connector.mandatory_fields for r in e.remote))) if hit)}
                for e in self.entries]

    def crm_label(self, name: str) -> str:
        """The label a person reads for the CRM field ``name`` (the name when unknown)."""
        return self._crm_label(name)

    def _crm_label(self, name: str) -> str:
        spec = self._crm_specs.get(name)
        return spec.label if spec else name


class _Plan:
    """What mapping and comparing records need of a mapping, worked out once.

    ``labels``: each entry's ``crm>remote`` label. ``crm_get``: each entry's CRM value at once;
    ``remote_sources``: each entry's first remote field. ``crm_keyed``/``remote_keyed``: the
    entries whose transform has its own key function (the others' key is ``normalise`` of that
    value). ``to_remote`` and ``to_crm``: the entries of each direction with their conversion
    (None: the plain normalised value). ``*_limits``: the fields with a ``max_length``; ``*_limited``: those
    that ``to_remote``/``to_crm`` write, as ``(name, max_length)`` in writing order.
    """

    def __init__(self, mapping: "FieldMapping", entries: list[Entry]) -> None:
        self.labels = [e.label for e in entries]
        # each entry's start in the fingerprint's JSON: '["label",' (see _digest_keys)
        self.heads = [f"[{_FINGERPRINT_JSON.encode(label)}," for label in self.labels]
        self.crm_sources = [e.crm for e in entries]
        self.remote_sources = [e.remote[0] for e in entries]
        self.crm_get = _getter(self.crm_sources)
        self.crm_keyed = [(i, e.crm, e.transform.key_from_crm) for i, e in enumerate(entries)
                          if not _inherited(e.transform.key_from_crm, Transform.key_from_crm)]
        self.remote_keyed = [(i, e.remote, e.transform.key_from_remote) for i, e in enumerate(entries)
                             if len(e.remote) != 1
                             or not _inherited(e.transform.key_from_remote, Transform.key_from_remote)]
        self.to_remote = [(e.crm, e.remote, None if len(e.remote) == 1 and _inherited(
            e.transform.to_remote, Transform.to_remote) else e.transform.to_remote)
            for e in entries if e.to_remote_side]
        remote_specs = mapping._remote_specs
        self.remote_mandatory = tuple(mapping.connector.mandatory_fields)
        self.remote_limits = {n: f.max_length for n, f in remote_specs.items() if f.max_length}
        self.crm_limits = {n: f.max_length for n, f in mapping._crm_specs.items() if f.max_length}
        self.to_crm = [
            (e, e.crm, e.remote,
             None if len(e.remote) == 1 and _inherited(e.transform.to_crm, Transform.to_crm)
             else e.transform.to_crm,
             # only an entry with an optional remote field that has a limit can be left out
             e.to_remote_side and any(r in self.remote_limits and r not in self.remote_mandatory
                                      for r in e.remote))
            for e in entries if e.to_crm_side]
        # the fields with a limit that to_remote and to_crm write, in the order they write them
        # (so the first too long is the same as in a walk over all the values)
        self.remote_limited = tuple((r, self.remote_limits[r]) for _, remote, _ in self.to_remote
                                    for r in remote if r in self.remote_limits)
        self.crm_limited = tuple((e.crm, self.crm_limits[e.crm]) for e in entries
                                 if e.to_crm_side and e.crm in self.crm_limits)


def _getter(names: list[str]) -> Callable[[dict], Any]:
    """``values[name]`` of every name at once (a tuple); KeyError when one is missing."""
    if len(names) > 1:
        return operator.itemgetter(*names)
    return lambda values: tuple(values[name] for name in names)


def _first_too_long(values: dict, limited: tuple[tuple[str, int], ...]) -> str | None:
    """:func:`_too_long_name` over only the fields that have a limit: ``limited`` is their
    ``(name, max_length)`` in the order ``values`` holds them (worked out once, see
    :class:`_Plan`); fields absent from ``values`` are passed over."""
    get = values.get
    for name, limit in limited:
        value = get(name)
        if value is not None and isinstance(value, str) and len(value) > limit:
            return name
    return None


_SCALARS = (str, int, bool, float, type(None))


def _same_keys(a: list | tuple, b: list | tuple) -> bool:
    """Whether two key lists have one JSON form: equal values of the very same types (1, 1.0
    and True are equal in Python but not in a fingerprint). Other types count as different."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        kind = x.__class__
        if kind is not y.__class__:
            return False
        if kind is list or kind is tuple:
            if not _same_keys(x, y):
                return False
        elif kind not in _SCALARS or x != y:
            return False
    return True


def _inherited(method: Callable, base: Callable) -> bool:
    """Whether the bound ``method`` is ``base`` itself (a transform that does not override it)."""
    return getattr(method, "__func__", None) is base


def _too_long_name(values: dict, specs: dict) -> str | None:
    """The first field whose value is longer than the field allows, or None."""
    for name, value in values.items():
        limit = specs[name].max_length
        if limit and isinstance(value, str) and len(value) > limit:
            return name
    return None


def _too_long(values: dict, specs: dict, label: Callable[[str], str], side: str) -> str | None:
    """The first value longer than its field allows, as a skip reason naming the CRM field."""
    name = _too_long_name(values, specs)
    if name is None:
        return None
    limit = specs[name].max_length
    return f"{_lower(label(name))} is {len(values[name])} characters; {side} allows {limit}"


# the fingerprint's JSON form; links store fingerprints, so it must never change (one encoder,
# made once: json.dumps with these options builds a new one per call)
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str,
                                     ensure_ascii=False, check_circular=False)


_encode_str = json.encoder.encode_basestring  # what that encoder writes a str with (C)


def _digest(keys: list[list[Any]]) -> str:
    return hashlib.sha256(_FINGERPRINT_JSON.encode(keys).encode("utf-8")).hexdigest()[:32]


_EMPTY_DIGEST = _digest([])


def _digest_keys(heads: list[str], key_values: list[Any]) -> str:
    """:func:`_digest` of ``[[label, key], ...]``, with each label's JSON made beforehand
    (``heads``) and str, None and bool keys written directly, as the encoder writes them; any
    other key goes through the encoder. The same text, so the same fingerprint."""
    parts = [head + (_encode_str(key) if key.__class__ is str else "null" if key is None
                     else _encode_key(key)) for head, key in zip(heads, key_values)]
    if not parts:
        return _EMPTY_DIGEST
    return hashlib.sha256(("[" + "],".join(parts) + "]]").encode("utf-8")).hexdigest()[:32]


def _encode_key(key: Any) -> str:
    """A key other than a str or None as the fingerprint's JSON writes it: a bool, or a list of
    plain ints (a birthday's ``[month, day]``) directly; anything else through the encoder."""
    kind = key.__class__
    if kind is bool:
        return "true" if key else "false"
    if kind is list and all(item.__class__ is int for item in key):
        return "[" + ",".join(map(int.__repr__, key)) + "]"  # as the encoder writes ints
    return _FINGERPRINT_JSON.encode(key)


def _refuse(problem: str, more: int = 0) -> None:
    extra = f" (and {more} more)" if more else ""
    raise ValidationError(f"The field mapping is invalid at {problem}{extra}",
                          "Fix that line of the mapping file, or go back to the default with "
                          "'crm sync mapping NAME --reset'.")
