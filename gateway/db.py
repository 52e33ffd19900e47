"""The SQL database: engine, sessions and the declarative base of every table.

SQLite (the default, in the instance folder) runs in WAL mode and starts every
transaction with ``BEGIN IMMEDIATE``, so two writers never read the same state
and then race; PostgreSQL runs at READ COMMITTED and takes row locks where a
transition must happen once. Datetimes are stored in UTC and always come back
timezone-aware.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Base(DeclarativeBase):
    """The base of every table."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; a naive one is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} given to the database"
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def utc_now() -> datetime:
    """Now in UTC, to whole seconds (CAP times carry no fractions)."""
    return datetime.now(UTC).replace(microsecond=0)


def make_engine(url: str) -> Engine:
    """An engine for ``url``, with SQLite set up for safe concurrent writes."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with factory() as session, session.begin():
        yield session


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _configure_sqlite(connection: Any, record: Any) -> None:
    # Our own BEGIN below replaces the driver's implicit transactions.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
