"""JSON bodies of HTTP requests and answers, and JSON columns, through orjson (a C library;
RFC 8259 JSON, UTF-8), with the standard library for what orjson does not take.

A sync of thousands of records sends and reads megabytes of JSON: the standard library's
encoder spent about 15 µs and its decoder about 10 µs per contact here, orjson about 1 and 4.
What :class:`crmcore.http.ApiClient` sends is :func:`encode_json_body`'s bytes, so a connector
that must keep a request under a size limit measures its parts with the same function.

Where orjson differs from :mod:`json`, the standard library decides, so nothing that was read
or written before is refused or read differently now: a document orjson refuses (a byte order
mark, UTF-16, ``NaN``, a lone surrogate such as ``"\\ud83d"``) or one with a run of 20 digits
or more (orjson reads an integer past 64 bits as a float, losing digits) is decoded by
:func:`json.loads`; a value orjson cannot write (a lone surrogate, an integer beyond 64 bits)
is written by :func:`json.dumps`; and what :func:`json.dumps` refuses (a datetime, a dataclass) is refused
here too, with its ``TypeError``. One difference is left: orjson writes a float ``NaN`` or
infinity as ``null`` where :func:`json.dumps` wrote ``NaN``, which JSON does not have.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["encode_json_body", "decode_json_body", "json_text"]

# {1: "a"} -> {"1":"a"} as the standard library writes it; a datetime or a dataclass goes to
# _refuse (TypeError), as the standard library has no way to write them either
_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)
# past 64 bits orjson reads an integer as a float: a document with a run of 20 digits or more
# goes to the standard library (found by mapping every digit to "0" and anything else to " ")
_DIGITS_ONLY = bytes(48 if 48 <= code <= 57 else 32 for code in range(256))
_LONG_RUN = b"0" * 20


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode_json_body(value: Any) -> bytes:
    """``value`` as compact JSON in UTF-8 (no spaces; non-ASCII characters as themselves):
    the exact bytes :class:`~crmcore.http.ApiClient` sends for a ``json=`` body. dict (str or
    number keys), list, tuple, str, int, float, bool, None. Raises ``TypeError`` for anything
    else (a datetime included), as :func:`json.dumps` does."""
    try:
        return orjson.dumps(value, default=_refuse, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:
        if isinstance(exc.__cause__, TypeError):  # raised by _refuse: not JSON at all
            raise exc.__cause__ from None
        # a lone surrogate, an integer beyond 64 bits: what the standard library writes
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def json_text(value: Any) -> str:
    """:func:`encode_json_body` as text: how the database's JSON columns store a value."""
    return encode_json_body(value).decode("utf-8")


def decode_json_body(data: bytes | str) -> Any:
    """A JSON document (UTF-8 bytes, or text) as Python values. Raises ``ValueError`` (a
    :class:`json.JSONDecodeError`) when it is not one."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _LONG_RUN in raw.translate(_DIGITS_ONLY):
        return json.loads(data)
    try:
        return orjson.loads(raw)  # the bytes already made for the check, not made again
    except orjson.JSONDecodeError:
        return json.loads(data)
