"""How a fan-out went: counts by channel and status, first and last send, and
how long after publication 50, 90 and 99 per cent of the sends happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.alerts.models import AlertRecord
from gateway.dispatch.models import Delivery

PERCENTILES = (50, 90, 99)


@dataclass(slots=True)
class DeliverySummary:
    alert_id: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    first_sent: datetime | None = None
    last_sent: datetime | None = None
    seconds_to: dict[str, float | None] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(statuses.values()) for statuses in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "alertId": self.alert_id,
            "total": self.total,
            "counts": self.counts,
            "firstSent": self.first_sent.isoformat() if self.first_sent else None,
            "lastSent": self.last_sent.isoformat() if self.last_sent else None,
            "secondsToPercent": self.seconds_to,
        }


def summarise(session: Session, record: AlertRecord) -> DeliverySummary:
    """The summary of one message's deliveries."""
    summary = DeliverySummary(record.id)
    rows = session.execute(
        select(Delivery.channel, Delivery.status, func.count())
        .where(Delivery.alert_id == record.id)
        .group_by(Delivery.channel, Delivery.status)
    )
    for channel, status, count in rows:
        summary.counts.setdefault(channel, {})[status] = int(count)

    sent_times = sorted(
        moment
        for moment in session.scalars(
            select(Delivery.sent_at)
            .where(Delivery.alert_id == record.id)
            .where(Delivery.sent_at.is_not(None))
        )
        if moment is not None
    )
    if sent_times:
        summary.first_sent, summary.last_sent = sent_times[0], sent_times[-1]
    summary.seconds_to = _seconds_to_percentiles(record.published_at, sent_times)
    return summary


def _seconds_to_percentiles(
    start: datetime | None, sent_times: list[datetime]
) -> dict[str, float | None]:
    if start is None or not sent_times:
        return {str(percent): None for percent in PERCENTILES}
    found: dict[str, float | None] = {}
    for percent in PERCENTILES:
        index = max(0, -(-len(sent_times) * percent // 100) - 1)
        found[str(percent)] = (sent_times[index] - start).total_seconds()
    return found
