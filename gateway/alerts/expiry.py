"""Expiry: published messages whose ``expires`` has passed become expired."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.alerts import audit
from gateway.alerts.models import AlertRecord, AlertState
from gateway.db import utc_now

logger = logging.getLogger(__name__)


def expire_due(session: Session, now: datetime | None = None) -> list[str]:
    """Mark every published message past its expiry as expired; their ids."""
    now = now or utc_now()
    due = session.scalars(
        select(AlertRecord)
        .where(AlertRecord.state == str(AlertState.PUBLISHED))
        .where(AlertRecord.expires <= now)
        .with_for_update(skip_locked=True, of=AlertRecord)
    ).all()
    for record in due:
        record.state = str(AlertState.EXPIRED)
        record.updated_at = now
        audit.record(
            session,
            "alert.expired",
            actor="system",
            subject=f"alert:{record.id}",
            details={"cap_identifier": record.identifier},
        )
        logger.info(
            "alert expired alert_id=%s cap_identifier=%s", record.id, record.identifier
        )
    return [record.id for record in due]
