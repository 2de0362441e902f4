"""Users, the acting user, and the admin check every admin-only service calls."""
from __future__ import annotations

import os
import re

from sqlmodel import Session, select

from crmcore.errors import NotFound, PermissionDenied, ValidationError
from crmcore.models import User

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def require_admin(user: User, action: str) -> None:
    """Refuse ``action`` unless ``user`` is an admin; the message names what is needed."""
    if not user.is_admin:
        raise PermissionDenied(
            f"Only an admin can {action}; {user.name!r} is not an admin.",
            "Ask an admin to do it, or run the command as an admin with --as NAME.")


def get_user(session: Session, name: str) -> User:
    """The user called ``name``. Raises :class:`NotFound` (naming 'crm users list') when there is
    none."""
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(f"No user named {name!r}.", "See 'crm users list'; an admin adds users with "
                       "'crm users add NAME'.")
    return user


def acting_user(session: Session, name: str | None = None) -> User:
    """The user a command acts as: ``name``, else ``CRM_USER``, else the first admin."""
    name = name or os.environ.get("CRM_USER")
    if name:
        return get_user(session, name)
    user = session.exec(select(User).where(User.is_admin == True).order_by(User.id)).first()  # noqa: E712
    if user is None:
        raise NotFound("This CRM has no admin.", "Run 'crm init --admin NAME'.")
    return user


def add_user(session: Session, actor: User | None, name: str, is_admin: bool = False) -> User:
    """Add a user; only an admin may (``actor`` None only for the first admin at init)."""
    if actor is not None:
        require_admin(actor, "add users")
    if not NAME_RE.match(name):
        raise ValidationError(f"{name!r} is not a valid user name.",
                              "Use 1-64 letters, digits, '.', '_', '-' or '@', starting with a "
                              "letter or digit.")
    if session.exec(select(User).where(User.name == name)).first() is not None:
        raise ValidationError(f"A user named {name!r} already exists.", "Pick another name.")
    user = User(name=name, is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    """Every user, oldest first."""
    return list(session.exec(select(User).order_by(User.id)))
