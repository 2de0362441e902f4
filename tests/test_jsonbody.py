"""crmcore.jsonbody: orjson's speed, the standard library's answers where the two differ."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from crmcore.http import ApiResponse
from crmcore.jsonbody import decode_json_body, encode_json_body, json_text


@pytest.mark.parametrize("value", [
    {"a": 1, "b": [1.5, None, True, False], "c": {"é": "ü \u2028"}},
    {1: "number key", "x": ("a", "tuple")},
    "lone \ud83d surrogate",
    2 ** 70,
    [-(2 ** 63), 2 ** 64 - 1],
])
def test_what_is_written_reads_back_as_the_standard_library_reads_it(value):
    body = encode_json_body(value)
    assert isinstance(body, bytes) and b": " not in body and b", " not in body  # compact
    assert json.loads(body) == json.loads(json.dumps(value))
    assert decode_json_body(body) == json.loads(json.dumps(value))
    assert json_text(value) == body.decode("utf-8")


@dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [datetime(2026, 1, 1, tzinfo=timezone.utc), Point(1), object(),
                                   {(1, 2): "tuple key"}])
def test_what_the_standard_library_refuses_is_refused_with_its_type_error(value):
    with pytest.raises(TypeError) as standard:
        json.dumps(value)
    with pytest.raises(TypeError) as ours:
        encode_json_body(value)
    assert str(ours.value) == str(standard.value)


@pytest.mark.parametrize("document", [
    b'{"contacts":[{"first_name":"Ann \\ud83d"}]}',  # a lone surrogate escape
    b'\xef\xbb\xbf{"a":1}',  # a byte order mark
    '{"a":1}'.encode("utf-16"),
    b'{"n":NaN,"m":-Infinity}',
    b'{"id":123456789012345678901234567890,"small":[1,2]}',  # beyond 64 bits: not a float
    b'{"phone":"0123456789012345678901234"}',
    '{"text":"as str","n":18446744073709551615}',
])
def test_what_the_standard_library_reads_is_read_alike(document):
    expected = json.loads(document)
    got = decode_json_body(document)
    assert repr(got) == repr(expected)  # NaN != NaN: compared as written
    if not isinstance(document, str):
        assert repr(ApiResponse(200, {}, document).json()) == repr(expected)


def test_what_is_not_json_raises_a_value_error():
    for document in (b"not json", b"", b'{"a":', "{'a': 1}"):
        with pytest.raises(ValueError):
            decode_json_body(document)
