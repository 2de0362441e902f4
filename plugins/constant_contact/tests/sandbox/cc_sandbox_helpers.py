"""Helpers shared by the sandbox tests (importable because conftest puts this folder on sys.path)."""

from __future__ import annotations

from typing import Any

import requests

from crm_constant_contact.sandbox import Sandbox


class Api:
    """A requests.Session bound to one sandbox and one access token."""

    def __init__(self, sb: Sandbox, access_token: str) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {access_token}"

    def url(self, path: str) -> str:
        return self.sb.base_url + path if path.startswith("/v3") else self.sb.api_url + path

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=10, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.post(self.url(path), json=body, timeout=30, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.put(self.url(path), json=body, timeout=10, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.session.delete(self.url(path), timeout=10, **kw)

    def poll(self, activity_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """Every activity status seen until it completes."""
        seen = []
        for _ in range(limit):
            status = self.get(f"/activities/{activity_id}").json()
            seen.append(status)
            if status["state"] == "completed":
                return seen
        raise AssertionError(f"activity {activity_id} did not complete: {seen[-1]}")


def contact_body(email: str | None = "ada@example.com", **extra: Any) -> dict[str, Any]:
    """A minimal valid POST /contacts body."""
    body: dict[str, Any] = {"create_source": "Account", "first_name": "Ada"}
    if email:
        body["email_address"] = {"address": email}
    body.update(extra)
    return body
