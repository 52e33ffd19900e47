"""The subscribers table and the area codes and drill groups of each subscriber.

One row per (channel, canonical address): the same person entered twice
collapses to one row, so to one delivery per channel. Area codes and drill
groups are rows of ``subscriber_tags`` so targeting finds them with an index.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UtcDateTime, utc_now


class TagKind(StrEnum):
    AREA = "area"
    GROUP = "group"


class Subscriber(Base):
    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_subscribers_address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(2000))
    push_keys: Mapped[dict[str, str] | None] = mapped_column(JSON)
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(35))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class SubscriberTag(Base):
    """An area code (matched against CAP geocodes) or a drill group."""

    __tablename__ = "subscriber_tags"
    __table_args__ = (Index("ix_subscriber_tags_value", "kind", "value"),)

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
