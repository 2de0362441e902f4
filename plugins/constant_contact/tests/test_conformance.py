"""The Constant Contact connector passes the conformance suite against its sandbox (a fresh
sandbox per test, signed in through the real OAuth flow, auto-approved; pages of 5 so that
reads page). Its service-specific tests (bulk imports, 409s, the sandbox itself) stay in
connector/, sync/ and sandbox/ beside this file."""
from __future__ import annotations

from typing import Any

from crm_constant_contact import session as cc_session
from crm_constant_contact import translate
from crm_constant_contact.answers import contact_page
from crm_constant_contact.rehearsal import connect_to_sandbox
from crm_constant_contact.sandbox import Sandbox
from crmcore.testing.conformance import RemoteHarness, connector_test_class
from crmcore.testing.fixtures import CrmEnv

UNSUBSCRIBED = "unsubscribed"


class ConstantContactHarness(RemoteHarness):
    page_size = 5

    def __init__(self) -> None:
        self.sandbox = Sandbox(rate_limit_per_second=None, daily_limit=None, auto_approve=True)

    def __enter__(self) -> "ConstantContactHarness":
        self._page_size, cc_session.PAGE_SIZE = cc_session.PAGE_SIZE, self.page_size
        self.sandbox.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.sandbox.stop()
        cc_session.PAGE_SIZE = self._page_size

    def connect(self, env: CrmEnv) -> None:
        from crmcore.api import get_user

        crm = env.crm()
        try:
            with crm.session() as s:
                user = get_user(s, "admin")
            connect_to_sandbox(crm, user, self.sandbox, backoff_base=0.001, backoff_max=0.01)
        finally:
            crm.close()

    def break_credentials(self, env: CrmEnv) -> None:
        self.sandbox._revoke_refresh_tokens()  # as revoking the app's access in the account does
        self.sandbox._expire_access_tokens()

    def new_values(self, i: int) -> dict[str, Any]:
        return {"email_address": f"person{i}@example.com", "first_name": f"Given{i}",
                "last_name": f"Family{i}", "company_name": "Acme", "permission_to_send": "implicit"}

    def _v3(self, values: dict[str, Any]) -> dict[str, Any]:
        body = translate.body(values)
        if values.get("permission_to_send"):
            body["email_address"]["permission_to_send"] = values["permission_to_send"]
        return body

    def create(self, values: dict[str, Any]) -> str:
        return self.sandbox.seed_contacts([self._v3(values)])[0]

    def update(self, remote_id: str, values: dict[str, Any]) -> None:
        current = self.live()[remote_id]
        body = translate.body({**current, **values})
        body.pop("email_address", None) if "email_address" not in values else None
        self.sandbox.update_contact(remote_id, body)

    def delete(self, remote_id: str) -> None:
        self.sandbox.delete_contact(remote_id)

    def live(self) -> dict[str, dict[str, Any]]:
        found = contact_page({"contacts": self.sandbox.contacts(include_deleted=False)})
        return {r.remote_id: r.values for r in found}

    def refused_crm_values(self) -> dict[str, Any]:
        return {"email": "a" * 60 + "@" + "b" * 16 + ".com"}  # 81 characters; the API allows 80

    def withdraw_consent(self, remote_id: str) -> None:
        email = self.live()[remote_id]["email_address"]
        self.sandbox.update_contact(remote_id, {"email_address": {
            "address": email, "permission_to_send": UNSUBSCRIBED}})

    def consent_withdrawn(self, values: dict[str, Any]) -> bool:
        return values.get("permission_to_send") == UNSUBSCRIBED


TestConstantContact = connector_test_class("constant-contact",
                                           plugins=("contacts", "constant-contact"),
                                           harness=ConstantContactHarness)
