"""The core's conformance suite against real CardDAV servers: Radicale and Xandikos."""
from __future__ import annotations

import uuid
from typing import Any

import requests
from sqlmodel import select

from crmcore.api import set_http_options
from crmcore.testing.conformance import RemoteHarness, Unsupported, connector_test_class
from crmcore.testing.fixtures import CrmEnv
from servers import MAX_BODY, requests_sender, running

from crm_carddav import session as carddav_session
from crm_carddav.dav import CardDav, path_of
from crm_carddav.vcard import new_card, read_card, write_card

class CardDavHarness(RemoteHarness):
    """A fresh address book on a running server; reads page by 5 cards so that paging shows."""

    kind = "radicale"
    page_size = 5

    def __enter__(self) -> "CardDavHarness":
        self.server = running(self.kind)
        self.book = self.server.new_book()
        self.dav = CardDav(requests_sender(requests.Session(), self.server.auth), self.book)
        self._page, carddav_session.PAGE = carddav_session.PAGE, self.page_size
        return self

    def __exit__(self, *exc: Any) -> None:
        carddav_session.PAGE = self._page

    def connect(self, env: CrmEnv) -> None:
        done = env.invoke(["sync", "configure", "carddav", "--url", self.book, "--username",
                           self.server.auth[0]], input=self.server.auth[1] + "\n")
        assert done.exit_code == 0, done.output
        tested = env.invoke(["sync", "test", "carddav"])
        assert tested.exit_code == 0, tested.output
        from crmcore.auth.models import Connection

        crm = env.crm()
        try:
            with crm.session() as s:
                connection_id = s.exec(select(Connection.id).where(Connection.connector == "carddav")).one()
            set_http_options(crm, connection_id, rate_per_second=None, max_retries=1, backoff_base=0.01)
        finally:
            crm.close()

    def break_credentials(self, env: CrmEnv) -> None:
        if self.kind == "xandikos":
            raise Unsupported("Xandikos has no authentication of its own (it expects a proxy)")
        done = env.invoke(["sync", "configure", "carddav", "--password", "-"], input="wrong\n")
        assert done.exit_code == 0, done.output

    def new_values(self, i: int) -> dict[str, Any]:
        return {"given_name": f"Given{i}", "family_name": f"Family{i}",
                "work_email": f"person{i}@example.com", "organization": "Acme"}

    def create(self, values: dict[str, Any]) -> str:
        href = f"{self.dav.url}{uuid.uuid4()}.vcf"
        self.dav.put(href, write_card(new_card(), values))
        return path_of(href, href)

    def update(self, remote_id: str, values: dict[str, Any]) -> None:
        [(href, etag, data)] = self.dav.multiget([remote_id])
        self.dav.put(remote_id, write_card(data, values), etag)

    def delete(self, remote_id: str) -> None:
        self.dav.delete(remote_id)

    def live(self) -> dict[str, dict[str, Any]]:
        return {h: read_card(d).values for h, e, d in self.dav.multiget(self.dav.etags()) if d}

    def refused_crm_values(self) -> dict[str, Any]:
        if self.kind == "xandikos":
            raise Unsupported("Xandikos takes any well-formed card the CRM's limits allow")
        return {"description": "x" * (MAX_BODY + 500)}  # within the CRM's 10,000; over Radicale's limit

    def invalidate_cursor(self, env: CrmEnv) -> None:
        """A sync token of the right shape the server never issued (as after a restore)."""
        from crmcore.sync.models import SyncCheckpoint

        crm = env.crm()
        try:
            with crm.session() as session:
                for point in session.exec(select(SyncCheckpoint)):
                    assert (point.remote_cursor or "").startswith("sync:"), point.remote_cursor
                    point.remote_cursor += "0"
                    session.add(point)
        finally:
            crm.close()


class XandikosHarness(CardDavHarness):
    kind = "xandikos"


TestCardDavOnRadicale = connector_test_class("carddav", plugins=("contacts", "carddav"),
                                             harness=CardDavHarness)
TestCardDavOnXandikos = connector_test_class("carddav", plugins=("contacts", "carddav"),
                                             harness=XandikosHarness)
