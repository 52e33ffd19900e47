"""The deliveries table: one row per (alert message, subscriber, channel),
written before any provider is called, carrying the delivery to its end; and
the fan-outs table, one row per message whose deliveries were planned."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UtcDateTime, utc_now


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


FINAL_STATUSES = (
    DeliveryStatus.DELIVERED,
    DeliveryStatus.FAILED,
    DeliveryStatus.CANCELLED,
    DeliveryStatus.EXPIRED,
)
REACHED_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(
            "alert_id", "subscriber_id", "channel", name="uq_deliveries_recipient"
        ),
        Index("ix_deliveries_work", "alert_id", "channel", "status", "due_at"),
        Index("ix_deliveries_lease", "status", "lease_until"),
    )

    # SQLite numbers rows itself only for INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"))
    chain_id: Mapped[str] = mapped_column(String(32), index=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"))
    channel: Mapped[str] = mapped_column(String(10))
    info_index: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default=str(DeliveryStatus.QUEUED))
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider_reference: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Fanout(Base):
    """Marks a published message as planned, in the transaction that wrote its
    delivery rows, so a crash before planning is found and planned again."""

    __tablename__ = "fanouts"

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    deliveries: Mapped[int] = mapped_column(default=0)
