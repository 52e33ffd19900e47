"""``kentongan worker``: work the Redis dispatcher's queue in this process.

Start as many as you like on as many machines as you like, all with the same
database and Redis settings. SIGTERM or Ctrl-C stops taking new messages and
lets the ones in hand finish; a worker that dies instead loses nothing, as its
leased rows return to the queue when their lease runs out.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import dramatiq
from flask import Flask

from gateway.config import ConfigError
from gateway.dispatch.queued import RedisDispatcher
from gateway.runtime import runtime

logger = logging.getLogger(__name__)

POLL_MILLISECONDS = 100
STOP_MILLISECONDS = 30_000


def run_worker(app: Flask, threads: int) -> None:
    """Work messages with ``threads`` threads until told to stop."""
    dispatcher = runtime(app).dispatcher
    if not isinstance(dispatcher, RedisDispatcher):
        raise ConfigError(
            "kentongan worker works the queue of the Redis dispatcher: set "
            "KENTONGAN_DISPATCHER=redis and KENTONGAN_REDIS_URL (the local "
            "dispatcher needs no workers; `kentongan serve` does the sending)"
        )
    stopping = threading.Event()
    _stop_on_signals(stopping)

    worker = dramatiq.Worker(
        dispatcher.broker, worker_threads=threads, worker_timeout=POLL_MILLISECONDS
    )
    worker.start()
    logger.info("worker started threads=%d", threads)
    stopping.wait()

    logger.info("worker stopping, finishing the messages in hand")
    worker.stop(timeout=STOP_MILLISECONDS)
    dispatcher.shutdown()


def _stop_on_signals(stopping: threading.Event) -> None:
    def stop(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
