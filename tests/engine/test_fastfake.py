"""The engine tests' connection runs without the client-side rate limit (CrmEnv.unthrottle),
as the connector skeleton's generated suite does for its local fake."""
from __future__ import annotations


def test_the_connection_is_saved_without_a_rate_limit_and_keeps_its_other_settings(fake_world):
    from crmcore.api import set_http_options
    from crmcore.auth.models import Connection
    from crmcore.sync.runner import HTTP_OPTION

    w = fake_world()
    set_http_options(w.crm, w.connection_id, max_retries=2, rate_per_second=4.0)

    def http_options():
        with w.crm.session() as session:
            return session.get(Connection, w.connection_id).options[HTTP_OPTION]

    assert http_options()["rate_per_second"] == 4.0
    assert w.env.unthrottle("fake") == 1
    assert http_options() == {"max_retries": 2, "rate_per_second": None}
    assert w.env.unthrottle("no-such-connector") == 0
