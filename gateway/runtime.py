"""What a running app shares between requests: the database and publish settings.

Built once by ``create_app`` from the settings; reached with ``runtime(app)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from sqlalchemy import Engine, event
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from gateway.alerts.models import AlertRecord, AlertState
from gateway.alerts.settings import PublishSettings
from gateway.cap.errors import CapError
from gateway.cap.truststore import TrustStore
from gateway.config import ConfigError
from gateway.db import make_engine, make_session_factory
from gateway.dispatch.base import Dispatcher
from gateway.dispatch.guards import ProviderGuards
from gateway.dispatch.local import LocalDispatcher
from gateway.dispatch.queued import RedisDispatcher
from gateway.dispatch.senders import build_senders
from gateway.dispatch.work import FanoutWork
from gateway.dispatch.worker import DeliveryContext
from gateway.feeds.publisher import FeedPublisher
from gateway.feeds.store import FeedSettings, FeedStore

EXTENSION = "kentongan"
SQLITE_FILE = "kentongan.db"
ALERTS_CHANGED = "kentongan.alerts_changed"


@dataclass(slots=True)
class Runtime:
    engine: Engine
    sessions: sessionmaker[Session]
    publishing: PublishSettings
    feeds: FeedStore
    feed_publisher: FeedPublisher
    dispatcher: Dispatcher
    fanout: FanoutWork


def runtime(app: Flask) -> Runtime:
    found: Runtime = app.extensions[EXTENSION]
    return found


def init_runtime(app: Flask) -> Runtime:
    """Open the database and read the publish settings for ``app``."""
    url = database_url(app.config, app.instance_path)
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(
            f"KENTONGAN_DATABASE_URL is not a usable database URL ({exc}); write "
            "it like postgresql+psycopg://user@host/kentongan"
        ) from exc
    sessions = make_session_factory(engine)
    feeds = FeedStore(sessions, feed_settings(app.config))
    publisher = FeedPublisher(
        feeds, app.config.get("FEEDS_DIR"), app.config.get("WEBSUB_HUB_URL")
    )
    fanout = FanoutWork(
        DeliveryContext(
            sessions,
            build_senders(app.config, app.instance_path),
            ProviderGuards.from_settings(app.config),
            int(app.config["DELIVERY_LEASE_SECONDS"]),
        ),
        app.config["DEFAULT_LANGUAGE"],
    )
    dispatcher = make_dispatcher(app.config, fanout)
    watch_alert_changes(
        sessions,
        lambda published: publisher.alerts_changed(),
        dispatcher.alerts_published,
    )
    built = Runtime(
        engine,
        sessions,
        publish_settings(app.config),
        feeds,
        publisher,
        dispatcher,
        fanout,
    )
    app.extensions[EXTENSION] = built
    return built


def make_dispatcher(config: Any, fanout: FanoutWork) -> Dispatcher:
    """The thread pool by default; Dramatiq on Redis when asked for."""
    if config["DISPATCHER"] == "redis":
        return RedisDispatcher(
            fanout, str(config["REDIS_URL"]), str(config["REDIS_PREFIX"])
        )
    return LocalDispatcher(fanout)


def feed_settings(config: Any) -> FeedSettings:
    return FeedSettings(
        public_url=str(config["PUBLIC_URL"]).rstrip("/"),
        language=config["DEFAULT_LANGUAGE"],
        hub_url=config.get("WEBSUB_HUB_URL") or None,
    )


def watch_alert_changes(
    sessions: sessionmaker[Session], *callbacks: Callable[[list[str]], None]
) -> None:
    """After each commit that added or changed an alert, call every callback
    with the ids of the alerts that commit left published."""

    def note_alerts(session: Session, context: Any) -> None:
        touched = [
            item
            for item in (*session.new, *session.dirty)
            if isinstance(item, AlertRecord)
        ]
        if touched:
            published = session.info.setdefault(ALERTS_CHANGED, set())
            published.update(
                item.id for item in touched if item.state == AlertState.PUBLISHED
            )

    def after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return
        published = session.info.pop(ALERTS_CHANGED, None)
        if published is None:
            return
        for callback in callbacks:
            callback(sorted(published))

    def after_rollback(session: Session) -> None:
        session.info.pop(ALERTS_CHANGED, None)

    event.listen(sessions, "after_flush", note_alerts)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_soft_rollback", lambda s, t: after_rollback(s))


def database_url(config: Any, instance_path: str) -> str:
    """The configured URL, or SQLite in the instance folder."""
    if config.get("DATABASE_URL"):
        return str(config["DATABASE_URL"])
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / SQLITE_FILE}"


def publish_settings(config: Any) -> PublishSettings:
    """Sender, time zone, signing key and trust store, read and checked."""
    password = os.environ.get("KENTONGAN_KEY_PASSWORD")
    return PublishSettings(
        sender=config["SENDER"],
        timezone=_zone(config["TIMEZONE"]),
        identifier_prefix=config["IDENTIFIER_PREFIX"],
        signing_key_pem=_read_file(config, "SIGNING_KEY"),
        signing_cert_pem=_read_file(config, "SIGNING_CERT"),
        signing_key_password=password.encode() if password else None,
        trust_store=_trust_store(config.get("TRUST_STORE")),
        public_url=str(config["PUBLIC_URL"]).rstrip("/"),
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"KENTONGAN_TIMEZONE '{name}' is not a known time zone; use an IANA "
            "name such as Asia/Jakarta"
        ) from exc


def _read_file(config: Any, name: str) -> bytes | None:
    path = config.get(name)
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"KENTONGAN_{name} names {path}, which cannot be read: {exc.strerror}"
        ) from exc


def _trust_store(path: str | None) -> TrustStore | None:
    if not path:
        return None
    try:
        return TrustStore.load(path)
    except CapError as exc:
        raise ConfigError(f"KENTONGAN_TRUST_STORE: {exc.message}") from exc
