"""The hook contract stays honest: every hook documented, typed, and tested by name."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from crmcore import hookspecs

HOOKS = sorted(name for name, fn in vars(hookspecs).items()
               if name.startswith("crm_") and callable(fn))
TEST_ROOTS = [Path(__file__).parent, *Path(__file__).parents[1].glob("plugins/*/tests")]


def _test_names() -> set[str]:
    names: set[str] = set()
    for root in TEST_ROOTS:
        for path in root.rglob("test_*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names.update(node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef))
    return names


def test_there_are_hooks_in_each_family():
    source = inspect.getsource(hookspecs)
    for family in ("Module hooks", "Extension-store hooks", "Sync-connector hooks"):
        assert family in source
    assert len(HOOKS) >= 6


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_documented(name):
    fn = getattr(hookspecs, name)
    doc = inspect.getdoc(fn) or ""
    assert len(doc.splitlines()[0]) > 10, f"{name} needs a one-line summary"
    assert "Called" in doc, f"{name} must say when it is called"
    assert "Return value:" in doc, f"{name} must say what its return value means"
    for param in inspect.signature(fn).parameters:
        assert f":param {param}:" in doc, f"{name} must document its parameter {param!r}"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_typed(name):
    sig = inspect.signature(getattr(hookspecs, name))
    assert sig.return_annotation is not inspect.Signature.empty
    for param in sig.parameters.values():
        assert param.annotation is not inspect.Parameter.empty, f"{name}({param.name}) lacks a type"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test_named_for_it(name):
    assert f"test_hook_{name}" in _test_names(), f"write a test named test_hook_{name}"
