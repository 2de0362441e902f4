"""The core names no connector: its code, messages, help texts and templates stay generic, so
any connector plugin reads as a first-class one (only ``crmcore/testing`` may name the bundled
one, for the fixtures it starts)."""
from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).parents[1] / "crmcore"
NAMES = re.compile(r"constant|carddav", re.IGNORECASE)


def test_the_core_names_no_connector():
    files = [p for p in CORE.rglob("*") if p.is_file() and p.suffix in {".py", ".html", ".txt",
                                                                        ".css", ".js", ".json"}
             and "testing" not in p.relative_to(CORE).parts[:1]]
    assert len(files) > 50
    hits = [f"{p.relative_to(CORE)}:{n}: {line.strip()}"
            for p in files for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if NAMES.search(line)]
    assert hits == []
