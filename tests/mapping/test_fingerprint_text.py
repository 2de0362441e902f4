"""The fingerprint's fast path writes the very JSON text of the released formula, whatever the
keys hold (links store fingerprints: a different text would make every link look changed)."""
from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from crmcore.sync.mapping import _FINGERPRINT_JSON, _digest_keys

LABELS = ["first>first_name", "c>d,e", "é \"quoted\" \\ label", "z>z"]


def _released(keys) -> str:
    text = json.dumps(keys, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@pytest.mark.parametrize("keys", [
    ["Ada", None, 3, True], ["ü\u2028\x00\n\"", False, 2.5, float("nan")],
    [["a", 1], {"z": 1, "a": [None, "x"]}, "", date(2020, 1, 2)], [], ["only one"],
    [1.0, -0, 10**20, float("inf")]])
def test_fast_path_writes_the_released_text(keys):
    heads = [f"[{_FINGERPRINT_JSON.encode(label)}," for label in LABELS]
    assert _digest_keys(heads, keys) == _released([[label, key] for label, key in zip(LABELS, keys)])


@pytest.mark.parametrize("keys", [
    [[3, 4], [], None, "x"], [[0, -1, 10**30], [True, 1], [1.0, 2], [1, "a"]],
    [[None, 3], (1, 2), [[1, 2]], [12, 31]]])
def test_list_keys_written_directly_are_the_released_formulas(keys):
    """A birthday's ``[month, day]`` (a list of plain ints) is written without the encoder; lists
    with a bool, float, str or None in them, and tuples, still go through it: the same text."""
    heads = [f"[{_FINGERPRINT_JSON.encode(label)}," for label in LABELS]
    assert _digest_keys(heads, keys) == _released([[label, key] for label, key in zip(LABELS, keys)])
