"""Provider receipts: a delivery that was sent becomes delivered or failed.

A receipt for a row already final, or for one never sent, changes nothing,
so a provider that repeats its callbacks does no harm.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import Session

from gateway.db import utc_now
from gateway.dispatch.models import Delivery, DeliveryStatus

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
