"""Update/Cancel chains: which stored messages a message refers to, and the
``references`` value that names every earlier message of a chain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.alerts.models import PUBLISHED_STATES, AlertRecord, AlertState
from gateway.cap.model import MsgType, Reference
from gateway.cap.references import format_references, parse_references


def chain_messages(session: Session, chain_id: str) -> list[AlertRecord]:
    """Every published message of a chain, oldest first."""
    query = (
        select(AlertRecord)
        .where(AlertRecord.chain_id == chain_id)
        .where(AlertRecord.state.in_([str(state) for state in PUBLISHED_STATES]))
        .order_by(AlertRecord.published_at, AlertRecord.sent)
    )
    return list(session.scalars(query))


def current_message(session: Session, chain_id: str) -> AlertRecord | None:
    """The chain's latest published message, whatever its state now."""
    messages = chain_messages(session, chain_id)
    return messages[-1] if messages else None


def chain_references(session: Session, chain_id: str) -> str:
    """``references`` naming every earlier message of the chain."""
    return format_references(
        Reference(record.sender, record.identifier, record.sent)
        for record in chain_messages(session, chain_id)
        if record.sender and record.identifier and record.sent
    )


def referenced_records(session: Session, references: str) -> list[AlertRecord]:
    """The stored, published messages a ``references`` value names."""
    found = []
    for reference in parse_references(references):
        record = session.scalars(
            select(AlertRecord)
            .where(AlertRecord.sender == reference.sender)
            .where(AlertRecord.identifier == reference.identifier)
            .where(AlertRecord.sent == reference.sent)
            .where(AlertRecord.state.in_([str(state) for state in PUBLISHED_STATES]))
        ).first()
        if record is not None:
            found.append(record)
    return found


def is_live(record: AlertRecord) -> bool:
    """Whether a chain's current message can still be updated or cancelled."""
    return record.state == AlertState.PUBLISHED and record.msg_type != MsgType.CANCEL


def chain_state(current: AlertRecord | None) -> str:
    """How a person would name where a chain stands: cancelled, expired, ..."""
    if current is None:
        return "unknown"
    if current.msg_type == MsgType.CANCEL:
        return "cancelled"
    return current.state
