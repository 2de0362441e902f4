"""JSON bodies of HTTP requests and answers, and JSON columns, through orjson (a C library;
RFC 8259 JSON, UTF-8).

A sync of thousands of records sends and reads megabytes of JSON: the standard library's
encoder spent about 15 µs and its decoder about 10 µs per contact here, orjson about 1 and 4.
What :class:`crmcore.http.ApiClient` sends is :func:`encode_json_body`'s bytes, so a connector
that must keep a request under a size limit measures its parts with the same function.
"""
from __future__ import annotations

from typing import Any

import orjson

__all__ = ["encode_json_body", "decode_json_body", "json_text"]

_OPTIONS = orjson.OPT_NON_STR_KEYS  # {1: "a"} -> {"1":"a"}, as the standard library writes it


def encode_json_body(value: Any) -> bytes:
    """``value`` as compact JSON in UTF-8 (no spaces; non-ASCII characters as themselves):
    the exact bytes :class:`~crmcore.http.ApiClient` sends for a ``json=`` body. dict, list,
    str, int (64-bit), float, bool, None, and also datetime, date and UUID (ISO-8601 text).
    Raises ``TypeError`` for anything else, as :func:`json.dumps` does."""
    return orjson.dumps(value, option=_OPTIONS)


def json_text(value: Any) -> str:
    """:func:`encode_json_body` as text: how the database's JSON columns store a value."""
    return orjson.dumps(value, option=_OPTIONS).decode("utf-8")


def decode_json_body(data: bytes | str) -> Any:
    """A JSON document (UTF-8 bytes, or text) as Python values. Raises ``ValueError``
    (:class:`orjson.JSONDecodeError`, a :class:`json.JSONDecodeError`) when it is not one."""
    return orjson.loads(data)
