"""Working one batch: check the alert still stands, lease rows, hand each to
its channel through the provider's guards, record the outcomes in groups.

Takes ids, never objects, so any process can run it. Outcomes are written
every ``FLUSH_ROWS`` sends or ``FLUSH_SECONDS``, whichever comes first: a
worker killed between two writes leaves at most that many rows sent but not
recorded, which the sweeper sends again with the same idempotency key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.alerts.models import AlertRecord, AlertState
from gateway.cap import parse
from gateway.channels.base import PermanentFailure, Sent, TemporaryFailure
from gateway.db import transaction
from gateway.dispatch.guards import ProviderGuards, ProviderUnavailable, provider_of
from gateway.dispatch.leases import (
    LEASE_SECONDS,
    Claimed,
    claim_batch,
    renew_leases,
    stop_unsent,
)
from gateway.dispatch.messages import render_message
from gateway.dispatch.models import DeliveryStatus
from gateway.dispatch.outcomes import Outcomes
from gateway.residents.models import Subscriber

logger = logging.getLogger(__name__)

BATCH_SIZES = {"sms": 200, "email": 100, "webpush": 200, "webhook": 50}
FLUSH_ROWS = 100
FLUSH_SECONDS = 1.0
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


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """Everything a process needs to work batches."""

    sessions: sessionmaker[Session]
    senders: dict[str, Sender]
    guards: ProviderGuards = field(default_factory=lambda: ProviderGuards({}))
    lease_seconds: int = LEASE_SECONDS


def run_batch(context: DeliveryContext, alert_id: str, channel: str) -> int:
    """Lease and send one batch; how many rows it leased (0: nothing left)."""
    with transaction(context.sessions) as session:
        record = session.get(AlertRecord, alert_id)
        if record is None or record.cap is None or stop_if_withdrawn(session, record):
            return 0
        claimed = claim_batch(
            session,
            alert_id,
            channel,
            BATCH_SIZES.get(channel, 100),
            context.lease_seconds,
        )
        cap_bytes = record.cap
        recipients = _recipients(session, [row.subscriber_id for row in claimed])
    if claimed:
        _BatchRun(context, alert_id, channel, cap_bytes, recipients).send(claimed)
    return len(claimed)


def stop_if_withdrawn(
    session: Session, record: AlertRecord, held: list[int] | None = None
) -> bool:
    """Stop the unsent rows of an alert that is no longer published (and the
    rows in ``held``, which this worker leased); whether it was withdrawn."""
    if record.state == AlertState.PUBLISHED:
        return False
    status = STOPPED_BY.get(AlertState(record.state), DeliveryStatus.CANCELLED)
    stopped = stop_unsent(session, record.id, status, held or [])
    logger.info(
        "sends stopped alert_id=%s state=%s rows=%d", record.id, record.state, stopped
    )
    return True


class _BatchRun:
    """One leased batch on its way through the providers."""

    def __init__(
        self,
        context: DeliveryContext,
        alert_id: str,
        channel: str,
        cap_bytes: bytes,
        recipients: dict[int, Recipient],
    ) -> None:
        self.context = context
        self.alert_id = alert_id
        self.channel = channel
        self.cap_bytes = cap_bytes
        self.alert = parse(cap_bytes)
        self.recipients = recipients
        self.sender = context.senders[channel]
        self.messages: dict[int, dict[str, Any]] = {}
        self.outcomes = Outcomes()
        self.leased_at = time.monotonic()
        self.flushed_at = self.leased_at

    def send(self, claimed: list[Claimed]) -> None:
        for position, row in enumerate(claimed):
            self._deliver(row)
            if self._time_to_flush() and not self._flush(claimed[position + 1 :]):
                return
        self._flush([])

    def _deliver(self, row: Claimed) -> None:
        recipient = self.recipients.get(row.subscriber_id)
        if recipient is None:
            self.outcomes.failed(
                row.id, "the subscriber was removed or opted out before the send"
            )
            return
        provider = provider_of(self.channel, recipient.address)
        message = self._message(row.info_index)
        try:
            self.context.guards.wait_turn(self.channel, provider)
            sent = self.context.guards.call(
                provider, lambda: self.sender(row.id, recipient, message)
            )
        except ProviderUnavailable as unavailable:
            self.outcomes.deferred(row.id, unavailable.retry_after, str(unavailable))
        except TemporaryFailure as failure:
            self.outcomes.retry(
                row.id, row.attempt, failure.reason, failure.retry_after
            )
        except PermanentFailure as failure:
            self.outcomes.failed(row.id, f"{failure.code}: {failure.reason}")
            self.outcomes.note_gone(row.subscriber_id, failure.code)
        else:
            self.outcomes.sent(row.id, sent.provider_reference)

    def _message(self, info_index: int) -> dict[str, Any]:
        """The rendered message of an info block, the same for each recipient;
        the sender makes each recipient's copy (``gateway.dispatch.way_out``)."""
        if info_index not in self.messages:
            self.messages[info_index] = render_message(
                self.channel, self.alert, info_index, self.cap_bytes
            )
        return self.messages[info_index]

    def _time_to_flush(self) -> bool:
        return (
            len(self.outcomes) >= FLUSH_ROWS
            or time.monotonic() - self.flushed_at >= FLUSH_SECONDS
        )

    def _flush(self, remaining: list[Claimed]) -> bool:
        """Write the outcomes so far and renew the lease of what is left;
        False when the alert was withdrawn and the rest must not be sent."""
        held = [row.id for row in remaining]
        with transaction(self.context.sessions) as session:
            self.outcomes.write(session)
            record = session.get(AlertRecord, self.alert_id)
            withdrawn = record is None or stop_if_withdrawn(session, record, held)
            if held and not withdrawn and self._lease_half_gone():
                renew_leases(session, held, self.context.lease_seconds)
                self.leased_at = time.monotonic()
        self.outcomes = Outcomes()
        self.flushed_at = time.monotonic()
        return not withdrawn

    def _lease_half_gone(self) -> bool:
        return time.monotonic() - self.leased_at > self.context.lease_seconds / 2


def _recipients(session: Session, subscriber_ids: list[int]) -> dict[int, Recipient]:
    rows = session.execute(
        select(
            Subscriber.id,
            Subscriber.channel,
            Subscriber.address,
            Subscriber.push_keys,
            Subscriber.webhook_secret,
        )
        .where(Subscriber.id.in_(subscriber_ids))
        .where(Subscriber.opted_out_at.is_(None))
    )
    return {row[0]: Recipient(*row) for row in rows}
