"""Finding alerts: one by id, or a filtered page, as the caller may see them.

Staff see every alert. A partner sees published messages of every
organisation and everything of its own.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from gateway.accounts.actors import Actor
from gateway.alerts.errors import AlertNotFound, RuleViolation
from gateway.alerts.models import (
    PUBLISHED_STATES,
    AlertAreaCode,
    AlertRecord,
    is_alert_id,
)

MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """What a listing asks for; empty fields mean any."""

    states: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    since: datetime | None = None
    area_code: str | None = None


@dataclass(slots=True)
class Page:
    items: list[AlertRecord] = field(default_factory=list)
    next_cursor: str | None = None


def visible_alert(session: Session, actor: Actor, alert_id: str) -> AlertRecord:
    """The alert with this id, if the caller may see it."""
    query = _visible(select(AlertRecord), actor).where(AlertRecord.id == alert_id)
    record: AlertRecord | None = None
    if is_alert_id(alert_id):
        record = session.scalars(query).first()
    if record is None:
        raise AlertNotFound(f"No alert has the id {alert_id}", code="not-found")
    return record


def list_alerts(
    session: Session,
    actor: Actor,
    wanted: AlertFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """A page of alerts, newest first, and the cursor of the next page."""
    query = _visible(select(AlertRecord), actor)
    query = _filtered(query, wanted)
    if cursor:
        created, alert_id = _read_cursor(cursor)
        query = query.where(
            or_(
                AlertRecord.created_at < created,
                and_(AlertRecord.created_at == created, AlertRecord.id < alert_id),
            )
        )
    query = query.order_by(AlertRecord.created_at.desc(), AlertRecord.id.desc())
    rows = list(session.scalars(query.limit(min(limit, MAX_PAGE_SIZE) + 1)))

    page = Page(items=rows[:limit])
    if len(rows) > limit:
        page.next_cursor = _make_cursor(page.items[-1])
    return page


def _visible(query: Select[Any], actor: Actor) -> Select[Any]:
    if actor.is_staff:
        return query
    return query.where(
        or_(
            AlertRecord.organisation_id == actor.organisation_id,
            AlertRecord.state.in_([str(state) for state in PUBLISHED_STATES]),
        )
    )


def _filtered(query: Select[Any], wanted: AlertFilter) -> Select[Any]:
    if wanted.states:
        query = query.where(AlertRecord.state.in_(wanted.states))
    if wanted.statuses:
        query = query.where(AlertRecord.status.in_(wanted.statuses))
    if wanted.since is not None:
        query = query.where(AlertRecord.updated_at >= wanted.since)
    if wanted.area_code:
        codes = select(AlertAreaCode.alert_id).where(
            AlertAreaCode.value == wanted.area_code
        )
        query = query.where(AlertRecord.id.in_(codes))
    return query


def _make_cursor(record: AlertRecord) -> str:
    raw = f"{record.created_at.isoformat()}|{record.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, alert_id = raw.split("|", 1)
        moment = datetime.fromisoformat(created)
        if moment.utcoffset() is None or not is_alert_id(alert_id):
            raise ValueError("not a cursor of this API")
        moment = moment.astimezone(UTC)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise RuleViolation(
            "The cursor is not one this API gave out; use the 'next' link of "
            "the previous page",
            code="bad-cursor",
            location="cursor",
        ) from exc
    return moment, alert_id
