"""The staff lifecycle: draft → pending approval → published, with Update and
Cancel started from a published alert.

Two-person rule: whoever wrote or submitted a message cannot approve it, and
an approval names the content hash the approver reviewed, so an edit made
after they looked voids it. Each step locks the row, so fifty concurrent
approvals publish once.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.accounts.actors import Actor
from gateway.accounts.models import Role
from gateway.accounts.people import office
from gateway.alerts import audit
from gateway.alerts.audit import AuditEntry
from gateway.alerts.chains import chain_state, current_message, is_live
from gateway.alerts.drafts import check_draft, draft_from_alert, latest_expiry
from gateway.alerts.errors import AlertNotFound, NotAllowed, RuleViolation, WrongState
from gateway.alerts.models import AlertRecord, AlertState, Origin, is_alert_id
from gateway.alerts.publishing import publish, record_hash
from gateway.alerts.settings import PublishSettings
from gateway.cap import MsgType, parse
from gateway.db import utc_now

logger = logging.getLogger(__name__)

APPROVER_ROLES = (Role.APPROVER, Role.ADMIN)
EDITABLE_STATES = (AlertState.DRAFT, AlertState.PENDING)
RETURNED = "alert.returned"


def create_draft(session: Session, actor: Actor, content: Any) -> AlertRecord:
    """A new draft Alert from checked draft content."""
    _require_staff(actor)
    _require_checked(content)
    record = AlertRecord(
        organisation=office(session),
        origin=str(Origin.STAFF),
        state=str(AlertState.DRAFT),
        msg_type=str(MsgType.ALERT),
        created_by=actor.label,
    )
    _set_content(record, content)
    session.add(record)
    session.flush()
    _audit(session, "alert.created", actor, record)
    return record


def create_follow_up(
    session: Session,
    actor: Actor,
    target_id: str,
    msg_type: MsgType,
    content: Any = None,
    note: str | None = None,
) -> AlertRecord:
    """A draft Update or Cancel of a published alert's chain."""
    _require_staff(actor)
    target = lock_alert(session, target_id)
    current = current_message(session, target.chain_id or target.id)
    if current is None or not is_live(current):
        raise WrongState(
            f"Only a published alert can be updated or cancelled; this one is "
            f"{chain_state(current)}",
            code="not-published",
        )
    if content is None:
        content = _content_of(current)
        if note:
            content["note"] = note
    _require_checked(content)

    record = AlertRecord(
        organisation=office(session),
        origin=str(Origin.STAFF),
        state=str(AlertState.DRAFT),
        msg_type=str(msg_type),
        chain_id=current.chain_id,
        target_id=current.id,
        created_by=actor.label,
    )
    _set_content(record, content)
    session.add(record)
    session.flush()
    _audit(session, "alert.created", actor, record, target_id=current.id)
    return record


def edit_draft(
    session: Session, actor: Actor, alert_id: str, content: Any
) -> AlertRecord:
    """Replace a draft's content; a pending alert goes back to draft."""
    _require_staff(actor)
    record = lock_alert(session, alert_id)
    if record.state not in EDITABLE_STATES or record.content is None:
        raise WrongState(
            f"This alert is {record.state} and can no longer be edited; "
            "published messages never change, so make an Update",
            code="not-editable",
        )
    _require_checked(content)

    was_pending = record.state == AlertState.PENDING
    _set_content(record, content)
    record.state = str(AlertState.DRAFT)
    record.submitted_by = record.submitted_at = None
    record.approved_by = record.approved_hash = None
    record.updated_at = utc_now()
    _audit(session, "alert.edited", actor, record, was_pending=was_pending)
    return record


def submit(session: Session, actor: Actor, alert_id: str) -> AlertRecord:
    """Send a draft for approval by a second person."""
    _require_staff(actor)
    record = lock_alert(session, alert_id)
    _require_state(record, AlertState.DRAFT, "submitted")
    record.state = str(AlertState.PENDING)
    record.state_reason = None
    record.submitted_by = actor.label
    record.submitted_at = record.updated_at = utc_now()
    _audit(session, "alert.submitted", actor, record)
    return record


def approve(
    session: Session,
    actor: Actor,
    alert_id: str,
    reviewed_hash: str,
    settings: PublishSettings,
) -> AlertRecord:
    """Approve the exact content reviewed, and publish it at once."""
    _require_approver(actor)
    record = lock_alert(session, alert_id)
    if record.state not in (AlertState.PENDING, AlertState.HELD):
        _require_state(record, AlertState.PENDING, "approved")
    if actor.label in (record.created_by, record.submitted_by):
        raise NotAllowed(
            "You wrote or submitted this alert; a second person must approve it",
            code="two-person-rule",
        )
    if reviewed_hash != record_hash(record):
        raise WrongState(
            "The alert changed after you reviewed it; review it again and approve "
            "the current content",
            code="content-changed",
        )

    record.approved_by = actor.label
    record.approved_hash = reviewed_hash
    _audit(session, "alert.approved", actor, record, content_hash=reviewed_hash)
    return publish(session, record, actor, settings)


