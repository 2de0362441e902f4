"""The web Sync window's Test connection for a connector that is not OAuth (HTTP Basic, the fake
connector): it asks the service and records the state, as 'crm sync test' does."""
from __future__ import annotations

from crmcore import passwords
from crmcore.testing.fake import plugin
from crmcore.testing.fake.remote import FakeRemote
from crmcore.web import create_app

from web.webkit import ADMIN_PW, Web, post


def test_test_connection_asks_the_service_and_says_ready_or_what_to_do(make_crm_env):
    env = make_crm_env("contacts", "fake", extra=(plugin,))
    assert env.invoke(["extensions", "install", "fake", "-y"]).exit_code == 0
    crm = env.crm()
    try:
        with crm.session() as session:
            passwords.set_password(session, None, "admin", ADMIN_PW)
        web = Web(env, crm, create_app(crm, testing=True))
        with FakeRemote() as remote:
            done = env.invoke(["sync", "configure", "fake", "--url", remote.url, "--username",
                               remote.username], input=remote.password + "\n")
            assert done.exit_code == 0, done.output
            client = web.login("admin", ADMIN_PW)
            tested = post(client, "/sync/fake/test", follow_redirects=True)
            assert "Connected: the connection is ready" in tested.text
            assert remote.requests[-1] == "GET /ping"
            env.invoke(["sync", "configure", "fake", "--password", "-"], input="wrong\n")
            refused = post(client, "/sync/fake/test", follow_redirects=True)
            assert "refused the saved credentials" in refused.text and "wrong" not in refused.text
    finally:
        crm.close()
