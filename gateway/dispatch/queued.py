"""The Redis dispatcher: fan-out work as Dramatiq messages on Redis, worked by
``kentongan worker`` processes on any number of machines.

Messages carry ids only: ``plan`` (an alert id) and ``send`` (an alert id and
a channel). A ``send`` works batches for a while and, when rows are left,
sends itself again, so a long fan-out never holds one worker thread. Redis
only moves work: if it loses every message, the sweeper finds in SQL what is
unplanned or due and queues it again, at most once per pair and interval.
"""

from __future__ import annotations

import logging
import time

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, TimeLimit

from gateway.dispatch.work import FanoutWork

logger = logging.getLogger(__name__)

QUEUE = "deliveries"
BUDGET_SECONDS = 20.0
# A message that keeps failing is retried by Dramatiq a few times; after that
# the sweeper's next look at SQL queues the work again.
MAX_RETRIES = 3
SWEEP_MARK_SECONDS = 10
# Planning a large fan-out takes a while; a second plan meanwhile only repeats
# work (its inserts skip the rows that exist).
PLAN_MARK_SECONDS = 120
IDLE_POLL_SECONDS = 0.1


def make_broker(url: str, namespace: str) -> RedisBroker:
    """A broker on ``url`` whose keys all start with ``namespace``."""
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=url,
        namespace=namespace,
        middleware=[
            AgeLimit(),
            TimeLimit(time_limit=10 * 60 * 1000),
            Callbacks(),
            Pipelines(),
            Retries(max_retries=MAX_RETRIES, min_backoff=1000, max_backoff=30_000),
        ],
    )


class RedisDispatcher:
    def __init__(self, work: FanoutWork, url: str, namespace: str) -> None:
        self.work = work
        self.broker = make_broker(url, namespace)
        self._redis = redis.Redis.from_url(url)
        self._mark_prefix = f"{namespace}:swept"
        self._plan = dramatiq.actor(
            broker=self.broker, actor_name="plan", queue_name=QUEUE
        )(self._plan_message)
        self._send = dramatiq.actor(
            broker=self.broker, actor_name="send", queue_name=QUEUE
        )(self._send_message)

    def alerts_published(self, alert_ids: list[str]) -> None:
        for alert_id in alert_ids:
            self._enqueue(self._plan, alert_id)

    def sweep(self) -> int:
        due = self.work.due()
        for alert_id in due.unplanned:
            if self._first_mark(f"plan:{alert_id}", PLAN_MARK_SECONDS):
                logger.warning("fan-out not planned yet, queued alert_id=%s", alert_id)
                self._enqueue(self._plan, alert_id)
        for alert_id, channel in due.work:
            if self._first_mark(f"send:{alert_id}:{channel}", SWEEP_MARK_SECONDS):
                self._enqueue(self._send, alert_id, channel)
        return due.swept

    def wait_idle(self, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while self.work.anything_in_flight():
            if time.monotonic() >= deadline:
                return False
            time.sleep(IDLE_POLL_SECONDS)
        return True

    def shutdown(self) -> None:
        self.broker.close()

    def _plan_message(self, alert_id: str) -> None:
        def start(channel: str, count: int) -> None:
            for _ in range(count):
                self._send.send(alert_id, channel)

        self.work.plan(alert_id, start)

    def _send_message(self, alert_id: str, channel: str) -> None:
        if self.work.work(alert_id, channel, BUDGET_SECONDS):
            self._send.send(alert_id, channel)

    def _enqueue(self, actor: dramatiq.Actor, *args: str) -> None:  # type: ignore[type-arg]
        """Queue a message; if Redis is down, say so: the sweeper retries."""
        try:
            actor.send(*args)
        except redis.RedisError as exc:
            logger.error(
                "could not queue fan-out work actor=%s ids=%s error=%s; the sweeper "
                "will queue it again from SQL",
                actor.actor_name,
                args,
                exc,
            )

    def _first_mark(self, name: str, seconds: int) -> bool:
        """Whether no sweep queued this work in the last interval."""
        try:
            return bool(
                self._redis.set(f"{self._mark_prefix}:{name}", 1, nx=True, ex=seconds)
            )
        except redis.RedisError as exc:
            logger.error("sweep cannot reach Redis error=%s", exc)
            return False
