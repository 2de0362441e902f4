"""The ``crm_register_web_pages`` hook: a plugin's Blueprint served behind the core's sign-in."""
from __future__ import annotations

import pytest
from flask import Blueprint

from crmcore import hookimpl, passwords
from crmcore.app import CRM
from crmcore.plugins import PluginError, PluginHost
from crmcore.web import create_app

from web.webkit import login, post


class PagesPlugin:
    """A plugin with one page, one form and a menu entry; its records are "notes"."""

    def __init__(self, name: str = "notes") -> None:
        self.bp = Blueprint(name, __name__, url_prefix=f"/{name}")

        @self.bp.route("")
        def index():
            from crmcore.api import web_user

            return f"notes of {web_user().name}"

        @self.bp.route("/<int:record_id>")
        def show(record_id: int):
            return f"note {record_id}"

        @self.bp.route("", methods=["POST"])
        def add():
            return "added"

    @hookimpl
    def crm_register_web_pages(self, register):
        register(self.bp, menu="Notes", module="notes")


def test_hook_crm_register_web_pages(make_crm_env):
    env = make_crm_env(extra=[PagesPlugin()])
    crm = env.crm()
    with crm.session() as session:
        passwords.set_password(session, None, "admin", "admin-password")
    app = create_app(crm, testing=True)
    client = app.test_client()
    assert client.get("/notes").location.startswith("/login?next=/notes")  # behind the sign-in
    assert login(client, "admin", "admin-password").status_code == 302
    assert client.get("/notes").text == "notes of admin"
    assert '<a href="/notes">Notes</a>' in client.get("/sync").text  # in the menu
    assert client.post("/notes").status_code == 400  # CSRF protects plugin forms too
    assert post(client, "/notes").text == "added"
    with app.test_request_context():
        from crmcore.web.sync_log_views import record_url

        assert record_url("notes", 7) == "/notes/7"  # where the Sync Log links its records
        assert record_url("other", 7) is None
    crm.close()

    clash = CRM(crm.settings, plugins=PluginHost(plugins=[PagesPlugin(), PagesPlugin()], only=set()))
    with pytest.raises(PluginError, match="Web pages 'notes' are registered by both"):
        create_app(clash)
    clash.close()
