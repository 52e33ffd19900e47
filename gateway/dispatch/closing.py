"""Closing a subscriber's unsent deliveries when the subscriber is removed, by
staff through the API or by the resident on their manage page.

Rows not yet sent are failed, "the subscriber was removed", as a worker would
close them; a send already handed to a provider at that moment may still
arrive, but is recorded as failed. Sent rows stay: they are the office's
record of what was sent.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from gateway.db import utc_now
from gateway.dispatch.models import Delivery, DeliveryStatus

REMOVED_REASON = "the subscriber was removed"
UNSENT = (str(DeliveryStatus.QUEUED), str(DeliveryStatus.SENDING))


def close_unsent_deliveries(session: Session, subscriber_id: int) -> int:
    """Fail the subscriber's queued and sending rows; how many there were."""
    # A fan-out that picked the subscriber just before the removal may write a
    # row just after; the worker fails it unsent, as it skips opted-out rows.
    now = utc_now()
    result = session.execute(
        update(Delivery)
        .where(Delivery.subscriber_id == subscriber_id)
        .where(Delivery.status.in_(UNSENT))
        .values(
            status=str(DeliveryStatus.FAILED),
            last_error=REMOVED_REASON,
            lease_until=None,
            updated_at=now,
            finished_at=now,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
