"""CAP messages posted to the gateway, by partner agencies or by staff.

A partner's message is checked (signature when its organisation requires one
or when it carries one, then full CAP validation), then published at once
with a ``publish`` key or left pending with a ``submit`` key, as the exact
bytes received. An Update or Cancel naming no message the gateway knows is
held for review; for the office's own sender it is refused. A staff member's
CAP message becomes a draft like any other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.accounts.actors import Actor
from gateway.accounts.models import KeyScope
from gateway.alerts import audit
from gateway.alerts.chains import (
    chain_state,
    current_message,
    is_live,
    referenced_records,
)
from gateway.alerts.drafts import draft_from_alert
from gateway.alerts.errors import (
    DuplicateMessage,
    MalformedInput,
    NotAllowed,
    RuleViolation,
    WrongState,
)
from gateway.alerts.lifecycle import create_draft
from gateway.alerts.models import AlertRecord, AlertState, Origin, new_alert_id
from gateway.alerts.publishing import fill_query_columns, publish, record_hash
from gateway.alerts.settings import PublishSettings
from gateway.cap import MsgType, Status
from gateway.cap.errors import CapError
from gateway.cap.model import Alert
from gateway.cap.problems import Problem, warning
from gateway.cap.signing import verify_message
from gateway.cap.validation import inspect
from gateway.db import utc_now

logger = logging.getLogger(__name__)

SIGNATURE_MARKER = b"http://www.w3.org/2000/09/xmldsig#"
UNREADABLE_CODES = {
    "not-bytes",
    "xml-syntax",
    "xml-unreadable",
    "xml-empty",
    "doctype",
    "entity",
    "xinclude",
    "too-deep",
    "too-large",
}
MAX_NAME_LENGTH = 255
ACCEPTED_TYPES = (MsgType.ALERT, MsgType.UPDATE, MsgType.CANCEL)


@dataclass(slots=True)
class Received:
    """The stored record of a posted message and the warnings found in it."""

    record: AlertRecord
    warnings: list[Problem] = field(default_factory=list)


def receive_message(
    session: Session, actor: Actor, data: bytes, settings: PublishSettings
) -> Received:
    """Check and store a posted CAP message, publishing it when the key allows."""
    data, signer = _check_signature(actor, data, settings)
    alert, warnings = _checked_alert(data)
    _check_acceptable(actor, alert)
    if actor.is_staff:
        return Received(create_draft(session, actor, draft_from_alert(alert)), warnings)

    _refuse_duplicate(session, alert)
    record = AlertRecord(
        id=new_alert_id(),
        organisation_id=actor.organisation_id,
        origin=str(Origin.PARTNER),
        state=str(AlertState.PENDING),
        cap=data,
        signer=signer,
        created_by=actor.label,
        submitted_by=actor.label,
        submitted_at=utc_now(),
    )
    fill_query_columns(record, alert)
    warnings += _expiry_warnings(record)
    _join_chain(session, actor, record, alert, settings)
    session.add(record)
    _flush_unique(session, alert)

    audit.record(
        session,
        "alert.received",
        actor=actor.label,
        subject=f"alert:{record.id}",
        details={"cap_identifier": alert.identifier, "state": record.state},
    )
    if record.state == AlertState.PENDING and actor.scope is KeyScope.PUBLISH:
        record.approved_by = actor.label
        record.approved_hash = record_hash(record)
        publish(session, record, actor, settings)
    return Received(record, warnings)


def _check_signature(
    actor: Actor, data: bytes, settings: PublishSettings
) -> tuple[bytes, str | None]:
    """The bytes to keep and the signer's fingerprint, or a refusal."""
    signed = SIGNATURE_MARKER in data
    if not signed and not actor.require_signature:
        return data, None
    if not signed:
        raise NotAllowed(
            f"{actor.organisation_name} must sign its messages; sign this one "
            "with the organisation's key and post it again",
            code="signature-required",
        )
    if settings.trust_store is None:
        if actor.require_signature:
            raise RuleViolation(
                "No trust store is configured, so the signature cannot be checked; "
                "the gateway's operator must set KENTONGAN_TRUST_STORE",
                code="no-trust-store",
            )
        return data, None
    try:
        verified = verify_message(data, settings.trust_store)
    except CapError as exc:
        raise NotAllowed(
            f"The signature was not accepted: {exc.message}", code=exc.code
        ) from exc
    return verified.data, verified.signer_fingerprint


def _checked_alert(data: bytes) -> tuple[Alert, list[Problem]]:
    found = inspect(data)
    errors = [problem for problem in found.problems if problem.is_error]
    if errors:
        kind = MalformedInput if errors[0].code in UNREADABLE_CODES else RuleViolation
        raise kind(
            f"The message has {len(errors)} problem(s); first: {errors[0].message}",
            code=errors[0].code,
            location=errors[0].location,
            problems=errors,
        )
    assert found.alert is not None
    return found.alert, [problem for problem in found.problems if not problem.is_error]


