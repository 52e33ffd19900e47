"""An alert's history for the console: the audit log rows of the alert and of
every message of its Update/Cancel chain, oldest first, with who did each
step in words a person knows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.accounts.models import Credential, User
from gateway.alerts.audit import AuditEntry
from gateway.alerts.models import AlertRecord

DECISIONS = ("alert.rejected", "alert.returned")


@dataclass(frozen=True, slots=True)
class Step:
    """One audited step of a message of the chain."""

    at: datetime
    action: str
    actor: str
    alert_id: str
    msg_type: str
    reason: str | None = None


def chain_records(db: Session, record: AlertRecord) -> list[AlertRecord]:
    """The alert and every message sharing its chain, oldest first."""
    if record.chain_id is None:
        return [record]
    query = (
        select(AlertRecord)
        .where(
            or_(AlertRecord.chain_id == record.chain_id, AlertRecord.id == record.id)
        )
        .order_by(AlertRecord.created_at, AlertRecord.id)
    )
    return list(db.scalars(query))


def history_of(db: Session, record: AlertRecord) -> list[Step]:
    """Every audited step of the alert's chain, oldest first."""
    messages = {message.id: message for message in chain_records(db, record)}
    subjects = [f"alert:{alert_id}" for alert_id in messages]
    entries = list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject.in_(subjects))
            .order_by(AuditEntry.seq)
        )
    )
    names = actor_names(db, [entry.actor for entry in entries])
    last_decision = _last_decisions(entries)

    steps = []
    for entry in entries:
        message = messages[entry.subject.removeprefix("alert:")]
        steps.append(
            Step(
                at=entry.at,
                action=entry.action,
                actor=names.get(entry.actor, entry.actor),
                alert_id=message.id,
                msg_type=_details(entry).get("msg_type") or message.msg_type,
                reason=message.state_reason if entry in last_decision else None,
            )
        )
    return steps


# Known gap: the lifecycle keeps only the latest reject/return reason (in the
# alert's ``state_reason``), not one per audit row — an alert returned twice
# shows the reason beside its latest return only.
def _last_decisions(entries: list[AuditEntry]) -> list[AuditEntry]:
    """The latest reject or return of each message: the one its reason is of."""
    latest: dict[str, AuditEntry] = {}
    for entry in entries:
        if entry.action in DECISIONS:
            latest[entry.subject] = entry
    return list(latest.values())


def actor_names(db: Session, labels: list[str]) -> dict[str, str]:
    """Each ``user:N`` label as an email address, ``key:N`` as its organisation."""
    users = _ids(labels, "user:")
    keys = _ids(labels, "key:")
    names: dict[str, str] = {}
    if users:
        rows = db.execute(select(User.id, User.email).where(User.id.in_(users)))
        names.update({f"user:{user_id}": email for user_id, email in rows})
    if keys:
        for key in db.scalars(select(Credential).where(Credential.id.in_(keys))):
            names[f"key:{key.id}"] = f"{key.organisation.name} (key {key.id})"
    return names


def _ids(labels: list[str], prefix: str) -> list[int]:
    return sorted(
        {
            int(label.removeprefix(prefix))
            for label in labels
            if label.startswith(prefix) and label.removeprefix(prefix).isdigit()
        }
    )


def _details(entry: AuditEntry) -> dict[str, Any]:
    try:
        found = json.loads(entry.details)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