def reject(session: Session, actor: Actor, alert_id: str, reason: str) -> AlertRecord:
    """Refuse a pending or held alert for good, saying why."""
    return _decide(session, actor, alert_id, reason, AlertState.REJECTED)


def return_to_author(
    session: Session, actor: Actor, alert_id: str, reason: str
) -> AlertRecord:
    """Send a pending draft back to its author with the changes needed."""
    return _decide(session, actor, alert_id, reason, AlertState.DRAFT)


def lock_alert(session: Session, alert_id: str) -> AlertRecord:
    """The alert's row, locked until the transaction ends."""
    if not is_alert_id(alert_id):
        raise AlertNotFound(f"No alert has the id {alert_id}", code="not-found")
    record = session.scalars(
        select(AlertRecord)
        .where(AlertRecord.id == alert_id)
        .with_for_update(of=AlertRecord)
    ).first()
    if record is None:
        raise AlertNotFound(f"No alert has the id {alert_id}", code="not-found")
    return record


def _decide(
    session: Session, actor: Actor, alert_id: str, reason: str, outcome: AlertState
) -> AlertRecord:
    _require_approver(actor)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(
            "Give a reason, so the author knows what to change", code="reason-required"
        )
    if "\x00" in reason:
        raise RuleViolation(
            "The reason contains a NUL character; remove it and send plain text",
            code="reason-not-text",
            location="/reason",
        )
    record = lock_alert(session, alert_id)
    allowed = [AlertState.PENDING]
    if outcome is AlertState.REJECTED:
        allowed.append(AlertState.HELD)
    if record.state not in allowed:
        _require_state(record, AlertState.PENDING, str(outcome))
    if outcome is AlertState.DRAFT and record.content is None:
        raise WrongState(
            "A partner's message cannot be returned for editing; reject it with "
            "a reason instead",
            code="not-editable",
        )

    record.state = str(outcome)
    record.state_reason = reason
    record.updated_at = utc_now()
    if outcome is AlertState.REJECTED:
        _audit(session, "alert.rejected", actor, record)
    else:
        # The returned content stays in the log, so the next review can show
        # what the author changed since.
        _audit(session, RETURNED, actor, record, content=record.content)
    return record


def returned_content(session: Session, alert_id: str) -> dict[str, Any] | None:
    """The content a draft had when it was last returned for changes."""
    details = session.scalar(
        select(AuditEntry.details)
        .where(AuditEntry.subject == f"alert:{alert_id}")
        .where(AuditEntry.action == RETURNED)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    if details is None:
        return None
    content = json.loads(details).get("content")
    return content if isinstance(content, dict) else None


def _content_of(record: AlertRecord) -> dict[str, Any]:
    if record.content is not None:
        return dict(record.content)
    assert record.cap is not None
    return draft_from_alert(parse(record.cap))


def _set_content(record: AlertRecord, content: dict[str, Any]) -> None:
    record.content = content
    record.status = content["status"]
    record.scope = content["scope"]
    record.expires = latest_expiry(content)
    first = content["infos"][0]
    record.headline = first.get("headline") or first.get("event")


def _require_checked(content: Any) -> None:
    problems = [problem for problem in check_draft(content) if problem.is_error]
    if problems:
        raise RuleViolation(
            f"The draft has {len(problems)} problem(s); first: {problems[0].message}",
            code="invalid-draft",
            location=problems[0].location,
            problems=problems,
        )


def _require_state(record: AlertRecord, wanted: AlertState, step: str) -> None:
    if record.state != wanted:
        raise WrongState(
            f"This alert is {record.state}; only a {wanted} alert can be {step}",
            code="wrong-state",
        )


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed(
            "Only the office's staff can do this; partners post CAP messages",
            code="staff-only",
        )


def _require_approver(actor: Actor) -> None:
    if not actor.is_staff or actor.role not in APPROVER_ROLES:
        raise NotAllowed(
            "Only an approver or an admin can approve, reject or return alerts",
            code="approver-only",
        )


def _audit(
    session: Session, action: str, actor: Actor, record: AlertRecord, **details: Any
) -> None:
    audit.record(
        session,
        action,
        actor=actor.label,
        subject=f"alert:{record.id}",
        details={"state": record.state, "msg_type": record.msg_type, **details},
    )