def _check_acceptable(actor: Actor, alert: Alert) -> None:
    for name in ("identifier", "sender"):
        if len(getattr(alert, name)) > MAX_NAME_LENGTH:
            raise RuleViolation(
                f"The {name} is longer than {MAX_NAME_LENGTH} characters; shorten it",
                code=f"{name}-too-long",
                location=f"/alert/{name}",
            )
    if alert.status is Status.DRAFT:
        raise RuleViolation(
            "Messages with status Draft are not taken; send Actual, Exercise, "
            "Test or System",
            code="draft-status",
            location="/alert/status",
        )
    if alert.msg_type not in ACCEPTED_TYPES:
        raise RuleViolation(
            f"This gateway takes Alert, Update and Cancel messages, not "
            f"{alert.msg_type}",
            code="msg-type-not-taken",
            location="/alert/msgType",
        )
    if actor.is_staff and alert.msg_type is not MsgType.ALERT:
        raise RuleViolation(
            "Staff make an Update or Cancel with /alerts/{id}/update or /cancel, "
            "which fills references for you",
            code="use-follow-up",
            location="/alert/msgType",
        )
    if not actor.may_use_sender(alert.sender):
        raise NotAllowed(
            f"This key may send as {', '.join(actor.senders)}, not {alert.sender}",
            code="sender-not-allowed",
            location="/alert/sender",
        )


def _expiry_warnings(record: AlertRecord) -> list[Problem]:
    if record.expires is None or record.expires > utc_now():
        return []
    return [
        warning(
            "already-expired",
            "/alert/info/expires",
            f"The message expired at {record.expires.isoformat()}; it is stored "
            "but no longer active",
        )
    ]


def _refuse_duplicate(session: Session, alert: Alert) -> None:
    existing = session.scalars(
        select(AlertRecord.id)
        .where(AlertRecord.sender == alert.sender)
        .where(AlertRecord.identifier == alert.identifier)
        .where(AlertRecord.sent == alert.sent)
    ).first()
    if existing is not None:
        raise DuplicateMessage(
            f"This message (sender {alert.sender}, identifier {alert.identifier}) "
            "is already stored",
            existing_id=existing,
        )


def _flush_unique(session: Session, alert: Alert) -> None:
    """Flush the new row; a concurrent twin of it is reported as a duplicate."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        existing = session.scalars(
            select(AlertRecord.id)
            .where(AlertRecord.sender == alert.sender)
            .where(AlertRecord.identifier == alert.identifier)
        ).first()
        raise DuplicateMessage(
            "This message is already stored", existing_id=existing or ""
        ) from exc


def _join_chain(
    session: Session,
    actor: Actor,
    record: AlertRecord,
    alert: Alert,
    settings: PublishSettings,
) -> None:
    """Link an Update or Cancel to the chain it names, or hold it for review."""
    if alert.msg_type is MsgType.ALERT:
        return
    known = referenced_records(session, alert.references or "")
    if not known:
        _hold_or_refuse(actor, record, alert, settings)
        return

    chains = {found.chain_id for found in known}
    if len(chains) > 1:
        raise RuleViolation(
            "The references name messages of different alerts; send one Update "
            "or Cancel per alert",
            code="references-span-chains",
            location="/alert/references",
        )
    if any(found.organisation_id != actor.organisation_id for found in known):
        raise NotAllowed(
            "The references name another organisation's alert; only its sender "
            "can update or cancel it",
            code="not-your-alert",
            location="/alert/references",
        )
    chain_id = known[0].chain_id or known[0].id
    current = current_message(session, chain_id)
    if current is None or not is_live(current):
        raise WrongState(
            f"The alert this {alert.msg_type} changes is already "
            f"{chain_state(current)}",
            code="chain-ended",
        )
    record.chain_id = chain_id
    record.target_id = current.id
    if alert.msg_type is MsgType.CANCEL and record.expires is None:
        # A Cancel is listed in feeds until the alert it cancels would expire.
        record.expires = current.expires


def _hold_or_refuse(
    actor: Actor, record: AlertRecord, alert: Alert, settings: PublishSettings
) -> None:
    if actor.is_office or alert.sender == settings.sender:
        raise RuleViolation(
            f"This {alert.msg_type} names no message the gateway knows; check "
            "its references",
            code="unknown-reference",
            location="/alert/references",
        )
    record.state = str(AlertState.HELD)
    record.state_reason = (
        f"{alert.msg_type} names no message the gateway knows; a staff approver "
        "must review it"
    )
    logger.warning(
        "partner message held alert_id=%s cap_identifier=%s",
        record.id,
        alert.identifier,
    )
