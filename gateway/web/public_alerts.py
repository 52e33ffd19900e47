"""What the public pages show of alerts: the front page's and the drill
page's lines, and one alert's page with its chain.

The lists come from ``gateway.feeds.selection``, so the pages and the feeds
never disagree. Only published messages of scope Public and status Actual,
Exercise or Test are ever shown; anything else is as unknown as a wrong id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.alerts.chains import chain_messages
from gateway.alerts.models import PUBLISHED_STATES, AlertRecord, AlertState, is_alert_id
from gateway.cap import Alert, Info, MsgType, Scope, Severity, parse
from gateway.cap.model import Area
from gateway.feeds.selection import (
    DRILL_STATUSES,
    PUBLIC_STATUSES,
    SEVERITY_RANK,
    active_messages,
)

SHOWN_STATUSES = frozenset(str(status) for status in PUBLIC_STATUSES + DRILL_STATUSES)
SHOWN_STATES = frozenset(str(state) for state in PUBLISHED_STATES)


@dataclass(frozen=True, slots=True)
class AlertLine:
    """One alert as a list shows it, in the reader's language when it has one."""

    alert_id: str
    msg_type: str
    status: str
    sent: datetime
    info: Info | None

    @property
    def severity(self) -> str:
        return str(self.info.severity) if self.info else str(Severity.UNKNOWN)

    @property
    def area_names(self) -> str:
        return area_names(self.info.areas) if self.info else ""

    @property
    def is_cancel(self) -> bool:
        return self.msg_type == MsgType.CANCEL


@dataclass(frozen=True, slots=True)
class ChainStep:
    """One message of an alert's history."""

    alert_id: str
    msg_type: str
    sent: datetime | None
    headline: str | None


@dataclass(frozen=True, slots=True)
class AlertView:
    """Everything an alert's page says, gathered inside one session."""

    alert_id: str
    alert: Alert
    info: Info | None
    state: str
    history: list[ChainStep]

    @property
    def current_id(self) -> str:
        return self.history[0].alert_id

    @property
    def is_current(self) -> bool:
        return self.current_id == self.alert_id

    @property
    def is_cancelled(self) -> bool:
        return self.history[0].msg_type == MsgType.CANCEL

    @property
    def is_expired(self) -> bool:
        return self.state == AlertState.EXPIRED

    @property
    def is_drill(self) -> bool:
        return str(self.alert.status) in {str(status) for status in DRILL_STATUSES}

    @property
    def web_link(self) -> str | None:
        """The info's ``web`` when it is an http(s) address, safe to link."""
        web = self.info.web if self.info else None
        if web and web.lower().startswith(("https://", "http://")):
            return web
        return None

    @property
    def areas(self) -> tuple[Area, ...]:
        """The areas shelters are looked for in: the shown block's, else the
        first block's that has any."""
        if self.info and self.info.areas:
            return self.info.areas
        return next((info.areas for info in self.alert.infos if info.areas), ())


def active_lines(
    session: Session, *, drills: bool, now: datetime, language: str
) -> list[AlertLine]:
    """The listed alerts, most severe first, then newest."""
    lines = [
        _line(record, language)
        for record in active_messages(session, drills, now)
        if record.cap is not None and record.sent is not None
    ]
    lines.sort(key=lambda line: line.sent, reverse=True)
    lines.sort(key=lambda line: SEVERITY_RANK[Severity(line.severity)], reverse=True)
    return lines


def alert_view(session: Session, alert_id: str, language: str) -> AlertView | None:
    """The page of a public published message, or None when there is none."""
    record = session.get(AlertRecord, alert_id) if is_alert_id(alert_id) else None
    if record is None or not is_public(record) or record.cap is None:
        return None

    alert = parse(record.cap)
    chain = [
        message
        for message in chain_messages(session, record.chain_id or record.id)
        if is_public(message)
    ] or [record]
    history = [
        ChainStep(message.id, message.msg_type, message.sent, message.headline)
        for message in reversed(chain)
    ]
    return AlertView(
        record.id, alert, pick_info(alert, language), record.state, history
    )


def is_public(record: AlertRecord) -> bool:
    """Whether the public may see ``record`` at all."""
    return (
        record.state in SHOWN_STATES
        and record.scope == Scope.PUBLIC
        and record.status in SHOWN_STATUSES
    )


def pick_info(alert: Alert, language: str) -> Info | None:
    """The first info block in ``language`` (``id`` matches ``id-ID``), else
    the first block."""
    wanted = language.lower()
    for info in alert.infos:
        have = info.effective_language.lower()
        if have == wanted or have.startswith(wanted + "-"):
            return info
    return alert.infos[0] if alert.infos else None


def area_names(areas: tuple[Area, ...]) -> str:
    return "; ".join(area.area_desc for area in areas)


def _line(record: AlertRecord, language: str) -> AlertLine:
    assert record.cap is not None
    assert record.sent is not None
    info = pick_info(parse(record.cap), language)
    return AlertLine(record.id, record.msg_type, record.status, record.sent, info)
