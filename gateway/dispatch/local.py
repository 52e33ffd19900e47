"""The local dispatcher: a thread pool inside the serving process (no Redis).

Publishing hands it the alert's id; it plans the deliveries and works the
batches of each channel. The sweeper job hands it whatever SQL says is due,
so work lost by a crash is picked up again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from gateway.alerts.models import AlertRecord, AlertState
from gateway.db import transaction
from gateway.dispatch.leases import due_work, sweep_expired_leases
from gateway.dispatch.planning import plan_deliveries
from gateway.dispatch.worker import Sender, run_batch

logger = logging.getLogger(__name__)

WORKERS = 4


class LocalDispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        senders: dict[str, Sender],
        default_language: str,
    ) -> None:
        self.sessions = sessions
        self.senders = senders
        self.default_language = default_language
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="dispatch")
        self._running: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0

    def alerts_published(self, alert_ids: list[str]) -> None:
        """Plan and start the fan-out of newly published messages."""
        for alert_id in alert_ids:
            self._submit(self._plan_and_start, alert_id)

    def wait_idle(self, timeout: float = 30) -> bool:
        """Wait until no fan-out work is queued or running; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def sweep(self) -> int:
        """Re-queue rows whose lease ran out and start whatever is due."""
        with transaction(self.sessions) as session:
            swept = sweep_expired_leases(session)
            work = due_work(session)
        for alert_id, channel in work:
            self._start(alert_id, channel)
        return swept

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def _plan_and_start(self, alert_id: str) -> None:
        with transaction(self.sessions) as session:
            record = session.get(AlertRecord, alert_id)
            if record is None or record.state != AlertState.PUBLISHED:
                return
            plan_deliveries(session, record, self.default_language)
        for channel in self.senders:
            self._start(alert_id, channel)

    def _start(self, alert_id: str, channel: str) -> None:
        key = (alert_id, channel)
        with self._lock:
            if key in self._running:
                return
            self._running.add(key)
        self._submit(self._work, alert_id, channel)

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
        try:
            while run_batch(self.sessions, self.senders, alert_id, channel):
                pass
        finally:
            with self._lock:
                self._running.discard((alert_id, channel))
