"""Organisations and staff members: creating them, finding them, passwords."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.accounts.errors import DuplicateAccount, InvalidAccountData, UnknownAccount
from gateway.accounts.models import Organisation, Role, User
from gateway.accounts.passwords import (
    WeakPassword,
    dummy_check,
    hash_password,
    password_matches,
)
from gateway.alerts import audit
from gateway.db import utc_now

logger = logging.getLogger(__name__)

EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL_LENGTH = 320
MAX_NAME_LENGTH = 200
DEFAULT_OFFICE_NAME = "Emergency office"


def office(
    session: Session, name: str = DEFAULT_OFFICE_NAME, *, actor: str = "system"
) -> Organisation:
    """The office's own organisation, created on first use with ``name``."""
    found = session.scalars(select(Organisation).where(Organisation.is_office)).first()
    if found is not None:
        return found
    created = Organisation(name=name, is_office=True)
    session.add(created)
    session.flush()
    audit.record(
        session, "organisation.added", actor=actor, subject=f"org:{created.id}"
    )
    return created


def add_organisation(
    session: Session, name: str, *, actor: str, require_signature: bool = False
) -> Organisation:
    """Add a partner agency."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidAccountData(
            f"An organisation needs a name of 1 to {MAX_NAME_LENGTH} characters"
        )
    if find_organisation(session, name) is not None:
        raise DuplicateAccount(f"An organisation named '{name}' already exists")
    created = Organisation(name=name, require_signature=require_signature)
    session.add(created)
    session.flush()
    audit.record(
        session,
        "organisation.added",
        actor=actor,
        subject=f"org:{created.id}",
        details={"require_signature": require_signature},
    )
    return created


def find_organisation(session: Session, name: str) -> Organisation | None:
    return session.scalars(
        select(Organisation).where(Organisation.name == name)
    ).first()


def require_organisation(session: Session, name: str) -> Organisation:
    found = find_organisation(session, name)
    if found is None:
        known = ", ".join(session.scalars(select(Organisation.name))) or "none yet"
        raise UnknownAccount(
            f"No organisation is named '{name}' (known: {known}); "
            "add it with 'kentongan orgs add'"
        )
    return found


def add_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    *,
    actor: str,
    organisation: Organisation | None = None,
) -> User:
    """Add a staff member of ``organisation`` (the office by default)."""
    email = normalise_email(email)
    role = _require_role(role)
    if find_user(session, email) is not None:
        raise DuplicateAccount(f"A user with the address {email} already exists")
    try:
        password_hash = hash_password(password)
    except WeakPassword as exc:
        raise InvalidAccountData(str(exc)) from exc

    user = User(
        email=email,
        password_hash=password_hash,
        role=role,
        organisation=organisation or office(session, actor=actor),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.added",
        actor=actor,
        subject=f"user:{user.id}",
        details={"role": role, "organisation_id": user.organisation_id},
    )
    return user


def find_user(session: Session, email: str) -> User | None:
    wanted = email.strip().lower()
    return session.scalars(select(User).where(User.email == wanted)).first()


def require_user(session: Session, email: str) -> User:
    found = find_user(session, email)
    if found is None:
        raise UnknownAccount(
            f"No user has the address {email.strip().lower()}; "
            "add one with 'kentongan users add'"
        )
    return found


def authenticate_password(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (the failure is audited)."""
    user = find_user(session, email)
    if user is None:
        dummy_check(password)
    elif user.disabled_at is None and password_matches(user.password_hash, password):
        return user

    audit.record(
        session,
        "login.failed",
        actor="anonymous",
        subject=f"user:{user.id}" if user else "user:unknown",
        details={"method": "password"},
    )
    return None


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_SHAPE.fullmatch(email):
        raise InvalidAccountData(
            f"'{email}' is not an email address; write it as name@example.org"
        )
    return email


def _require_role(role: str) -> str:
    allowed = [str(known) for known in Role]
    if role not in allowed:
        raise InvalidAccountData(
            f"Role '{role}' is unknown; choose one of {', '.join(allowed)}"
        )
    return role


def change_role(session: Session, user: User, role: str, *, actor: str) -> User:
    """Give ``user`` another role; giving the same one changes nothing."""
    role = _require_role(role)
    if user.role == role:
        return user
    previous, user.role = user.role, role
    audit.record(
        session,
        "user.role_changed",
        actor=actor,
        subject=f"user:{user.id}",
        details={"role": role, "previous": previous},
    )
    return user


def set_disabled(session: Session, user: User, disabled: bool, *, actor: str) -> User:
    """Disable ``user`` (their sessions and tokens stop at once) or enable them."""
    if (user.disabled_at is not None) == disabled:
        return user
    user.disabled_at = utc_now() if disabled else None
    audit.record(
        session,
        "user.disabled" if disabled else "user.enabled",
        actor=actor,
        subject=f"user:{user.id}",
    )
    return user


def set_password(session: Session, user: User, password: str, *, actor: str) -> User:
    """A new password for ``user``; their console sessions end with the old one."""
    try:
        user.password_hash = hash_password(password)
    except WeakPassword as exc:
        raise InvalidAccountData(str(exc)) from exc
    audit.record(session, "user.password_set", actor=actor, subject=f"user:{user.id}")
    return user


def set_language(session: Session, user_id: int, language: str | None) -> None:
    """Remember the console language ``user_id`` chose (None: the default)."""
    user = session.get(User, user_id)
    if user is None:
        raise UnknownAccount(f"No user has the id {user_id}")
    user.language = language


def active_admin_ids(session: Session) -> list[int]:
    """The ids of the users who may administer the gateway now."""
    found = select(User.id).where(User.role == Role.ADMIN, User.disabled_at.is_(None))
    return list(session.scalars(found))
