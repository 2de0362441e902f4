"""Fixtures for the sandbox tests: a running sandbox, a token, an authorised session, schemas."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

PLUGIN_ROOT = Path(__file__).resolve().parents[2]
for path in (PLUGIN_ROOT, Path(__file__).resolve().parent):  # the plugin may not be installed
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from cc_sandbox_helpers import Api  # noqa: E402
from crm_constant_contact.sandbox import Sandbox  # noqa: E402

SCHEMA_DIR = PLUGIN_ROOT / "crm_constant_contact" / "schemas" / "api"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A running sandbox with rate limits off (tests of limits switch them on themselves)."""
    with Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True) as sandbox:
        yield sandbox
        assert sandbox.internal_errors == [], sandbox.internal_errors[0]


@pytest.fixture
def api(sb: Sandbox) -> Api:
    return Api(sb, sb.issue_token()["access_token"])


@pytest.fixture
def list_id(sb: Sandbox) -> str:
    return sb.create_list("Newsletter")


@pytest.fixture(scope="session")
def schema() -> Callable[[str], Any]:
    """``schema("contact")`` returns a validator that resolves references between the files."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    documents = {p.stem: json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json")}
    registry = Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc)) for doc in documents.values())

    def validator(name: str) -> Any:
        return Draft202012Validator(documents[name], registry=registry,
                                    format_checker=Draft202012Validator.FORMAT_CHECKER)
    return validator
