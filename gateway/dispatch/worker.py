"""Working one batch: check the alert still stands, lease rows, hand each to
its channel, record each outcome. Takes ids, never objects, so any process
can run it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.alerts.models import AlertRecord, AlertState
from gateway.cap import parse
from gateway.channels.base import PermanentFailure, Sent, TemporaryFailure
from gateway.db import transaction
from gateway.dispatch.leases import (
    Claimed,
    claim_batch,
    record_failed,
    record_retry,
    record_sent,
    stop_unsent,
)
from gateway.dispatch.messages import render_message
from gateway.dispatch.models import DeliveryStatus
from gateway.residents.models import Subscriber
from gateway.residents.unsubscribe import opt_out

logger = logging.getLogger(__name__)

# A push subscription or webhook endpoint that says it is gone for good.
GONE_CODES = {"subscription-gone", "endpoint-gone"}
BATCH_SIZES = {"sms": 200, "email": 100, "webpush": 200, "webhook": 50}
STOPPED_BY = {
    AlertState.CANCELLED: DeliveryStatus.CANCELLED,
    AlertState.EXPIRED: DeliveryStatus.EXPIRED,
}

# A sender takes the delivery id, the subscriber and the rendered message.
Sender = Callable[[int, "Recipient", dict[str, Any]], Sent]


@dataclass(frozen=True, slots=True)
class Recipient:
    subscriber_id: int
    channel: str
    address: str
    push_keys: dict[str, str] | None
    webhook_secret: str | None


def run_batch(
    sessions: sessionmaker[Session],
    senders: dict[str, Sender],
    alert_id: str,
    channel: str,
) -> int:
    """Lease and send one batch; how many rows it leased (0: nothing left)."""
    with transaction(sessions) as session:
        record = session.get(AlertRecord, alert_id)
        if record is None or record.cap is None:
            return 0
        if record.state != AlertState.PUBLISHED:
            stopped = stop_unsent(
                session,
                alert_id,
                STOPPED_BY.get(AlertState(record.state), DeliveryStatus.CANCELLED),
            )
            logger.info(
                "sends stopped alert_id=%s state=%s rows=%d",
                alert_id,
                record.state,
                stopped,
            )
            return 0
        claimed = claim_batch(session, alert_id, channel, BATCH_SIZES.get(channel, 100))
        cap_bytes = record.cap
        recipients = _recipients(session, [row.subscriber_id for row in claimed])

    alert = parse(cap_bytes)
    for row in claimed:
        _deliver(sessions, senders[channel], row, recipients, alert, cap_bytes, channel)
    return len(claimed)


def _deliver(
    sessions: sessionmaker[Session],
    sender: Sender,
    row: Claimed,
    recipients: dict[int, Recipient],
    alert: Any,
    cap_bytes: bytes,
    channel: str,
) -> None:
    started = time.monotonic()
    recipient = recipients.get(row.subscriber_id)
    if recipient is None:
        with transaction(sessions) as session:
            record_failed(session, row.id, "the subscriber was removed")
        return
    message = render_message(channel, alert, row.info_index, cap_bytes)
    try:
        sent = sender(row.id, recipient, message)
    except TemporaryFailure as failure:
        with transaction(sessions) as session:
            record_retry(
                session, row.id, row.attempt, failure.reason, failure.retry_after
            )
        return
    except PermanentFailure as failure:
        with transaction(sessions) as session:
            record_failed(session, row.id, f"{failure.code}: {failure.reason}")
            if failure.code in GONE_CODES:
                opt_out(session, row.subscriber_id)
        return
    with transaction(sessions) as session:
        record_sent(session, row.id, sent.provider_reference)
    logger.debug(
        "delivery sent delivery_id=%s channel=%s duration_ms=%d",
        row.id,
        channel,
        (time.monotonic() - started) * 1000,
    )


def _recipients(session: Session, subscriber_ids: list[int]) -> dict[int, Recipient]:
    rows = session.execute(
        select(
            Subscriber.id,
            Subscriber.channel,
            Subscriber.address,
            Subscriber.push_keys,
            Subscriber.webhook_secret,
        ).where(Subscriber.id.in_(subscriber_ids))
    )
    return {row[0]: Recipient(*row) for row in rows}
