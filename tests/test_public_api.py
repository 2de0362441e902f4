"""The bundled plugins reach the core only through its public API, as a third-party plugin would."""
from __future__ import annotations

import ast
from pathlib import Path

import crmcore.api

PLUGINS = Path(__file__).parents[1] / "plugins"
ALLOWED = {"crmcore", "crmcore.api"}


def _crmcore_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "crmcore":
            found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "crmcore"]
    return found


def test_bundled_plugins_import_only_the_public_api():
    sources = [p for p in PLUGINS.glob("*/crm_*/**/*.py")]
    assert len(sources) > 10
    offenders = [f"{p.relative_to(PLUGINS)}:{line} imports {module}"
                 for p in sources for line, module, _ in _crmcore_imports(p) if module not in ALLOWED]
    assert offenders == []


def test_what_plugins_import_from_the_api_exists_and_is_declared():
    for path in PLUGINS.glob("*/crm_*/**/*.py"):
        for line, module, names in _crmcore_imports(path):
            if module == "crmcore.api":
                missing = [n for n in names if n not in crmcore.api.__all__]
                assert missing == [], f"{path}:{line} uses undeclared {missing}"
    for name in crmcore.api.__all__:
        assert hasattr(crmcore.api, name), name
