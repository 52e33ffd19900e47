"""The audit log: append-only rows, each holding the hash of the one before.

Rows name ids, never people (no email addresses or phone numbers). Appending
takes a lock so that two transactions never chain onto the same row: a
PostgreSQL advisory lock, or SQLite's write lock taken at ``BEGIN IMMEDIATE``.
Database triggers (see the migrations) refuse UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.db import Base, UtcDateTime, is_postgresql, utc_now

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any fixed 64-bit number; it names the audit log's lock in PostgreSQL.
ADVISORY_LOCK_KEY = 0x6B656E746F6E67


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), index=True)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """The first row whose hash or link does not check out, and why."""

    seq: int
    reason: str


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    subject: str,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row in the caller's transaction."""
    _lock_log(session)
    last = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=utc_now(),
        action=action,
        actor=actor,
        subject=subject,
        details=json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    logger.info("audit seq=%s action=%s subject=%s", entry.seq, action, subject)
    return entry


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 over a row's fields and the previous row's hash."""
    fields = [
        str(entry.seq),
        entry.at.isoformat(),
        entry.action,
        entry.actor,
        entry.subject,
        entry.details,
        entry.prev_hash,
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def find_broken_link(session: Session) -> BrokenLink | None:
    """The first row that breaks the chain, or None when the log is intact."""
    expected_prev, expected_seq = GENESIS_HASH, 1
    for entry in _entries(session):
        if entry.seq != expected_seq:
            return BrokenLink(expected_seq, f"row {expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return BrokenLink(entry.seq, "its link to the previous row does not match")
        if entry_hash(entry) != entry.hash:
            return BrokenLink(entry.seq, "its content does not match its hash")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    return None


def last_hash(session: Session) -> str:
    """The newest row's hash: kept elsewhere, it shows rows cut from the end."""
    found = session.scalar(
        select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    )
    return found or GENESIS_HASH


def count_entries(session: Session) -> int:
    last = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()))
    return last or 0


def _entries(session: Session) -> Iterator[AuditEntry]:
    query = (
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    )
    yield from session.scalars(query)


def _lock_log(session: Session) -> None:
    if is_postgresql(session):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        )
