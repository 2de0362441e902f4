"""A minimal connector for the core's OAuth tests, served by any OAuth server at ``CRM_DEMO_SERVER``.

It declares only what a connector declares for OAuth (its server, scopes and quota rule), so the
tests prove the core's generic parts work for any connector. Exposed as the ``demo`` entry point
by the ``crm_demo_connector-1.0.dist-info`` beside it when this folder is on ``sys.path``.
"""
from __future__ import annotations

import os
from typing import Any

from crmcore.hookspecs import hookimpl
from crmcore.sync.connector import Connector, OAuthServer

EXTENSION = "demo-sync"


class DemoConnector(Connector):
    name = "demo"
    label = "Demo Service"
    module = "contacts"
    extension = EXTENSION
    fields: list = []
    email_field = "email"
    default_mapping: dict[str, Any] = {}

    def __init__(self, server: str) -> None:
        base = server.rstrip("/")
        self.oauth = OAuthServer(
            authorize_url=f"{base}/oauth2/default/v1/authorize",
            token_url=f"{base}/oauth2/default/v1/token",
            revoke_url=f"{base}/oauth2/default/v1/revoke",
            api_url=f"{base}/v3",
            required_scopes=("contact_data",),
            default_scopes=("contact_data",),
            offline_scope="offline_access",
        )

    def is_quota_exhausted(self, status: int, body: Any) -> bool:
        return status == 429 and isinstance(body, dict) and body.get("error_key") == "quota_exceeded"

    def open(self, api, options):  # pragma: no cover - the OAuth tests never sync
        raise NotImplementedError


@hookimpl
def crm_register_connectors(register) -> None:
    register(DemoConnector(os.environ.get("CRM_DEMO_SERVER", "https://demo.invalid")))


@hookimpl
def crm_extension_manifest() -> dict[str, Any]:
    return {"name": EXTENSION, "version": "1.0", "summary": "Demo connector for the OAuth tests",
            "category": "Testing"}
