"""Subscribers as staff manage them one at a time: add, find, change, list and
remove, each change a row of the audit log naming ids, never an address.

Removing a subscriber erases what we hold about the person for good: address,
push keys, webhook secret, language, point, area codes and drill groups. The
row itself stays as an anonymous stub (id, channel, times; opted out and
unverified) because delivery rows, the office's record of what was sent,
point at it; targeting never picks it again and it is never found, listed
or changed. Closing the subscriber's unsent deliveries is the caller's part
(this package knows nothing of deliveries).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.alerts import audit
from gateway.db import utc_now
from gateway.residents.addresses import Channel
from gateway.residents.changes import Changes, Current
from gateway.residents.errors import (
    DuplicateSubscriber,
    InvalidSubscription,
    SubscriberNotFound,
)
from gateway.residents.models import Subscriber, SubscriberTag, TagKind

logger = logging.getLogger(__name__)

REMOVED_PREFIX = "removed:"
# Subscriber ids are SQL INTEGERs; a larger number names nobody.
MAX_ID = 2**31 - 1
MAX_PAGE_SIZE = 200
CURSOR_SHAPE = re.compile(r"after:([0-9]{1,10})")
SHOWN_ID_LENGTH = 20


@dataclass(frozen=True, slots=True)
class SubscriberFilter:
    """What a listing asks for; empty fields mean any."""

    channels: tuple[str, ...] = ()
    area: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Described:
    """A subscriber with its area codes and drill groups."""

    subscriber: Subscriber
    areas: tuple[str, ...]
    groups: tuple[str, ...]


@dataclass(slots=True)
class SubscriberPage:
    items: list[Described] = field(default_factory=list)
    next_cursor: str | None = None


def parse_subscriber_id(raw: str) -> int:
    """The id written in a URL, or ``SubscriberNotFound`` when it names nobody."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= MAX_ID:
        return int(raw)
    shown = raw if len(raw) <= SHOWN_ID_LENGTH else f"{raw[:SHOWN_ID_LENGTH]}…"
    raise SubscriberNotFound(
        f"No subscriber has the id {shown!r}; ids are whole numbers from 1.",
        code="not-found",
    )


def find_subscriber(
    session: Session, subscriber_id: int, *, for_update: bool = False
) -> Subscriber:
    """The subscriber with this id; a removed one is not found."""
    query = _present(select(Subscriber)).where(Subscriber.id == subscriber_id)
    if for_update:
        query = query.with_for_update()
    found: Subscriber | None = session.scalars(query).first()
    if found is None:
        raise SubscriberNotFound(
            f"No subscriber has the id {subscriber_id}.", code="not-found"
        )
    return found


def describe(session: Session, subscriber: Subscriber) -> Described:
    return _described(session, [subscriber])[0]


def current_of(described: Described) -> Current:
    """What a change to this subscriber is checked against."""
    subscriber = described.subscriber
    return Current(
        channel=Channel(subscriber.channel),
        address=subscriber.address,
        webhook_secret=subscriber.webhook_secret,
        has_point=subscriber.lat is not None,
        has_areas=bool(described.areas),
    )


def add_subscriber(session: Session, changes: Changes, *, actor: str) -> Described:
    """Store a new subscriber; ``DuplicateSubscriber`` if the address is taken."""
    columns = changes.columns
    _refuse_taken(session, columns["channel"], columns["address"], None)
    now = utc_now()
    subscriber = Subscriber(**columns, created_at=now, updated_at=now)
    _flush_unless_taken(session, subscriber)

    _replace_tags(session, subscriber.id, TagKind.AREA, changes.areas or ())
    _replace_tags(session, subscriber.id, TagKind.GROUP, changes.groups or ())
    _audit(session, "subscriber.created", actor, subscriber, fields=changes.names)
    return describe(session, subscriber)


def change_subscriber(
    session: Session, subscriber: Subscriber, changes: Changes, *, actor: str
) -> Described:
    """Apply ``changes``; an address another subscriber has is refused."""
    if not changes.names:
        return describe(session, subscriber)
    if "address" in changes.columns:
        _refuse_taken(
            session, subscriber.channel, changes.columns["address"], subscriber.id
        )
    now = utc_now()
    for name, value in changes.columns.items():
        setattr(subscriber, name, value)
    if changes.opted_out is not None:
        subscriber.opted_out_at = (
            (subscriber.opted_out_at or now) if changes.opted_out else None
        )
    subscriber.updated_at = now
    _flush_unless_taken(session, subscriber)

    if changes.areas is not None:
        _replace_tags(session, subscriber.id, TagKind.AREA, changes.areas)
    if changes.groups is not None:
        _replace_tags(session, subscriber.id, TagKind.GROUP, changes.groups)
    _audit(session, "subscriber.updated", actor, subscriber, fields=changes.names)
    return describe(session, subscriber)


