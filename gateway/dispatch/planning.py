"""Planning a fan-out: one queued delivery row per reached subscriber and
channel, written in one transaction before any provider is called.

An Update or Cancel reaches everyone an earlier message of its chain reached,
plus anyone newly inside its areas. Planning a message twice plans nothing
the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from gateway.alerts.models import AlertRecord
from gateway.cap import MsgType, parse
from gateway.db import utc_now
from gateway.dispatch.models import REACHED_STATUSES, Delivery, DeliveryStatus
from gateway.residents.models import Subscriber
from gateway.residents.targeting import target_alert

logger = logging.getLogger(__name__)

INSERT_CHUNK = 5000
LOOKUP_CHUNK = 5000


def plan_deliveries(
    session: Session, record: AlertRecord, default_language: str
) -> int:
    """Queue the deliveries of a published message; how many rows were written."""
    if record.cap is None or is_planned(session, record.id):
        return 0
    alert = parse(record.cap)
    selection = target_alert(session, alert, default_language=default_language)
    info_of = selection.as_dict()
    if record.msg_type != MsgType.ALERT and record.chain_id:
        for subscriber_id, info_index in earlier_recipients(session, record):
            info_of.setdefault(subscriber_id, min(info_index, len(alert.infos) - 1))

    now = utc_now()
    rows = [
        {
            "alert_id": record.id,
            "chain_id": record.chain_id or record.id,
            "subscriber_id": subscriber_id,
            "channel": channel,
            "info_index": info_of[subscriber_id],
            "status": str(DeliveryStatus.QUEUED),
            "due_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for subscriber_id, channel in _channels(session, sorted(info_of))
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(insert(Delivery), rows[start : start + INSERT_CHUNK])
    logger.info("deliveries planned alert_id=%s count=%d", record.id, len(rows))
    return len(rows)


def is_planned(session: Session, alert_id: str) -> bool:
    found = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.alert_id == alert_id)
    )
    return bool(found)


def earlier_recipients(session: Session, record: AlertRecord) -> list[tuple[int, int]]:
    """Subscribers an earlier message of the chain reached, with their info."""
    rows = session.execute(
        select(Delivery.subscriber_id, func.max(Delivery.info_index))
        .where(Delivery.chain_id == record.chain_id)
        .where(Delivery.alert_id != record.id)
        .where(Delivery.status.in_([str(status) for status in REACHED_STATUSES]))
        .group_by(Delivery.subscriber_id)
    )
    return [(int(subscriber), int(info)) for subscriber, info in rows]


def _channels(session: Session, subscriber_ids: list[int]) -> Iterable[tuple[int, str]]:
    for start in range(0, len(subscriber_ids), LOOKUP_CHUNK):
        chunk = subscriber_ids[start : start + LOOKUP_CHUNK]
        yield from session.execute(
            select(Subscriber.id, Subscriber.channel)
            .where(Subscriber.id.in_(chunk))
            .where(Subscriber.opted_out_at.is_(None))
        ).all()
