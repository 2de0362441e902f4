"""``crm init``: the database, the secret key and the first admin, in one idempotent step."""
from __future__ import annotations

from sqlmodel import select

from crmcore.app import CRM
from crmcore.errors import PermissionDenied, ValidationError
from crmcore.migrations import runner
from crmcore.migrations.status import require_current
from crmcore.models import Counter, KeyCheck, User
from crmcore.secrets import ensure_key_file
from crmcore.users import add_user

KEY_CHECK_PLAINTEXT = "crm-key-check"


def initialise(crm: CRM, admin: str) -> User:
    """Create what is missing; refuse a second, different first admin.

    A new database gets the core's schema by upgrading the core's lineage to head. An existing
    one must be current: an out-of-date schema raises
    :class:`crmcore.migrations.SchemaOutOfDate` (``crm db upgrade`` backs up and upgrades it).
    """
    ensure_key_file(crm.settings.key_file)
    if crm.is_initialised():
        require_current(crm)
    else:
        runner.upgrade_lineage(crm.engine, runner.core_lineage())
    with crm.session() as session:
        if session.get(Counter, "change") is None:
            session.add(Counter(name="change", value=0))
        check = session.exec(select(KeyCheck)).first()
        if check is None:
            session.add(KeyCheck(token=crm.vault.encrypt(KEY_CHECK_PLAINTEXT)))
        else:
            crm.vault.decrypt(check.token)  # a wrong key fails loudly here, not at first sign-in
        existing = session.exec(select(User).where(User.name == admin)).first()
        if existing is not None:
            if not existing.is_admin:
                raise ValidationError(f"{admin!r} exists and is not an admin.",
                                      "Pick another name for the first admin.")
            return existing
        first = session.exec(select(User).where(User.is_admin == True)).first()  # noqa: E712
        if first is not None:  # init makes the FIRST admin only; never a back door to another
            raise PermissionDenied(
                f"This CRM is already initialised (its first admin is {first.name!r}).",
                f"An admin adds another admin with 'crm users add {admin} --admin'.")
        return add_user(session, None, admin, is_admin=True)
