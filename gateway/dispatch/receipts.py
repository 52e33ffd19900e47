"""Provider receipts: a delivery that was sent becomes delivered or failed.

A receipt for a row already final, or for one never sent, changes nothing,
so a provider that repeats its callbacks does no harm. An email bounce that
says the address does not exist (RFC 3463 5.1.x, see ``channels.bounces``)
also opts the subscriber out; a delay only leaves a note on the row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from gateway.channels.bounces import Bounce, BounceKind
from gateway.db import utc_now
from gateway.dispatch.models import Delivery, DeliveryStatus
from gateway.residents.unsubscribe import opt_out

logger = logging.getLogger(__name__)

RECEIPT_STATES = {
    "delivered": DeliveryStatus.DELIVERED,
    "failed": DeliveryStatus.FAILED,
}


def apply_receipt(
    session: Session, delivery_id: int, state: str, reason: str | None
) -> bool:
    """Record a final receipt; whether it changed the row."""
    now = utc_now()
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .where(Delivery.status == str(DeliveryStatus.SENT))
        .values(
            status=str(RECEIPT_STATES[state]),
            last_error=reason if state == "failed" else None,
            finished_at=now,
            updated_at=now,
        )
    )
    changed = bool(getattr(result, "rowcount", 0))
    logger.info(
        "receipt delivery_id=%s status=%s applied=%s", delivery_id, state, changed
    )
    return changed


@dataclass(frozen=True, slots=True)
class BounceOutcome:
    """What a bounce did: whether it changed the delivery, and opted out."""

    applied: bool
    opted_out: bool


def record_bounce(
    session: Session, delivery_id: int, bounce: Bounce
) -> BounceOutcome | None:
    """Apply a bounce to an email delivery; None when there is no such delivery."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.channel != "email":
        return None

    # Known gap: a bounce that arrives before the worker has recorded the row
    # as sent changes nothing (only sent rows take receipts) — bites with a
    # local MTA that refuses the message within milliseconds of taking it.
    if bounce.kind is BounceKind.FAILED:
        applied = apply_receipt(session, delivery_id, "failed", bounce.reason)
    elif bounce.kind is BounceKind.DELIVERED:
        applied = apply_receipt(session, delivery_id, "delivered", None)
    elif bounce.kind in (BounceKind.DELAYED, BounceKind.RELAYED):
        applied = note_receipt(session, delivery_id, bounce.reason)
    else:
        applied = False

    opted_out = bounce.is_hard and opt_out(session, delivery.subscriber_id)
    logger.info(
        "bounce delivery_id=%s kind=%s status=%s hard=%s applied=%s",
        delivery_id,
        bounce.kind,
        bounce.status,
        bounce.is_hard,
        applied,
    )
    return BounceOutcome(applied, opted_out)


def note_receipt(session: Session, delivery_id: int, note: str) -> bool:
    """Record a receipt that is not final on a sent row; whether it was recorded."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .where(Delivery.status == str(DeliveryStatus.SENT))
        .values(last_error=note, updated_at=utc_now())
    )
    noted = bool(getattr(result, "rowcount", 0))
    logger.info("receipt delivery_id=%s status=noted applied=%s", delivery_id, noted)
    return noted
