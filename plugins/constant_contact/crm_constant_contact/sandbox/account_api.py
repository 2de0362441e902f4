"""``/v3/account/summary``: who the account is, so a client can tell one account from another.

Each sandbox is an account of its own: ``encoded_account_id`` is drawn when the sandbox is first
made and kept in its data file, so it stays the same across restarts and differs between two
sandboxes. The shape follows the V3 ``Customer`` definition (``GET /account/summary``, which
needs the ``account_read`` scope); ``extra_fields=physical_address`` adds the address.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from .http_types import Request, Response, json_response, validation_error

EXTRA_FIELDS = ("physical_address", "company_logo")
_ALPHABET = string.ascii_lowercase + string.digits


def new_account(seed_name: str = "Sandbox") -> dict[str, Any]:
    """A fresh account record with a random ``encoded_account_id`` (14 characters, like the API's)."""
    return {
        "encoded_account_id": "".join(secrets.choice(_ALPHABET) for _ in range(14)),
        "contact_email": "owner@sandbox.example",
        "contact_phone": "5555550100",
        "country_code": "US",
        "state_code": "MA",
        "first_name": "Sandbox",
        "last_name": "Owner",
        "organization_name": f"{seed_name} account",
        "organization_phone": "5555550100",
        "time_zone_id": "US/Eastern",
        "website": "https://sandbox.example",
        "physical_address": {"address_line1": "1 Main St", "city": "Boston", "state_code": "MA",
                             "postal_code": "02101", "country_code": "US"},
    }


class AccountApi:
    """The handler of ``GET /v3/account/summary``; runs with the sandbox lock held."""

    def __init__(self, account: dict[str, Any]) -> None:
        self.account = account

    def summary(self, req: Request) -> Response:
        wanted = [f.strip() for f in (req.query.get("extra_fields") or "").split(",") if f.strip()]
        unknown = [f for f in wanted if f not in EXTRA_FIELDS]
        if unknown:
            raise validation_error([f"extra_fields: {f!r} is not one of {', '.join(EXTRA_FIELDS)}"
                                    for f in unknown])
        body = {k: v for k, v in self.account.items() if k != "physical_address"}
        if "physical_address" in wanted:
            body["physical_address"] = dict(self.account["physical_address"])
        return json_response(200, body)
