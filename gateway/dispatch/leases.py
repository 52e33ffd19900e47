"""Claiming delivery rows with a lease, renewing it, and sweeping rows whose
lease ran out, so a killed worker loses nothing.

A claim moves rows from queued to sending with ``lease_until`` set, in one
transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on
SQLite), before any provider is called. ``outcomes`` records what happened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from gateway.db import utc_now
from gateway.dispatch.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this worker holds until ``lease_until``."""

    id: int
    subscriber_id: int
    info_index: int
    attempt: int


def claim_batch(
    session: Session,
    alert_id: str,
    channel: str,
    limit: int,
    lease_seconds: int = LEASE_SECONDS,
) -> list[Claimed]:
    """Lease up to ``limit`` due queued rows of one alert and channel."""
    now = utc_now()
    rows = session.execute(
        select(
            Delivery.id, Delivery.subscriber_id, Delivery.info_index, Delivery.attempts
        )
        .where(Delivery.alert_id == alert_id)
        .where(Delivery.channel == channel)
        .where(Delivery.status == str(DeliveryStatus.QUEUED))
        .where(Delivery.due_at <= now)
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return []
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_([row[0] for row in rows]))
        .values(
            status=str(DeliveryStatus.SENDING),
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
    )
    return [Claimed(row[0], row[1], row[2], row[3] + 1) for row in rows]


def renew_leases(session: Session, delivery_ids: list[int], lease_seconds: int) -> None:
    """Extend the lease of rows this worker still holds."""
    now = utc_now()
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids))
        .where(Delivery.status == str(DeliveryStatus.SENDING))
        .values(lease_until=now + timedelta(seconds=lease_seconds), updated_at=now)
    )


def stop_unsent(
    session: Session,
    alert_id: str,
    status: DeliveryStatus,
    held: list[int] | None = None,
) -> int:
    """Mark an alert's queued rows, and the leased rows in ``held``, cancelled
    or expired; how many there were."""
    now = utc_now()
    unsent = Delivery.status == str(DeliveryStatus.QUEUED)
    if held:
        unsent = or_(
            unsent,
            and_(
                Delivery.id.in_(held),
                Delivery.status == str(DeliveryStatus.SENDING),
            ),
        )
    result = session.execute(
        update(Delivery)
        .where(Delivery.alert_id == alert_id)
        .where(unsent)
        .values(status=str(status), lease_until=None, updated_at=now, finished_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def sweep_expired_leases(session: Session, now: datetime | None = None) -> int:
    """Rows whose worker vanished go back to queued; how many."""
    now = now or utc_now()
    result = session.execute(
        update(Delivery)
        .where(
            and_(
                Delivery.status == str(DeliveryStatus.SENDING),
                Delivery.lease_until < now,
            )
        )
        .values(status=str(DeliveryStatus.QUEUED), lease_until=None, updated_at=now)
    )
    swept = int(getattr(result, "rowcount", 0) or 0)
    if swept:
        logger.warning("leases expired, rows queued again count=%d", swept)
    return swept


def due_work(session: Session) -> list[tuple[str, str]]:
    """(alert id, channel) pairs that have queued rows due now."""
    rows = session.execute(
        select(Delivery.alert_id, Delivery.channel)
        .where(Delivery.status == str(DeliveryStatus.QUEUED))
        .where(Delivery.due_at <= utc_now())
        .distinct()
    )
    return [(str(alert_id), str(channel)) for alert_id, channel in rows]