def remove_subscriber(session: Session, subscriber: Subscriber, *, actor: str) -> None:
    """Erase the person's data, keeping the anonymous stub deliveries point at."""
    now = utc_now()
    session.execute(
        delete(SubscriberTag).where(SubscriberTag.subscriber_id == subscriber.id)
    )
    subscriber.address = f"{REMOVED_PREFIX}{subscriber.id}"
    subscriber.push_keys = None
    subscriber.webhook_secret = None
    subscriber.language = None
    subscriber.lat = None
    subscriber.lon = None
    subscriber.verified = False
    subscriber.opted_out_at = subscriber.opted_out_at or now
    subscriber.updated_at = now
    session.flush()
    _audit(session, "subscriber.removed", actor, subscriber)


def is_removed(subscriber: Subscriber) -> bool:
    return subscriber.address.startswith(REMOVED_PREFIX)


def list_subscribers(
    session: Session,
    wanted: SubscriberFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> SubscriberPage:
    """A page of subscribers in the order they were added, and the next cursor."""
    query = _filtered(_present(select(Subscriber)), wanted)
    if cursor:
        query = query.where(Subscriber.id > read_cursor(cursor))
    limit = min(limit, MAX_PAGE_SIZE)
    rows = list(session.scalars(query.order_by(Subscriber.id).limit(limit + 1)))

    page = SubscriberPage(items=_described(session, rows[:limit]))
    if len(rows) > limit:
        page.next_cursor = make_cursor(rows[limit - 1].id)
    return page


def make_cursor(subscriber_id: int) -> str:
    raw = f"after:{subscriber_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str) -> int:
    """The id a cursor continues after, or ``InvalidSubscription``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    found = CURSOR_SHAPE.fullmatch(raw)
    if found is None or int(found.group(1)) > MAX_ID:
        raise InvalidSubscription(
            "The cursor is not one this API gave out; use the 'next' link of the "
            "previous page.",
            code="bad-cursor",
            location="cursor",
        )
    return int(found.group(1))


def _present(query: Select[Any]) -> Select[Any]:
    return query.where(Subscriber.address.not_like(f"{REMOVED_PREFIX}%"))


def _filtered(query: Select[Any], wanted: SubscriberFilter) -> Select[Any]:
    if wanted.channels:
        query = query.where(Subscriber.channel.in_(wanted.channels))
    for kind, value in ((TagKind.AREA, wanted.area), (TagKind.GROUP, wanted.group)):
        if value:
            tagged = select(SubscriberTag.subscriber_id).where(
                SubscriberTag.kind == str(kind), SubscriberTag.value == value
            )
            query = query.where(Subscriber.id.in_(tagged))
    return query


def _described(session: Session, subscribers: list[Subscriber]) -> list[Described]:
    ids = [subscriber.id for subscriber in subscribers]
    tags: dict[tuple[int, str], list[str]] = {}
    if ids:
        rows = session.execute(
            select(SubscriberTag.subscriber_id, SubscriberTag.kind, SubscriberTag.value)
            .where(SubscriberTag.subscriber_id.in_(ids))
            .order_by(SubscriberTag.value)
        )
        for subscriber_id, kind, value in rows:
            tags.setdefault((subscriber_id, kind), []).append(value)
    return [
        Described(
            subscriber,
            tuple(tags.get((subscriber.id, str(TagKind.AREA)), ())),
            tuple(tags.get((subscriber.id, str(TagKind.GROUP)), ())),
        )
        for subscriber in subscribers
    ]


def _refuse_taken(
    session: Session, channel: str, address: str, own_id: int | None
) -> None:
    existing = session.scalar(
        select(Subscriber.id).where(
            Subscriber.channel == channel, Subscriber.address == address
        )
    )
    if existing is not None and existing != own_id:
        raise DuplicateSubscriber(
            f"Subscriber {existing} already has this {channel} address; change "
            "that one instead of adding another.",
            existing_id=existing,
        )


def _flush_unless_taken(session: Session, subscriber: Subscriber) -> None:
    """Write the row; one stored by a concurrent request meanwhile is a duplicate."""
    channel, address, own_id = subscriber.channel, subscriber.address, subscriber.id
    try:
        with session.begin_nested():
            session.add(subscriber)
            session.flush()
    except IntegrityError:
        _refuse_taken(session, channel, address, own_id)
        raise


def _replace_tags(
    session: Session, subscriber_id: int, kind: TagKind, values: Iterable[str]
) -> None:
    session.execute(
        delete(SubscriberTag).where(
            SubscriberTag.subscriber_id == subscriber_id,
            SubscriberTag.kind == str(kind),
        )
    )
    rows = [
        {"subscriber_id": subscriber_id, "kind": str(kind), "value": value}
        for value in values
    ]
    if rows:
        session.execute(insert(SubscriberTag), rows)


def _audit(
    session: Session,
    action: str,
    actor: str,
    subscriber: Subscriber,
    **details: Any,
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        subject=f"subscriber:{subscriber.id}",
        details={"channel": subscriber.channel, **details},
    )
    logger.info(
        "%s subscriber_id=%s channel=%s",
        action,
        subscriber.id,
        subscriber.channel,
    )
