"""The local dispatcher: a thread pool inside the serving process (no Redis).

Publishing hands it the alert's id; it plans the deliveries and works the
batches of each channel, a few at a time. The sweeper job hands it whatever
SQL says is due, so work lost by a crash is picked up again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from gateway.dispatch.work import PARALLEL_BATCHES, FanoutWork

logger = logging.getLogger(__name__)

WORKERS = 8
# A thread works one alert and channel this long before it lets others in.
BUDGET_SECONDS = 30.0


class LocalDispatcher:
    def __init__(self, work: FanoutWork) -> None:
        self.work = work
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="dispatch")
        self._running: dict[tuple[str, str], int] = {}
        self._planning: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0

    def alerts_published(self, alert_ids: list[str]) -> None:
        for alert_id in alert_ids:
            self._submit(self._plan_and_start, alert_id)

    def wait_idle(self, timeout: float = 30) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def sweep(self) -> int:
        due = self.work.due()
        for alert_id in due.unplanned:
            logger.warning("fan-out was never planned, planning alert_id=%s", alert_id)
            self._submit(self._plan_and_start, alert_id)
        for alert_id, channel in due.work:
            self._start_if_idle(alert_id, channel)
        return due.swept

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def _plan_and_start(self, alert_id: str) -> None:
        with self._lock:
            if alert_id in self._planning:
                return
            self._planning.add(alert_id)
        try:
            self.work.plan(
                alert_id, lambda channel, count: self._start(alert_id, channel, count)
            )
        finally:
            with self._lock:
                self._planning.discard(alert_id)

    def _start(self, alert_id: str, channel: str, count: int) -> None:
        """Start up to ``count`` more workers on the pair, at most
        ``PARALLEL_BATCHES`` in all."""
        key = (alert_id, channel)
        with self._lock:
            running = self._running.get(key, 0)
            starting = max(0, min(count, PARALLEL_BATCHES - running))
            self._running[key] = running + starting
        for _ in range(starting):
            self._submit(self._work, alert_id, channel)

    def _start_if_idle(self, alert_id: str, channel: str) -> None:
        with self._lock:
            idle = (alert_id, channel) not in self._running
        if idle:
            self._start(alert_id, channel, 1)

    def _submit(self, task: Callable[..., None], *args: str) -> None:
        with self._lock:
            self._pending += 1
        self._pool.submit(self._run_counted, task, *args)

    def _run_counted(self, task: Callable[..., None], *args: str) -> None:
        try:
            task(*args)
        except Exception:  # a worker thread must not die silently; the sweeper retries
            logger.exception("dispatch task failed task=%s", task.__name__)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _work(self, alert_id: str, channel: str) -> None:
        more = False
        try:
            more = self.work.work(alert_id, channel, BUDGET_SECONDS)
        finally:
            with self._lock:
                self._running[(alert_id, channel)] -= 1
                if not self._running[(alert_id, channel)]:
                    del self._running[(alert_id, channel)]
        if more:
            self._start_if_idle(alert_id, channel)
