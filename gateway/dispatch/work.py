"""The steps of a fan-out that any dispatcher runs: plan a message, work the
batches of one channel, and find what SQL says is left to do.

Each step takes ids and opens its own transactions, so a thread of the local
dispatcher and a Dramatiq worker on another machine run exactly the same code.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, select

from gateway.db import transaction, utc_now
from gateway.dispatch.leases import due_work, sweep_expired_leases
from gateway.dispatch.models import Delivery, DeliveryStatus
from gateway.dispatch.planning import plan_deliveries, unplanned_alerts
from gateway.dispatch.worker import BATCH_SIZES, DeliveryContext, run_batch

logger = logging.getLogger(__name__)

# How many batches of one alert and channel may be worked at the same time.
PARALLEL_BATCHES = 4


@dataclass(frozen=True, slots=True)
class Due:
    """What the sweeper found: leases that ran out, messages never planned,
    and (alert id, channel) pairs with rows due now."""

    swept: int
    unplanned: list[str]
    work: list[tuple[str, str]]


class FanoutWork:
    def __init__(self, context: DeliveryContext, default_language: str) -> None:
        self.context = context
        self.default_language = default_language

    @property
    def channels(self) -> list[str]:
        return list(self.context.senders)

    def plan(self, alert_id: str, start: Callable[[str, int], None]) -> None:
        """Plan a published message, calling ``start(channel, workers)`` as its
        rows come in, for the workers each channel deserves by then."""
        rows: Counter[str] = Counter()
        started: Counter[str] = Counter()
        chunks = plan_deliveries(self.context.sessions, alert_id, self.default_language)
        for chunk in chunks:
            rows.update(chunk)
            for channel, count in rows.items():
                wanted = self.parallel_for(channel, count)
                if wanted > started[channel]:
                    start(channel, wanted - started[channel])
                    started[channel] = wanted

    def work(self, alert_id: str, channel: str, budget_seconds: float) -> bool:
        """Work batches until none is left or the budget is spent; whether
        rows may be left."""
        started = time.monotonic()
        while run_batch(self.context, alert_id, channel):
            if time.monotonic() - started >= budget_seconds:
                return True
        return False

    def due(self) -> Due:
        with transaction(self.context.sessions) as session:
            swept = sweep_expired_leases(session)
            return Due(swept, unplanned_alerts(session), due_work(session))

    def anything_in_flight(self) -> bool:
        """Whether a message waits to be planned or a row is due or leased."""
        with transaction(self.context.sessions) as session:
            if unplanned_alerts(session):
                return True
            busy = (Delivery.status == str(DeliveryStatus.SENDING)) | (
                (Delivery.status == str(DeliveryStatus.QUEUED))
                & (Delivery.due_at <= utc_now())
            )
            return bool(session.scalar(select(exists().where(busy))))

    @staticmethod
    def parallel_for(channel: str, rows: int) -> int:
        batches = math.ceil(rows / BATCH_SIZES.get(channel, 100))
        return max(1, min(PARALLEL_BATCHES, batches))
