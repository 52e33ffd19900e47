"""Delivery progress of one message as the alert page shows it and
``progress.json`` sends it: counts by channel and status, the share of each
status, first and last send, and the seconds to 50, 90 and 99 per cent."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gateway.alerts.models import AlertRecord
from gateway.dispatch.models import DeliveryStatus
from gateway.dispatch.summary import summarise

STATUSES = tuple(str(status) for status in DeliveryStatus)
UNFINISHED = (str(DeliveryStatus.QUEUED), str(DeliveryStatus.SENDING))
CHANNEL_NAMES = {
    "sms": "SMS",
    "email": "Email",
    "webpush": "Web Push",
    "webhook": "Webhook",
}


def progress_json(db: Session, record: AlertRecord) -> dict[str, Any]:
    """The message's delivery progress, every status present in each count."""
    summary = summarise(db, record)
    channels = [
        _channel(channel, counts) for channel, counts in sorted(summary.counts.items())
    ]
    totals = {
        status: sum(channel["counts"][status] for channel in channels)
        for status in STATUSES
    }
    total = sum(totals.values())
    finished = total - sum(totals[status] for status in UNFINISHED)

    return {
        "alertId": record.id,
        "state": record.state,
        "total": total,
        "finished": finished,
        "percentFinished": _percent(finished, total),
        "statuses": list(STATUSES),
        "channels": channels,
        "totals": totals,
        "percent": {status: _percent(totals[status], total) for status in STATUSES},
        "firstSent": _time(summary.first_sent),
        "lastSent": _time(summary.last_sent),
        "secondsToPercent": summary.seconds_to,
    }


def _channel(channel: str, counts: dict[str, int]) -> dict[str, Any]:
    full = {status: counts.get(status, 0) for status in STATUSES}
    return {
        "channel": channel,
        "name": CHANNEL_NAMES.get(channel, channel),
        "counts": full,
        "total": sum(full.values()),
    }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _time(moment: Any) -> str | None:
    return moment.isoformat() if moment else None
