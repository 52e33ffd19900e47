"""Tables of organisations, users and credentials (API tokens and keys)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, UtcDateTime, utc_now


class Role(StrEnum):
    """What a staff member may do: write, also approve, also administer."""

    AUTHOR = "author"
    APPROVER = "approver"
    ADMIN = "admin"


class KeyScope(StrEnum):
    """What a partner key may do with CAP messages."""

    SUBMIT = "submit"
    PUBLISH = "publish"
    READ = "read"


class CredentialKind(StrEnum):
    TOKEN = "token"
    KEY = "key"


class Organisation(Base):
    """The office itself, or a partner agency."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_office: Mapped[bool] = mapped_column(default=False)
    require_signature: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class User(Base):
    """A staff member who signs in with a password or a personal token."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The console's language for this person (``id`` or ``en``); None: default.
    language: Mapped[str | None] = mapped_column(String(8))

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class Credential(Base):
    """A personal API token of a user, or an API key of a partner organisation.

    ``lookup`` is the public part of the secret, used to find the row;
    ``secret_hash`` is the SHA-256 of the whole secret.
    """

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scope: Mapped[str | None] = mapped_column(String(20))
    allowed_senders: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User | None] = relationship(lazy="joined")

    @property
    def senders(self) -> tuple[str, ...]:
        """The CAP senders this key may use; empty means any."""
        return tuple((self.allowed_senders or "").split())
