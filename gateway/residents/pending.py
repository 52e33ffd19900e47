"""Residents' own subscription requests, waiting for confirmation (double opt-in).

A request holds only what the subscription will need (address, language,
place) until the resident proves the address is theirs: with a 6-digit code
sent by SMS, or a link sent by email. Only then is the ``subscribers`` row
created or updated (verified, opt-out cleared, language and place replaced),
with an audit row naming ids. Codes and link tokens are never stored, only
their HMAC under the app's secret key. A code request dies after
``MAX_WRONG_CODES`` wrong codes; every request dies when it expires, and
``purge_expired`` deletes what has expired.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Float, Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.db import Base, UtcDateTime
from gateway.residents.changes import Changes
from gateway.residents.errors import DuplicateSubscriber
from gateway.residents.models import Subscriber
from gateway.residents.subscriptions import (
    add_subscriber,
    change_subscriber,
    find_subscriber,
)

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=15)
LINK_LIFETIME = timedelta(hours=24)
MAX_WRONG_CODES = 5
CODE_DIGITS = 6
ACTOR = "resident"
SALT = b"kentongan-pending:"


class PendingSubscription(Base):
    """One request waiting for its code or link; deleted once used or expired."""

    __tablename__ = "pending_subscriptions"
    __table_args__ = (
        Index("ix_pending_subscriptions_address", "channel", "address"),
        Index("ix_pending_subscriptions_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(2000))
    language: Mapped[str | None] = mapped_column(String(35))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    areas: Mapped[str | None] = mapped_column(String(1000))
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a resident asked for, already checked and in canonical form."""

    channel: str
    address: str
    language: str
    lat: float | None = None
    lon: float | None = None
    areas: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Opened:
    """A stored request and the secret to send: a code by SMS, a link token by
    email. The secret exists only here, never in the database."""

    pending_id: int
    ticket: str
    secret: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CodeOutcome:
    """What a typed code did: confirmed a subscriber, or was wrong (with the
    tries left), or found no live request (expired, used or never made)."""

    subscriber_id: int | None = None
    tries_left: int = 0

    @property
    def is_gone(self) -> bool:
        return self.subscriber_id is None and self.tries_left == 0


def open_request(
    session: Session, wanted: Wanted, *, secret_key: str, now: datetime
) -> Opened:
    """Store a request, replacing any earlier one for the same address."""
    session.execute(
        delete(PendingSubscription).where(
            PendingSubscription.channel == wanted.channel,
            PendingSubscription.address == wanted.address,
        )
    )
    ticket = secrets.token_urlsafe(16)
    if wanted.channel == "sms":
        secret = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        digest, lifetime = code_digest(secret_key, ticket, secret), CODE_LIFETIME
    else:
        secret = secrets.token_urlsafe(24)
        digest, lifetime = link_digest(secret_key, secret), LINK_LIFETIME

    pending = PendingSubscription(
        ticket=ticket,
        channel=wanted.channel,
        address=wanted.address,
        language=wanted.language,
        lat=wanted.lat,
        lon=wanted.lon,
        areas=" ".join(wanted.areas) or None,
        secret_digest=digest,
        wrong_codes=0,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(pending)
    session.flush()
    logger.info(
        "subscription requested pending_id=%s channel=%s", pending.id, pending.channel
    )
    return Opened(pending.id, ticket, secret, pending.expires_at)


def drop_request(session: Session, pending_id: int) -> None:
    """Forget a request whose message could not be sent."""
    session.execute(
        delete(PendingSubscription).where(PendingSubscription.id == pending_id)
    )


def confirm_code(
    session: Session, ticket: str, code: str, *, secret_key: str, now: datetime
) -> CodeOutcome:
    """Check a typed SMS code; the right one confirms, five wrong ones end it."""
    pending = _live(
        session,
        PendingSubscription.ticket == ticket,
        PendingSubscription.channel == "sms",
        now=now,
    )
    if pending is None:
        return CodeOutcome()
    expected = code_digest(secret_key, ticket, code)
    if hmac.compare_digest(pending.secret_digest, expected):
        return CodeOutcome(subscriber_id=confirm(session, pending))

    pending.wrong_codes += 1
    tries_left = MAX_WRONG_CODES - pending.wrong_codes
    logger.info(
        "subscription code wrong pending_id=%s tries_left=%s", pending.id, tries_left
    )
    if tries_left <= 0:
        session.delete(pending)
    session.flush()
    return CodeOutcome(tries_left=max(tries_left, 0))


def find_link(
    session: Session, token: str, *, secret_key: str, now: datetime
) -> PendingSubscription | None:
    """The live email request a link token opens, or None."""
    return _live(
        session,
        PendingSubscription.secret_digest == link_digest(secret_key, token),
        PendingSubscription.channel != "sms",
        now=now,
    )


def confirm(session: Session, pending: PendingSubscription) -> int:
    """Create or update the subscriber the request describes; its id."""
    changes = Changes(
        columns={
            "language": pending.language,
            "lat": pending.lat,
            "lon": pending.lon,
            "verified": True,
        },
        areas=tuple((pending.areas or "").split()),
        opted_out=False,
    )
    existing = _subscriber_id(session, pending.channel, pending.address)
    if existing is None:
        try:
            created = add_subscriber(
                session, _with_address(changes, pending), actor=ACTOR
            )
            existing = created.subscriber.id
        except DuplicateSubscriber as taken:
            existing = taken.existing_id
            _update(session, existing, changes)
    else:
        _update(session, existing, changes)

    logger.info(
        "subscription confirmed pending_id=%s subscriber_id=%s channel=%s",
        pending.id,
        existing,
        pending.channel,
    )
    session.delete(pending)
    session.flush()
    return existing


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete every request that has expired; how many there were."""
    result = session.execute(
        delete(PendingSubscription).where(PendingSubscription.expires_at <= now)
    )
    purged = int(getattr(result, "rowcount", 0) or 0)
    if purged:
        logger.info("expired subscription requests purged count=%s", purged)
    return purged


def code_digest(secret_key: str, ticket: str, code: str) -> str:
    return _digest(secret_key, f"code:{ticket}:{code}")


def link_digest(secret_key: str, token: str) -> str:
    return _digest(secret_key, f"link:{token}")


def _digest(secret_key: str, text: str) -> str:
    mac = hmac.new(secret_key.encode(), SALT + text.encode(), hashlib.sha256)
    return mac.hexdigest()


def _live(
    session: Session, *conditions: object, now: datetime
) -> PendingSubscription | None:
    query = (
        select(PendingSubscription)
        .where(*conditions, PendingSubscription.expires_at > now)  # type: ignore[arg-type]
        .with_for_update()
    )
    found: PendingSubscription | None = session.scalars(query).first()
    return found


def _subscriber_id(session: Session, channel: str, address: str) -> int | None:
    found: int | None = session.scalar(
        select(Subscriber.id).where(
            Subscriber.channel == channel, Subscriber.address == address
        )
    )
    return found


def _with_address(changes: Changes, pending: PendingSubscription) -> Changes:
    columns = {"channel": pending.channel, "address": pending.address}
    return Changes(
        columns={**columns, **changes.columns},
        areas=changes.areas,
        opted_out=changes.opted_out,
    )


def _update(session: Session, subscriber_id: int, changes: Changes) -> None:
    subscriber = find_subscriber(session, subscriber_id, for_update=True)
    change_subscriber(session, subscriber, changes, actor=ACTOR)
