"""The Constant Contact connector's declaration: OAuth server, remote fields and limits, defaults."""
from __future__ import annotations

import copy
import json
import re
from datetime import date
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from crmcore.api import FieldSpec
from crmcore.api import Connector, ConnectorSession, HttpDefaults, OAuthServer

from crm_constant_contact import translate
from crm_constant_contact.consent import OptOutPermission

if TYPE_CHECKING:
    from crmcore.api import ApiClient

AUTHZ = "https://authz.constantcontact.com/oauth2/default/v1"
DEFAULT_LIST = "CRM contacts"
PERMISSIONS = ("explicit", "implicit", "not_set", "pending_confirmation", "temp_hold", "unsubscribed")
_ANNIVERSARY = [  # the layouts the API accepts, as (pattern, order of year/month/day groups)
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "mdy"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), "mdy"),
]


def _fields() -> list[FieldSpec]:
    out = [
        FieldSpec("email_address", "Email address", type="email", max_length=80, mandatory=True),
        FieldSpec("permission_to_send", "Permission to send"),
        FieldSpec("first_name", "First name", max_length=50),
        FieldSpec("last_name", "Last name", max_length=50),
        FieldSpec("job_title", "Job title", max_length=50),
        FieldSpec("company_name", "Company name", max_length=50),
    ]
    out += [FieldSpec(f"{kind}_phone", f"{kind.capitalize()} phone", max_length=25)
            for kind in translate.PHONE_KINDS]
    limits = {"street": 255, "city": 50, "state": 50, "postal_code": 50, "country": 50}
    for kind in translate.ADDRESS_KINDS:
        out += [FieldSpec(f"{kind}_{part}", f"{kind.capitalize()} {part.replace('_', ' ')}",
                          max_length=limit) for part, limit in limits.items()]
    out += [
        FieldSpec("birthday_month", "Birthday month", type="integer"),
        FieldSpec("birthday_day", "Birthday day", type="integer"),
        FieldSpec("anniversary", "Anniversary", max_length=10),
    ]
    return out


@lru_cache(maxsize=1)
def _default_mapping() -> dict[str, Any]:
    text = files("crm_constant_contact").joinpath("schemas/default-mapping.json").read_text("utf-8")
    return json.loads(text)


def anniversary_problem(value: str) -> str | None:
    for pattern, order in _ANNIVERSARY:
        found = pattern.match(value.strip())
        if found:
            parts = dict(zip(order, (int(g) for g in found.groups())))
            try:
                date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return f"anniversary {value!r} is not a real date"
            return None
    return (f"anniversary {value!r} is not in a layout Constant Contact accepts "
            "(YYYY-MM-DD, MM/DD/YYYY, M-D-YYYY ...)")


class ConstantContactConnector(Connector):
    """Contacts <-> Constant Contact V3 contacts, in the user's own account."""

    name = "constant-contact"
    label = "Constant Contact"
    module = "contacts"
    extension = "constant-contact"
    oauth = OAuthServer(
        authorize_url=f"{AUTHZ}/authorize", token_url=f"{AUTHZ}/token", revoke_url=f"{AUTHZ}/revoke",
        api_url="https://api.cc.email/v3", required_scopes=("contact_data",),
        default_scopes=("contact_data", "account_read", "offline_access"), offline_scope="offline_access")
    fields = _fields()
    email_field = "email_address"
    transforms = {"opt-out-permission": OptOutPermission()}
    consent_fields = ("permission_to_send",)  # Constant Contact owns consent
    # V3's published limit: 4 requests per second
    http_defaults = HttpDefaults(rate_per_second=4.0, timeout=30.0)
    # An import holds up to 40,000 contacts and 4 MB, which typical rows reach near 35,000; batches
    # of 20,000 cost about one more import per 100,000 changes and keep a 100k-per-side first
    # sync under 500 MB (382 MB peak with the sandbox in the same process; 40,000: 510 MB).
    write_batch_size = 20_000
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "target_list": {
                "type": "string", "minLength": 1, "maxLength": 255, "default": DEFAULT_LIST,
                "title": "Target list",
                "description": "The Constant Contact list that contacts created by the sync join "
                               "(created when missing): a contact on no list cannot be emailed.",
            },
        },
    }

    @property
    def default_mapping(self) -> dict[str, Any]:  # type: ignore[override]
        return copy.deepcopy(_default_mapping())

    def check_limits(self, values: dict[str, Any]) -> str | None:
        phones = [n for n in translate.PHONE_FIELDS if values.get(n) not in (None, "")]
        if len(phones) > translate.MAX_PHONES:
            return f"{len(phones)} phone numbers; Constant Contact allows {translate.MAX_PHONES}"
        month, day = values.get("birthday_month"), values.get("birthday_day")
        if (month in (None, "")) != (day in (None, "")):
            return "birthday needs both a month and a day in Constant Contact"
        if month not in (None, ""):
            try:
                month, day = int(month), int(day)
            except (TypeError, ValueError):
                return f"birthday {month}/{day} is not a month and a day"
            if not (1 <= month <= 12 and 1 <= day <= 31):
                return f"birthday {month}/{day} is not a month (1-12) and a day (1-31)"
        anniversary = values.get("anniversary")
        if anniversary not in (None, ""):
            problem = anniversary_problem(str(anniversary))
            if problem:
                return problem
        permission = values.get("permission_to_send")
        if permission is not None and permission not in PERMISSIONS:
            return f"permission to send {permission!r} is not one of {', '.join(PERMISSIONS)}"
        return None

    def is_quota_exhausted(self, status: int, body: Any) -> bool:
        return status == 429 and isinstance(body, dict) and body.get("error_key") == "quota_exceeded"

    def parse_error(self, status: int, body: bytes, headers: Any) -> str | None:
        """Constant Contact's ``error_message``(s) in an error answer (``translate.parse_error``)."""
        return translate.parse_error(status, body, headers)

    def open(self, api: "ApiClient", options: dict[str, Any]) -> ConnectorSession:
        from crm_constant_contact.session import ConstantContactSession

        return ConstantContactSession(api, target_list=(options or {}).get("target_list") or DEFAULT_LIST)
