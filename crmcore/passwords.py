"""Passwords for the web sign-in: argon2id hashes and a per-account back-off against guessing.

Hashing uses argon2-cffi's :class:`PasswordHasher` (argon2id, RFC 9106 parameters). A user with
no password cannot sign in to the web. After ``FREE_FAILURES`` wrong passwords in a row, each
further failure locks the account for a doubling delay (2 s, 4 s, ... at most ``MAX_LOCK``);
while locked, sign-ins are refused without checking the password. A success clears the count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import update
from sqlmodel import Session, select

from crmcore.errors import CrmError, PermissionDenied, ValidationError
from crmcore.models import User, utcnow
from crmcore.users import get_user, require_admin

MIN_LENGTH = 8
MAX_LENGTH = 1024
FREE_FAILURES = 5
MAX_LOCK = timedelta(minutes=15)

_hasher = PasswordHasher()
# verified against when the user name is unknown, so both answers take as long
_DUMMY_HASH = _hasher.hash("not a real password, only for equal timing")


class LoginThrottled(CrmError):
    """Too many wrong passwords in a row for one account: wait before trying again."""

    exit_code = 6


class LoginFailed(CrmError):
    """Wrong user name or password (which one is never said)."""

    exit_code = 6


def check_strength(password: str) -> None:
    """Refuse a password shorter than ``MIN_LENGTH`` characters (or absurdly long)."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"The password is too short: use at least {MIN_LENGTH} characters.",
                              "Choose a longer password (a few unrelated words work well).")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"The password is too long (at most {MAX_LENGTH} characters).",
                              "Choose a shorter password.")


def set_password(session: Session, actor: User | None, name: str, password: str) -> User:
    """Set ``name``'s password. A user sets their own; only an admin sets another's
    (``actor`` None: the local set-up at ``crm init``). Clears the back-off state."""
    user = get_user(session, name)
    if actor is not None and actor.id != user.id:
        require_admin(actor, "set another user's password")
    check_strength(password)
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    session.flush()
    return user


def _lock_for(failures: int) -> timedelta:
    over = failures - FREE_FAILURES
    if over < 0:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(over + 1, 20)), MAX_LOCK)


@dataclass(frozen=True)
class LoginResult:
    """Who a successful web login is: id, name, admin flag, and ``stamp`` (changes with the
    password, so older sessions stop being valid)."""
    user_id: int
    name: str
    is_admin: bool
    stamp: str  # changes when the password changes: sessions made before become invalid


def stamp_of(user: User) -> str:
    """A short tag of the current password hash (its last 16 characters of salt+hash)."""
    return (user.password_hash or "")[-16:]


def authenticate(session: Session, name: str, password: str) -> LoginResult:
    """Check a sign-in; raises :class:`LoginFailed` (unknown user, no password, wrong password)
    or :class:`LoginThrottled` (the account is backed off; says for how long)."""
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None or not user.password_hash:
        try:
            _hasher.verify(_DUMMY_HASH, password or "-")
        except VerificationError:
            pass
        raise LoginFailed("Wrong user name or password.",
                          "Try again; an admin sets passwords with 'crm users set-password NAME'.")
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        raise LoginThrottled(f"Too many wrong passwords for this account: sign-in is paused for "
                             f"{wait} more second{'s' if wait != 1 else ''}.",
                             "Wait, then try again; an admin can reset the password with "
                             "'crm users set-password NAME'.")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        # one atomic increment, so parallel guesses all count; committed before raising
        session.execute(update(User).where(User.id == user.id)
                        .values(failed_logins=User.failed_logins + 1))
        session.refresh(user)
        lock = _lock_for(user.failed_logins)
        user.locked_until = now + lock if lock else None
        session.add(user)
        session.commit()
        raise LoginFailed("Wrong user name or password.",
                          "Try again; an admin sets passwords with 'crm users set-password NAME'.")
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.add(user)
    return LoginResult(user.id, user.name, user.is_admin, stamp_of(user))


def session_user(session: Session, user_id: int, stamp: str) -> User:
    """The signed-in user of a web session, if the account and its password are unchanged."""
    user = session.get(User, user_id)
    if user is None or not user.password_hash or stamp_of(user) != stamp:
        raise PermissionDenied("Your session has ended.", "Sign in again.")
    return user
