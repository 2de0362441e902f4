"""Extension manifests: data with defaults and mandatory keys, validated by JSON Schema.

Every command that opens the database reads the manifests, and loading the validator costs more
than the command's own work; a :class:`crmcore.startcache.DigestRecord` lets a manifest whose exact
content was found valid before skip the validation (:func:`parse_manifest`).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crmcore.errors import ValidationError
from crmcore.startcache import DigestRecord


@dataclass(frozen=True)
class Manifest:
    """An extension's manifest (the ``crm_extension_manifest`` hook), validated: name, version,
    summary, dependencies and category."""
    name: str
    version: str
    summary: str
    depends: tuple[str, ...] = ()
    category: str = "Uncategorized"
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


SCHEMA = "extension-manifest.schema.json"


def _is_json_data(value: Any) -> bool:
    """Whether ``value`` is made of JSON's own types only (dict with str keys, list, str, int,
    float, bool, None), so its canonical JSON text stands for it exactly."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return type(value) in (str, bool, int, float, type(None))
    if type(value) is list:
        return all(_is_json_data(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _is_json_data(v) for k, v in value.items())
    return False


def manifest_digest(raw: Any) -> str | None:
    """The digest of a manifest's content, its schema and its validator; None when ``raw`` is
    not plain JSON data (it is then always validated)."""
    salt = _salt()
    if salt is None or not _is_json_data(raw):
        return None
    text = json.dumps(raw, sort_keys=True, ensure_ascii=True, allow_nan=True)
    return hashlib.sha256(salt + text.encode("ascii")).hexdigest()


@lru_cache(maxsize=1)
def _salt() -> bytes | None:
    """What a manifest's validity depends on besides itself: the schema's text and the
    validator's version (None when the validator's version cannot be read)."""
    from importlib.metadata import PackageNotFoundError, version
    from importlib.resources import files

    try:
        validator = version("jsonschema")
    except PackageNotFoundError:
        return None
    schema = files("crmcore.schemas").joinpath(SCHEMA).read_bytes()
    return b"crm-manifest-1\0" + validator.encode() + b"\0" + hashlib.sha256(schema).digest()


def parse_manifest(raw: dict[str, Any] | Path | str, plugin_name: str,
                   validated: DigestRecord | None = None) -> Manifest:
    """Validate a manifest (dict or JSON file) and fill its defaults; errors name the plugin.
    With ``validated``, a content found valid before is not validated again, and a valid new one
    is recorded there. Raises :class:`ValidationError` for an unreadable or invalid manifest."""
    if isinstance(raw, (str, Path)):
        try:
            raw = json.loads(Path(raw).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValidationError(f"Plugin {plugin_name!r}: cannot read its manifest: {exc}",
                                  "Reinstall the plugin package.") from None
    digest = manifest_digest(raw) if validated is not None else None
    if digest is None or validated.get(digest) != "valid":
        _validate(raw, plugin_name)
        if digest is not None:
            validated.put(digest, "valid")
    known = {"name", "version", "summary", "depends", "category", "description"}
    return Manifest(
        name=raw["name"], version=raw["version"], summary=raw["summary"],
        depends=tuple(raw.get("depends", ())), category=raw.get("category", "Uncategorized"),
        description=raw.get("description", ""),
        extra={k: v for k, v in raw.items() if k not in known})


def _validate(raw: Any, plugin_name: str) -> None:
    from crmcore.schemas_loader import load_schema, problems

    found = problems(load_schema(SCHEMA), raw)
    if found:
        raise ValidationError(f"Plugin {plugin_name!r} has an invalid extension manifest at {found[0]}",
                              "The plugin's author must fix its manifest; uninstall the package "
                              "meanwhile or leave it out with CRM_PLUGINS.")
