"""Claiming delivery rows with a lease, recording each outcome, and sweeping
rows whose lease ran out, so a killed worker loses nothing.

A claim moves rows from queued to sending with ``lease_until`` set, in one
transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on
SQLite), before any provider is called. Temporary failures go back to queued
with exponential backoff and full jitter; permanent ones are final.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from gateway.db import utc_now
from gateway.dispatch.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this worker holds until ``lease_until``."""

    id: int
    subscriber_id: int
    info_index: int
    attempt: int


def claim_batch(
    session: Session, alert_id: str, channel: str, limit: int
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
            lease_until=now + timedelta(seconds=LEASE_SECONDS),
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
    )
    return [Claimed(row[0], row[1], row[2], row[3] + 1) for row in rows]


def record_sent(session: Session, delivery_id: int, reference: str | None) -> None:
    now = utc_now()
    _finish_sending(
        session,
        delivery_id,
        status=str(DeliveryStatus.SENT),
        provider_reference=reference,
        sent_at=now,
        lease_until=None,
        last_error=None,
        updated_at=now,
    )


def record_retry(
    session: Session,
    delivery_id: int,
    attempt: int,
    reason: str,
    retry_after: float | None = None,
) -> None:
    """Queue the row again after a backoff, or fail it after the last attempt."""
    if attempt >= MAX_ATTEMPTS:
        record_failed(
            session, delivery_id, f"gave up after {attempt} attempts: {reason}"
        )
        return
    delay = max(backoff_seconds(attempt), retry_after or 0.0)
    now = utc_now()
    _finish_sending(
        session,
        delivery_id,
        status=str(DeliveryStatus.QUEUED),
        due_at=now + timedelta(seconds=delay),
        lease_until=None,
        last_error=reason,
        updated_at=now,
    )
    logger.warning(
        "delivery retry delivery_id=%s attempt=%s delay_s=%.1f",
        delivery_id,
        attempt,
        delay,
    )


def record_failed(session: Session, delivery_id: int, reason: str) -> None:
    now = utc_now()
    _finish_sending(
        session,
        delivery_id,
        status=str(DeliveryStatus.FAILED),
        lease_until=None,
        last_error=reason,
        updated_at=now,
        finished_at=now,
    )
    logger.error("delivery failed delivery_id=%s reason=%s", delivery_id, reason)


def stop_unsent(session: Session, alert_id: str, status: DeliveryStatus) -> int:
    """Mark an alert's queued rows cancelled or expired; how many there were."""
    now = utc_now()
    result = session.execute(
        update(Delivery)
        .where(Delivery.alert_id == alert_id)
        .where(Delivery.status == str(DeliveryStatus.QUEUED))
        .values(status=str(status), updated_at=now, finished_at=now)
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


def backoff_seconds(attempt: int) -> float:
    """Full jitter: uniform between 0 and the capped exponential step."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return random.uniform(0, ceiling)


def _finish_sending(session: Session, delivery_id: int, **values: object) -> None:
    """Apply an outcome only while the row is still this worker's."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .where(Delivery.status == str(DeliveryStatus.SENDING))
        .values(**values)
    )
