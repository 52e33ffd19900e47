"""What the console's dashboard shows, read in one database session: alerts
on air, alerts waiting for a second person, drafts, and how the fan-out of
the latest published messages is going."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.accounts.actors import Actor
from gateway.accounts.models import User
from gateway.alerts.models import PUBLISHED_STATES, AlertRecord, AlertState
from gateway.alerts.queries import AlertFilter, Page, list_alerts
from gateway.cap import Status
from gateway.dispatch.models import DeliveryStatus
from gateway.dispatch.summary import summarise

SECTION_SIZE = 10
DRILL_STATUSES = (str(Status.EXERCISE), str(Status.TEST))
WAITING = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
STOPPED = (DeliveryStatus.CANCELLED, DeliveryStatus.EXPIRED)


@dataclass(frozen=True, slots=True)
class Progress:
    """Deliveries of one message by how far they got."""

    total: int = 0
    delivered: int = 0
    sent: int = 0
    waiting: int = 0
    failed: int = 0
    stopped: int = 0

    @property
    def finished(self) -> int:
        """Deliveries no longer queued or being sent."""
        return self.total - self.waiting


@dataclass(slots=True)
class Section:
    """Some alerts of one kind, newest first, and whether more exist."""

    alerts: list[AlertRecord] = field(default_factory=list)
    more: bool = False


# Known gap: the page shows progress as of its loading and does not refresh
# itself — during a large fan-out staff reload it to see new counts.
@dataclass(slots=True)
class Dashboard:
    active: Section
    pending: Section
    drafts: Section
    recent: Section
    progress: dict[str, Progress]
    people: dict[str, str]

    @property
    def active_drills(self) -> int:
        return sum(1 for alert in self.active.alerts if is_drill(alert))


def gather_dashboard(db: Session, actor: Actor) -> Dashboard:
    """Every section of the dashboard as ``actor`` may see it."""
    active = _section(db, actor, AlertState.PUBLISHED)
    pending = _section(db, actor, AlertState.PENDING, AlertState.HELD)
    drafts = _section(db, actor, AlertState.DRAFT)
    recent = _section(db, actor, *PUBLISHED_STATES)

    shown = [*active.alerts, *pending.alerts, *drafts.alerts, *recent.alerts]
    return Dashboard(
        active=active,
        pending=pending,
        drafts=drafts,
        recent=recent,
        progress={alert.id: progress_of(db, alert) for alert in recent.alerts},
        people=names_of_people(db, shown),
    )


def progress_of(db: Session, alert: AlertRecord) -> Progress:
    counts: dict[str, int] = {}
    for statuses in summarise(db, alert).counts.values():
        for status, count in statuses.items():
            counts[status] = counts.get(status, 0) + count
    return Progress(
        total=sum(counts.values()),
        delivered=counts.get(DeliveryStatus.DELIVERED, 0),
        sent=counts.get(DeliveryStatus.SENT, 0),
        waiting=sum(counts.get(status, 0) for status in WAITING),
        failed=counts.get(DeliveryStatus.FAILED, 0),
        stopped=sum(counts.get(status, 0) for status in STOPPED),
    )


def names_of_people(db: Session, alerts: list[AlertRecord]) -> dict[str, str]:
    """The email address behind each ``user:N`` label of these alerts."""
    labels = {
        label
        for alert in alerts
        for label in (alert.created_by, alert.submitted_by)
        if label and label.startswith("user:") and label[5:].isdigit()
    }
    if not labels:
        return {}
    ids = [int(label[5:]) for label in labels]
    rows = db.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {f"user:{user_id}": email for user_id, email in rows}


def is_drill(alert: AlertRecord) -> bool:
    """An Exercise or Test message, which reaches drill groups only."""
    return alert.status in DRILL_STATUSES


def list_page(
    db: Session, actor: Actor, states: tuple[str, ...], cursor: str | None
) -> Page:
    """One page of the console's alert list."""
    return list_alerts(
        db, actor, AlertFilter(states=states), limit=50, cursor=cursor or None
    )


def _section(db: Session, actor: Actor, *states: AlertState) -> Section:
    page = list_alerts(
        db,
        actor,
        AlertFilter(states=tuple(str(state) for state in states)),
        limit=SECTION_SIZE,
    )
    return Section(page.items, more=page.next_cursor is not None)
