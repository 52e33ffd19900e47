"""What the approval queue and an alert's page show, read in one session: the
message, its content per language, what changed from the message it replaces,
its chain's history, its delivery progress, and which steps the signed-in
person is offered. Offering a step decides nothing: the lifecycle decides
again when the form is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.accounts.actors import Actor
from gateway.alerts.chains import is_live
from gateway.alerts.lifecycle import APPROVER_ROLES, returned_content
from gateway.alerts.models import PUBLISHED_STATES, AlertRecord, AlertState
from gateway.alerts.publishing import record_hash
from gateway.alerts.queries import visible_alert
from gateway.cap import Scope
from gateway.web.review_diff import Change, compare, content_of
from gateway.web.review_history import Step, actor_names, history_of
from gateway.web.review_progress import progress_json

QUEUE_SIZE = 200
WAITING = (AlertState.PENDING, AlertState.HELD)


@dataclass(slots=True)
class Queue:
    """Messages waiting for a second person, oldest first."""

    alerts: list[AlertRecord] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)
    more: bool = False


@dataclass(slots=True)
class Offer:
    """The steps the page offers the signed-in person."""

    approve: bool = False
    reject: bool = False
    send_back: bool = False
    cancel: bool = False
    own_alert: bool = False


@dataclass(slots=True)
class AlertPage:
    record: AlertRecord
    content: dict[str, Any]
    content_hash: str
    replaced: AlertRecord | None
    changes: list[Change] | None
    history: list[Step]
    progress: dict[str, Any]
    people: dict[str, str]
    offer: Offer
    cap_url: str | None

    @property
    def infos(self) -> list[dict[str, Any]]:
        infos: list[dict[str, Any]] = self.content.get("infos", [])
        return infos

    @property
    def shapes(self) -> list[dict[str, Any]]:
        """The polygons and circles of every area, once each, for the map."""
        found: list[dict[str, Any]] = []
        for info in self.infos:
            for area in info.get("areas", []):
                shape = {
                    "polygons": area.get("polygons", []),
                    "circles": area.get("circles", []),
                }
                if (shape["polygons"] or shape["circles"]) and shape not in found:
                    found.append(shape)
        return found


def gather_queue(db: Session) -> Queue:
    """Pending and held messages, the longest waiting first."""
    waiting_since = func.coalesce(AlertRecord.submitted_at, AlertRecord.created_at)
    rows = list(
        db.scalars(
            select(AlertRecord)
            .where(AlertRecord.state.in_([str(state) for state in WAITING]))
            .order_by(waiting_since, AlertRecord.id)
            .limit(QUEUE_SIZE + 1)
        )
    )
    alerts = rows[:QUEUE_SIZE]
    labels = [label for alert in alerts for label in _people_of(alert)]
    return Queue(alerts, actor_names(db, labels), more=len(rows) > QUEUE_SIZE)


def gather_alert_page(db: Session, actor: Actor, alert_id: str) -> AlertPage:
    """Everything the alert's page shows, as ``actor`` may see it."""
    record = visible_alert(db, actor, alert_id)
    replaced = db.get(AlertRecord, record.target_id) if record.target_id else None
    content = content_of(record)

    # An Update or Cancel is compared with the message it replaces; a draft
    # sent back and submitted again, with the content it was returned with.
    earlier = content_of(replaced) if replaced else returned_content(db, record.id)
    changes = compare(earlier, content) if earlier is not None else None
    history = history_of(db, record)
    return AlertPage(
        record=record,
        content=content,
        content_hash=record_hash(record),
        replaced=replaced,
        changes=changes,
        history=history,
        progress=progress_json(db, record),
        people=actor_names(db, _people_of(record)),
        offer=offer_for(actor, record),
        cap_url=public_cap_url(record),
    )


def offer_for(actor: Actor, record: AlertRecord) -> Offer:
    """Which buttons to show; the lifecycle checks every step again."""
    own = actor.label in (record.created_by, record.submitted_by)
    decides = actor.role in APPROVER_ROLES and not own
    waiting = record.state in WAITING
    return Offer(
        approve=decides and waiting,
        reject=decides and waiting,
        send_back=(
            decides
            and record.state == AlertState.PENDING
            and record.content is not None
        ),
        cancel=actor.is_staff and is_live(record),
        own_alert=own and waiting,
    )


def public_cap_url(record: AlertRecord) -> str | None:
    """The stable URL the feeds link to, for a published public message."""
    if record.cap is None or record.scope != Scope.PUBLIC:
        return None
    if record.state not in PUBLISHED_STATES:
        return None
    return url_for("feeds.cap_file", alert_id=record.id)


def _people_of(record: AlertRecord) -> list[str]:
    labels = (record.created_by, record.submitted_by, record.approved_by)
    return [label for label in labels if label]
