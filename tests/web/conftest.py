"""The ``web`` fixture (see :mod:`web.webkit`)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from crmcore import passwords
from crmcore.users import add_user, get_user
from crmcore.web import create_app

from web.webkit import ADMIN_PW, BOB_PW, Web


@pytest.fixture
def web(make_crm_env) -> Iterator[Web]:
    env = make_crm_env("contacts", "constant-contact")
    crm = env.crm()
    with crm.session() as session:
        admin = get_user(session, "admin")
        add_user(session, admin, "bob")
        passwords.set_password(session, None, "admin", ADMIN_PW)
        passwords.set_password(session, None, "bob", BOB_PW)
    app = create_app(crm, testing=True)
    try:
        yield Web(env, crm, app)
    finally:
        crm.close()
