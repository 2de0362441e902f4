"""The JSON Schemas shipped in ``schemas/`` and one way to validate against them.

Errors name the JSON path of the problem, so a person can find it in their file. jsonschema is
imported by the first validation, not by importing this module.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

from crmcore.errors import ValidationError


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """A schema by file name, e.g. ``"extension-manifest.schema.json"``."""
    return json.loads(files("crmcore.schemas").joinpath(name).read_text(encoding="utf-8"))


def problems(schema: dict[str, Any], instance: Any) -> list[str]:
    """Every violation as ``"$.path: message"``, most relevant first."""
    from jsonschema import Draft202012Validator  # imported by the first validation only
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
    first = best_match(validator.iter_errors(instance))
    ordered = ([first] if first else []) + [e for e in errors if first is None or e is not first]
    return [f"{e.json_path}: {e.message}" for e in ordered]


def validate(schema: dict[str, Any] | str, instance: Any, what: str, hint: str) -> None:
    """Raise :class:`ValidationError` naming ``what`` and the first problem's JSON path."""
    if isinstance(schema, str):
        schema = load_schema(schema)
    found = problems(schema, instance)
    if found:
        extra = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ValidationError(f"{what} is invalid at {found[0]}{extra}", hint)
