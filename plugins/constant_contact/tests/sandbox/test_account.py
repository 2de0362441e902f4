"""``GET /v3/account/summary``: each sandbox is an account of its own, kept across restarts."""

from __future__ import annotations

from cc_sandbox_helpers import Api
from crm_constant_contact.sandbox import Sandbox


def test_account_summary_names_the_account_and_needs_account_read(sb):
    api = Api(sb, sb.issue_token("contact_data account_read")["access_token"])
    response = api.get("/account/summary")
    assert response.status_code == 200
    body = response.json()
    assert body["encoded_account_id"] == sb.account_id and len(sb.account_id) == 14
    assert "physical_address" not in body and body["organization_name"]
    assert "physical_address" in api.get("/account/summary",
                                         params={"extra_fields": "physical_address"}).json()
    assert api.get("/account/summary", params={"extra_fields": "logo"}).status_code == 400
    without = Api(sb, sb.issue_token("contact_data offline_access")["access_token"])
    refused = without.get("/account/summary")
    assert refused.status_code == 403 and "account_read" in refused.text


def test_each_sandbox_is_another_account_and_keeps_its_id_across_restarts(tmp_path):
    data = tmp_path / "cc.json"
    with Sandbox(rate_limit_per_second=None, daily_limit=None, data_file=data) as first:
        kept = first.account_id
    with Sandbox(rate_limit_per_second=None, daily_limit=None) as other:
        assert other.account_id != kept
    with Sandbox(rate_limit_per_second=None, daily_limit=None, data_file=data) as again:
        api = Api(again, again.issue_token("contact_data account_read")["access_token"])
        assert api.get("/account/summary").json()["encoded_account_id"] == kept
