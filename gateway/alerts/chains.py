"""Update/Cancel chains: which stored messages a message refers to, and the
``references`` value that names every earlier message of a chain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.alerts.models import PUBLISHED_STATES, AlertRecord, AlertState
from gateway.cap.model import MsgType, Reference
from gateway.cap.references import format_references, parse_references


def chain_messages(session: Session, chain_id: str) -> list[AlertRecord]:
    """Every published message of a chain, oldest first.

    Times are whole seconds, so an Update published in the same second as the
    message it follows is told apart by its place in the chain: how many
    follow-up steps lead from it back to the first message.
    """
    query = select(AlertRecord).where(AlertRecord.chain_id == chain_id)
    query = query.where(
        AlertRecord.state.in_([str(state) for state in PUBLISHED_STATES])
    )
    records = list(session.scalars(query))
    steps = _steps_from_first(records)
    return sorted(
        records,
        key=lambda record: (record.published_at, record.sent, steps[record.id]),
    )


def _steps_from_first(records: list[AlertRecord]) -> dict[str, int]:
    by_id = {record.id: record for record in records}
    steps = {}
    for record in records:
        count, seen, current = 0, {record.id}, record
        while current.target_id in by_id and current.target_id not in seen:
            current = by_id[current.target_id]
            seen.add(current.id)
            count += 1
        steps[record.id] = count
    return steps


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
