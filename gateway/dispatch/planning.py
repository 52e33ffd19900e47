"""Planning a fan-out: one queued delivery row per reached subscriber and
channel, written before any provider is called.

Rows are written in chunks, each in its own transaction, so sending starts as
soon as the first chunk is in, while the rest is still being written. Each
insert skips rows that exist, so planning again after a crash halfway writes
only what is missing; the fan-out mark, written last, says the plan is
complete, and a published message without one is found and planned again.
An Update or Cancel reaches everyone an earlier message of its chain reached,
plus anyone newly inside its areas.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from gateway.alerts.models import AlertRecord, AlertState
from gateway.cap import MsgType, parse
from gateway.db import transaction, utc_now
from gateway.dispatch.models import (
    REACHED_STATUSES,
    Delivery,
    DeliveryStatus,
    Fanout,
)
from gateway.residents.models import Subscriber
from gateway.residents.targeting import target_alert

logger = logging.getLogger(__name__)

# The first chunk is small so that the first send starts at once.
FIRST_CHUNK = 500
CHUNK = 5000


def plan_deliveries(
    sessions: sessionmaker[Session], alert_id: str, default_language: str
) -> Iterator[Counter[str]]:
    """Queue the deliveries of a published message chunk by chunk, yielding
    the rows written per channel after each chunk is committed (nothing when
    the message was planned before or no longer stands)."""
    with transaction(sessions) as session:
        record = session.get(AlertRecord, alert_id)
        if (
            record is None
            or record.cap is None
            or record.state != AlertState.PUBLISHED
            or is_planned(session, alert_id)
        ):
            return
        info_of = _reached(session, record, default_language)
        chain_id = record.chain_id or record.id

    subscriber_ids = sorted(info_of)
    for chunk in _chunks(subscriber_ids):
        now = utc_now()
        with transaction(sessions) as session:
            rows = [
                {
                    "alert_id": alert_id,
                    "chain_id": chain_id,
                    "subscriber_id": subscriber_id,
                    "channel": channel,
                    "info_index": info_of[subscriber_id],
                    "status": str(DeliveryStatus.QUEUED),
                    "due_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for subscriber_id, channel in _channels(session, chunk)
            ]
            if rows:
                session.execute(_insert_missing(session, Delivery), rows)
        yield Counter(str(row["channel"]) for row in rows)

    with transaction(sessions) as session:
        total = _count(session, alert_id)
        mark = {"alert_id": alert_id, "planned_at": utc_now(), "deliveries": total}
        session.execute(_insert_missing(session, Fanout), [mark])
    logger.info("deliveries planned alert_id=%s count=%d", alert_id, total)


def _reached(
    session: Session, record: AlertRecord, default_language: str
) -> dict[int, int]:
    """Subscriber id to info index, for everyone the message reaches."""
    assert record.cap is not None
    alert = parse(record.cap)
    info_of = target_alert(session, alert, default_language=default_language).as_dict()
    if record.msg_type != MsgType.ALERT and record.chain_id:
        for subscriber_id, info_index in earlier_recipients(session, record):
            info_of.setdefault(subscriber_id, min(info_index, len(alert.infos) - 1))
    return info_of


def _count(session: Session, alert_id: str) -> int:
    found = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.alert_id == alert_id)
    )
    return int(found or 0)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    yield ids[:FIRST_CHUNK]
    for start in range(FIRST_CHUNK, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _insert_missing(session: Session, model: Any) -> Any:
    """An INSERT that skips rows whose unique key exists already."""
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return builder(model).on_conflict_do_nothing()


def is_planned(session: Session, alert_id: str) -> bool:
    return session.get(Fanout, alert_id) is not None


def unplanned_alerts(session: Session) -> list[str]:
    """Published messages whose fan-out was never planned."""
    rows = session.scalars(
        select(AlertRecord.id)
        .outerjoin(Fanout, Fanout.alert_id == AlertRecord.id)
        .where(AlertRecord.state == str(AlertState.PUBLISHED))
        .where(Fanout.alert_id.is_(None))
    )
    return list(rows)


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
    if not subscriber_ids:
        return []
    rows = session.execute(
        select(Subscriber.id, Subscriber.channel)
        .where(Subscriber.id.in_(subscriber_ids))
        .where(Subscriber.opted_out_at.is_(None))
    )
    return [(int(subscriber_id), str(channel)) for subscriber_id, channel in rows]
