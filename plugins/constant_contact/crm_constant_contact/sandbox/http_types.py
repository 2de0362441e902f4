"""The request and response values passed between the HTTP transport and the handlers.

Keeping them plain lets tests and the in-process API drive handlers without a socket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    token: dict[str, Any] | None = None

    def header(self, name: str) -> str:
        """A header value, or "" when absent (header names are case-insensitive)."""
        value = self.headers.get(name)
        return value if value is not None else ""


@dataclass
class Response:
    """One HTTP response; ``body`` is sent as-is, ``content_type`` describes it."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # sent after ``headers``, repeats allowed (a proxy's second Date header, say)
    extra_headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with a compact body (benchmarks pay for every byte)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, "application/json", dict(headers or {}))


def empty_response(status: int = 204) -> Response:
    """A response without a body (DELETE answers 204)."""
    return Response(status, b"", "")


class ApiError(Exception):
    """Raised by handlers to answer with an error body; the pipeline turns it into a Response."""

    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {payload}")
        self.status = status
        self.payload = payload
        self.headers = headers or {}

    def response(self) -> Response:
        return json_response(self.status, self.payload, self.headers)


VALIDATION_KEY = "contacts.api.validation.error"


def error_array(status: int, key: str, *messages: str) -> ApiError:
    """The usual V3 error: an array of ``{"error_key", "error_message"}`` objects."""
    return ApiError(status, [{"error_key": key, "error_message": m} for m in messages])


def validation_error(messages: list[str]) -> ApiError:
    """400 with one error object per failed rule, as the V3 API reports validation."""
    return error_array(400, VALIDATION_KEY, *messages)


def unauthorized() -> ApiError:
    """401 is a single object, not an array, on the real service."""
    return ApiError(401, {"error_key": "unauthorized", "error_message": "Unauthorized"},
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def not_found(what: str) -> ApiError:
    return error_array(404, "not.found", f"{what} not found")
