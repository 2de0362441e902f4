"""Where the connector contract used to live; it is :mod:`crmcore.contract` now (kept for old
imports: plugins import from :mod:`crmcore.api`)."""
from __future__ import annotations

from crmcore.contract.auth import OAuthServer  # noqa: F401
from crmcore.contract.connector import Connector, ConnectorInfo, ConnectorSession  # noqa: F401
from crmcore.contract.records import (RemotePage, RemoteRecord, RemoteValues,  # noqa: F401
                                      RemoteWrite, WriteOutcome)
