"""Publication: the one transaction that turns an approved message into the
CAP bytes served to the world, and moves the rest of its chain along.

A draft becomes CAP here (new identifier, the office's sender, ``sent`` now,
``references`` naming the whole chain), is signed when a key is configured,
and must pass full validation before it is stored. A partner's message is
published as the exact bytes it sent.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, tzinfo

from sqlalchemy.orm import Session

from gateway.accounts.actors import Actor
from gateway.alerts import audit
from gateway.alerts.chains import (
    chain_messages,
    chain_references,
    chain_state,
    current_message,
    is_live,
)
from gateway.alerts.drafts import alert_from_draft, content_hash
from gateway.alerts.errors import RuleViolation, WrongState
from gateway.alerts.models import AlertAreaCode, AlertRecord, AlertState
from gateway.alerts.public_links import with_public_links
from gateway.alerts.settings import PublishSettings
from gateway.cap import MsgType, write
from gateway.cap.errors import CapError
from gateway.cap.identifiers import new_identifier
from gateway.cap.model import Alert
from gateway.cap.signing import sign_message
from gateway.cap.validation import inspect
from gateway.db import utc_now

logger = logging.getLogger(__name__)

MAX_AREA_CODE_LENGTH = 200


def record_hash(record: AlertRecord) -> str:
    """What an approval binds to: the draft's content, or a partner's bytes."""
    if record.content is not None:
        return content_hash(record.content)
    return hashlib.sha256(record.cap or b"").hexdigest()


def publish(
    session: Session, record: AlertRecord, actor: Actor, settings: PublishSettings
) -> AlertRecord:
    """Publish an approved record in the caller's transaction."""
    if record.approved_hash is None or record.approved_hash != record_hash(record):
        raise WrongState(
            "The alert changed after it was approved; it needs a new approval",
            code="approval-void",
        )
    chain_id = _chain_for(session, record)
    if record.content is not None:
        _write_cap(session, record, chain_id, settings)

    now = utc_now()
    record.chain_id = chain_id
    record.state = str(AlertState.PUBLISHED)
    record.published_at = record.updated_at = now
    session.flush()
    _close_earlier(session, record, actor)
    audit.record(
        session,
        "alert.published",
        actor=actor.label,
        subject=f"alert:{record.id}",
        details={"cap_identifier": record.identifier, "msg_type": record.msg_type},
    )
    logger.info(
        "alert published alert_id=%s cap_identifier=%s msg_type=%s status=%s",
        record.id,
        record.identifier,
        record.msg_type,
        record.status,
    )
    return record


def fill_query_columns(record: AlertRecord, alert: Alert) -> None:
    """Copy what queries need from the CAP model into the record's columns."""
    record.identifier = alert.identifier
    record.sender = alert.sender
    record.sent = alert.sent
    record.status = str(alert.status)
    record.msg_type = str(alert.msg_type)
    record.scope = str(alert.scope)
    record.cap_references = alert.references
    record.expires = max(
        (info.expires for info in alert.infos if info.expires), default=None
    )
    record.headline = next(
        (info.headline for info in alert.infos if info.headline), None
    ) or next((info.event for info in alert.infos), None)
    # Known gap: a geocode longer than the index column is not indexed, so
    # filtering by it finds nothing; the code itself stays in the CAP bytes.
    codes = {
        (code.value_name, code.value)
        for info in alert.infos
        for area in info.areas
        for code in area.geocodes
        if max(len(code.value_name), len(code.value)) <= MAX_AREA_CODE_LENGTH
    }
    record.area_codes = [
        AlertAreaCode(value_name=name, value=value) for name, value in sorted(codes)
    ]


def _chain_for(session: Session, record: AlertRecord) -> str:
    """The chain an approved record joins, refusing a chain that has ended."""
    if record.msg_type == MsgType.ALERT or record.chain_id is None:
        return record.id
    current = current_message(session, record.chain_id)
    if current is None or not is_live(current):
        raise WrongState(
            f"The alert this {record.msg_type} changes is {chain_state(current)}; "
            "start a new alert instead",
            code="chain-ended",
        )
    return record.chain_id


def _write_cap(
    session: Session, record: AlertRecord, chain_id: str, settings: PublishSettings
) -> None:
    assert record.content is not None
    references = chain_references(session, chain_id) if chain_id != record.id else None
    alert = alert_from_draft(
        record.content,
        identifier=new_identifier(settings.identifier_prefix),
        sender=settings.sender,
        sent=_now_in(settings.timezone),
        msg_type=MsgType(record.msg_type),
        references=references or None,
    )
    if settings.public_url:
        alert = with_public_links(alert, settings.public_url, record.id)
    data = write(alert)
    if settings.signing_key_pem and settings.signing_cert_pem:
        try:
            data = sign_message(
                data,
                settings.signing_key_pem,
                settings.signing_cert_pem,
                settings.signing_key_password,
            )
        except CapError as exc:
            raise RuleViolation(
                f"The alert could not be signed: {exc.message}",
                code="signing-failed",
            ) from exc
    _require_valid(data)
    record.cap = data
    fill_query_columns(record, alert)


def _require_valid(data: bytes) -> None:
    errors = [problem for problem in inspect(data).problems if problem.is_error]
    if errors:
        raise RuleViolation(
            "The alert would not be a valid CAP 1.2 message: " + errors[0].message,
            code="invalid-cap",
            problems=errors,
        )


def _close_earlier(session: Session, record: AlertRecord, actor: Actor) -> None:
    """An Update supersedes the chain's earlier messages; a Cancel cancels them."""
    if record.msg_type == MsgType.ALERT:
        return
    new_state = (
        AlertState.CANCELLED
        if record.msg_type == MsgType.CANCEL
        else AlertState.SUPERSEDED
    )
    for earlier in chain_messages(session, record.chain_id or record.id):
        if earlier.id == record.id or earlier.state != AlertState.PUBLISHED:
            continue
        earlier.state = str(new_state)
        earlier.updated_at = utc_now()
        audit.record(
            session,
            f"alert.{new_state}",
            actor=actor.label,
            subject=f"alert:{earlier.id}",
            details={"by": record.id},
        )


def _now_in(zone: tzinfo) -> datetime:
    return utc_now().astimezone(zone)
