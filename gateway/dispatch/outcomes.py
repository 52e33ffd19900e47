"""The outcomes of a batch's sends, collected and written together.

Each outcome applies only while its row is still ``sending`` (still this
worker's lease), so a row the sweeper already handed to another worker is not
overwritten. Temporary failures go back to the queue with exponential backoff
and full jitter, or fail after the last attempt; a send held back by an open
circuit breaker goes back without spending its attempt.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from gateway.db import utc_now
from gateway.dispatch.models import Delivery, DeliveryStatus
from gateway.residents.unsubscribe import opt_out

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0
# A push subscription or webhook endpoint that says it is gone for good.
GONE_CODES = {"subscription-gone", "endpoint-gone"}

_TABLE: Table = Delivery.__table__  # type: ignore[assignment]
_STILL_LEASED = (_TABLE.c.id == bindparam("row_id")) & (
    _TABLE.c.status == str(DeliveryStatus.SENDING)
)


class Outcomes:
    """Outcomes waiting to be written in one transaction."""

    def __init__(self) -> None:
        self._sent: list[dict[str, Any]] = []
        self._queued: list[dict[str, Any]] = []
        self._failed: list[dict[str, Any]] = []
        self._gone: list[int] = []

    def __len__(self) -> int:
        return len(self._sent) + len(self._queued) + len(self._failed)

    def sent(self, delivery_id: int, reference: str | None) -> None:
        self._sent.append({"row_id": delivery_id, "reference": reference})

    def retry(
        self,
        delivery_id: int,
        attempt: int,
        reason: str,
        retry_after: float | None = None,
    ) -> None:
        """Queue again after a backoff, or fail after the last attempt."""
        if attempt >= MAX_ATTEMPTS:
            self.failed(delivery_id, f"gave up after {attempt} attempts: {reason}")
            return
        delay = max(backoff_seconds(attempt), retry_after or 0.0)
        self._queue(delivery_id, delay, reason, refund=0)
        logger.warning(
            "delivery retry delivery_id=%s attempt=%s delay_s=%.1f",
            delivery_id,
            attempt,
            delay,
        )

    def deferred(self, delivery_id: int, seconds: float, reason: str) -> None:
        """Queue again later without counting the attempt (breaker open)."""
        self._queue(delivery_id, seconds, reason, refund=1)

    def failed(self, delivery_id: int, reason: str) -> None:
        self._failed.append({"row_id": delivery_id, "reason": reason})
        logger.error("delivery failed delivery_id=%s reason=%s", delivery_id, reason)

    def note_gone(self, subscriber_id: int, code: str) -> None:
        """Opt out a subscriber whose endpoint said it is gone for good."""
        if code in GONE_CODES:
            self._gone.append(subscriber_id)

    def write(self, session: Session) -> None:
        now = utc_now()
        if self._sent:
            session.execute(
                update(_TABLE)
                .where(_STILL_LEASED)
                .values(
                    status=str(DeliveryStatus.SENT),
                    provider_reference=bindparam("reference"),
                    sent_at=now,
                    lease_until=None,
                    last_error=None,
                    updated_at=now,
                ),
                self._sent,
            )
        if self._queued:
            session.execute(
                update(_TABLE)
                .where(_STILL_LEASED)
                .values(
                    status=str(DeliveryStatus.QUEUED),
                    due_at=bindparam("due"),
                    attempts=_TABLE.c.attempts - bindparam("refund"),
                    lease_until=None,
                    last_error=bindparam("reason"),
                    updated_at=now,
                ),
                [{**row, "due": now + row.pop("delay")} for row in self._queued],
            )
        if self._failed:
            session.execute(
                update(_TABLE)
                .where(_STILL_LEASED)
                .values(
                    status=str(DeliveryStatus.FAILED),
                    lease_until=None,
                    last_error=bindparam("reason"),
                    updated_at=now,
                    finished_at=now,
                ),
                self._failed,
            )
        for subscriber_id in self._gone:
            opt_out(session, subscriber_id)

    def _queue(
        self, delivery_id: int, seconds: float, reason: str, refund: int
    ) -> None:
        self._queued.append(
            {
                "row_id": delivery_id,
                "delay": timedelta(seconds=seconds),
                "reason": reason,
                "refund": refund,
            }
        )


def backoff_seconds(attempt: int) -> float:
    """Full jitter: uniform between 0 and the capped exponential step."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return random.uniform(0, ceiling)
