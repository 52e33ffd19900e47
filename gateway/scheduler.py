"""Periodic jobs (APScheduler 3): marking expired alerts, refreshing feeds,
sweeping deliveries whose lease ran out, deleting residents' subscription
requests that expired unconfirmed.

Runs in exactly one process: inside ``kentongan serve`` by default, or as
``kentongan scheduler`` when the gateway is scaled out, where a Redis lock
keeps a second scheduler from running the jobs at the same time.
"""

from __future__ import annotations

import logging
import time

import redis
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from redis.exceptions import LockError
from redis.lock import Lock

from gateway.alerts.expiry import expire_due
from gateway.db import transaction, utc_now
from gateway.residents.pending import purge_expired
from gateway.runtime import runtime

logger = logging.getLogger(__name__)

LOCK_KEY = "kentongan:scheduler:lock"
LOCK_SECONDS = 30
FEED_REFRESH_SECONDS = 1
SWEEP_SECONDS = 5
PURGE_SECONDS = 60


def expire_alerts(app: Flask) -> list[str]:
    """One expiry pass; the ids of the alerts it expired."""
    with transaction(runtime(app).sessions) as session:
        return expire_due(session)


def refresh_feeds(app: Flask) -> bool:
    """Re-render and export the feeds if alerts changed anywhere."""
    return runtime(app).feed_publisher.refresh_if_changed()


def sweep_deliveries(app: Flask) -> int:
    """Re-queue deliveries whose lease ran out and start what is due."""
    return runtime(app).dispatcher.sweep()


def purge_pending(app: Flask) -> int:
    """Delete the subscription requests that expired unconfirmed (privacy)."""
    with transaction(runtime(app).sessions) as session:
        return purge_expired(session, now=utc_now())


def start_scheduler(app: Flask) -> BackgroundScheduler:
    """Start the periodic jobs in a background thread of this process."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        expire_alerts,
        "interval",
        args=[app],
        seconds=app.config["EXPIRY_CHECK_SECONDS"],
        id="expire-alerts",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        refresh_feeds,
        "interval",
        args=[app],
        seconds=FEED_REFRESH_SECONDS,
        id="refresh-feeds",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        sweep_deliveries,
        "interval",
        args=[app],
        seconds=SWEEP_SECONDS,
        id="sweep-deliveries",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        purge_pending,
        "interval",
        args=[app],
        seconds=PURGE_SECONDS,
        id="purge-pending-subscriptions",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    logger.info("scheduler started jobs=%s", [job.id for job in scheduler.get_jobs()])
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Run the jobs until interrupted, holding the Redis lock when Redis is set."""
    lock = _scheduler_lock(app.config.get("REDIS_URL"))
    if lock is not None:
        logger.info("scheduler waiting for its lock key=%s", LOCK_KEY)
        lock.acquire()
    scheduler = start_scheduler(app)
    try:
        while lock is None or lock.owned():
            time.sleep(LOCK_SECONDS / 3)
            if lock is not None:
                lock.reacquire()
        logger.error("scheduler lock lost; stopping so another can run")
    except (KeyboardInterrupt, LockError):
        logger.info("scheduler stopping")
    finally:
        scheduler.shutdown()
        if lock is not None and lock.owned():
            lock.release()


def _scheduler_lock(url: str | None) -> Lock | None:
    if not url:
        return None
    client = redis.Redis.from_url(url)
    return Lock(client, LOCK_KEY, timeout=LOCK_SECONDS, blocking=True)
