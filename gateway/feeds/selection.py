"""Which messages a feed lists: the current message of every active public
alert, for the public feed (status Actual) or the drill feed (Exercise, Test).

A chain's current message is the only one in state published, so superseded
and cancelled messages drop out by themselves; a Cancel stays listed until
its own expiry, which is the cancelled alert's. A message without ``expires``
is listed for ``UNDATED_ACTIVE_HOURS`` after it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gateway.alerts.models import AlertRecord, AlertState
from gateway.cap import Scope, Severity, Status

UNDATED_ACTIVE_HOURS = 24
PUBLIC_STATUSES = (Status.ACTUAL,)
DRILL_STATUSES = (Status.EXERCISE, Status.TEST)
SEVERITY_RANK = {
    Severity.UNKNOWN: 0,
    Severity.MINOR: 1,
    Severity.MODERATE: 2,
    Severity.SEVERE: 3,
    Severity.EXTREME: 4,
}


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """One feed's selection: drills or not, and the optional narrowing."""

    drills: bool = False
    language: str | None = None
    area_code: str | None = None
    min_severity: Severity | None = None

    @property
    def is_plain(self) -> bool:
        return not (self.language or self.area_code or self.min_severity)


def active_messages(session: Session, drills: bool, now: datetime) -> list[AlertRecord]:
    """Listed messages, newest first."""
    statuses = DRILL_STATUSES if drills else PUBLIC_STATUSES
    undated_since = now - timedelta(hours=UNDATED_ACTIVE_HOURS)
    query = (
        select(AlertRecord)
        .where(AlertRecord.state == str(AlertState.PUBLISHED))
        .where(AlertRecord.scope == str(Scope.PUBLIC))
        .where(AlertRecord.status.in_([str(status) for status in statuses]))
        .where(
            or_(
                AlertRecord.expires > now,
                and_(AlertRecord.expires.is_(None), AlertRecord.sent > undated_since),
            )
        )
        .order_by(AlertRecord.sent.desc(), AlertRecord.id)
    )
    return list(session.scalars(query))


def change_marker(session: Session) -> tuple[tuple[str, int, str], ...]:
    """A value that differs whenever any message changes state."""
    rows = session.execute(
        select(AlertRecord.state, func.count(), func.max(AlertRecord.updated_at))
        .group_by(AlertRecord.state)
        .order_by(AlertRecord.state)
    )
    return tuple((state, count, str(latest)) for state, count, latest in rows)
