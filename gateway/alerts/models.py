"""The alerts table and its area codes.

One row per CAP message the gateway holds, draft or published. A published
row keeps the exact CAP bytes served to the world; the columns beside them
exist for queries. Messages of one Update/Cancel chain share ``chain_id``,
the id of the chain's first message.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.accounts.models import Organisation
from gateway.db import Base, UtcDateTime, utc_now


class AlertState(StrEnum):
    """Where a message is in its lifecycle."""

    DRAFT = "draft"
    PENDING = "pending"
    HELD = "held"
    REJECTED = "rejected"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Origin(StrEnum):
    STAFF = "staff"
    PARTNER = "partner"


PUBLISHED_STATES = (
    AlertState.PUBLISHED,
    AlertState.SUPERSEDED,
    AlertState.CANCELLED,
    AlertState.EXPIRED,
)


ALERT_ID_SHAPE = re.compile(r"[0-9a-f]{32}")


def new_alert_id() -> str:
    return uuid.uuid4().hex


def is_alert_id(text: str) -> bool:
    """Whether ``text`` has the shape of an alert id, so it is safe to look up."""
    return ALERT_ID_SHAPE.fullmatch(text) is not None


class AlertRecord(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("sender", "identifier", "sent", name="uq_alerts_message"),
        Index("ix_alerts_state_expires", "state", "expires"),
        Index("ix_alerts_created", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_alert_id)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    origin: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12))
    state_reason: Mapped[str | None] = mapped_column(Text)
    msg_type: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    scope: Mapped[str] = mapped_column(String(12))
    identifier: Mapped[str | None] = mapped_column(String(255))
    sender: Mapped[str | None] = mapped_column(String(255))
    sent: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires: Mapped[datetime | None] = mapped_column(UtcDateTime)
    headline: Mapped[str | None] = mapped_column(Text)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cap: Mapped[bytes | None] = mapped_column(LargeBinary)
    cap_references: Mapped[str | None] = mapped_column(Text)
    signer: Mapped[str | None] = mapped_column(String(95))
    chain_id: Mapped[str | None] = mapped_column(String(32), index=True)
    target_id: Mapped[str | None] = mapped_column(ForeignKey("alerts.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    area_codes: Mapped[list[AlertAreaCode]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class AlertAreaCode(Base):
    """One geocode of a message's areas, for filtering by area."""

    __tablename__ = "alert_area_codes"

    alert_id: Mapped[str] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    value_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
