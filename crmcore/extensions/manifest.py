"""Extension manifests: data with defaults and mandatory keys, validated by JSON Schema."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmcore.errors import ValidationError


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


def parse_manifest(raw: dict[str, Any] | Path | str, plugin_name: str) -> Manifest:
    """Validate a manifest (dict or JSON file) and fill its defaults; errors name the plugin."""
    from crmcore.schemas_loader import problems, load_schema

    if isinstance(raw, (str, Path)):
        try:
            raw = json.loads(Path(raw).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValidationError(f"Plugin {plugin_name!r}: cannot read its manifest: {exc}",
                                  "Reinstall the plugin package.") from None
    found = problems(load_schema("extension-manifest.schema.json"), raw)
    if found:
        raise ValidationError(f"Plugin {plugin_name!r} has an invalid extension manifest at {found[0]}",
                              "The plugin's author must fix its manifest; uninstall the package "
                              "meanwhile or leave it out with CRM_PLUGINS.")
    known = {"name", "version", "summary", "depends", "category", "description"}
    return Manifest(
        name=raw["name"], version=raw["version"], summary=raw["summary"],
        depends=tuple(raw.get("depends", ())), category=raw.get("category", "Uncategorized"),
        description=raw.get("description", ""),
        extra={k: v for k, v in raw.items() if k not in known})
