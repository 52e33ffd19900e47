"""Pending subscriptions on SQLite and PostgreSQL: a request becomes a verified
subscriber only with its code or link, wrong codes end it, expired ones are
purged, and codes themselves are never stored."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from gateway.alerts.audit import AuditEntry
from gateway.db import transaction, utc_now
from gateway.residents.models import Subscriber, SubscriberTag
from gateway.residents.pending import (
    CODE_LIFETIME,
    LINK_LIFETIME,
    MAX_WRONG_CODES,
    Opened,
    PendingSubscription,
    Wanted,
    confirm,
    confirm_code,
    find_link,
    open_request,
    purge_expired,
)
from gateway.residents.subscriptions import find_subscriber
from gateway.runtime import runtime

SECRET = "a-secret-key-for-pending-tests"
PHONE = "+6281234567890"


def wanted(**overrides: Any) -> Wanted:
    fields: dict[str, Any] = {
        "channel": "sms",
        "address": PHONE,
        "language": "id-ID",
        "lat": -0.83,
        "lon": 100.37,
        "areas": ("1371010", "1371"),
    }
    fields.update(overrides)
    return Wanted(**fields)


def request_one(app: Flask, **overrides: Any) -> Opened:
    with transaction(runtime(app).sessions) as session:
        return open_request(
            session, wanted(**overrides), secret_key=SECRET, now=utc_now()
        )


def type_code(
    app: Flask, opened: Opened, code: str | None = None, **kwargs: Any
) -> Any:
    with transaction(runtime(app).sessions) as session:
        return confirm_code(
            session,
            opened.ticket,
            opened.secret if code is None else code,
            secret_key=SECRET,
            now=kwargs.get("now", utc_now()),
        )


def wrong_code(opened: Opened) -> str:
    return f"{(int(opened.secret) + 1) % 10**6:06d}"


def subscribers(app: Flask) -> list[Subscriber]:
    with transaction(runtime(app).sessions) as session:
        return list(session.scalars(select(Subscriber).order_by(Subscriber.id)))


def pending_rows(app: Flask) -> list[PendingSubscription]:
    with transaction(runtime(app).sessions) as session:
        return list(session.scalars(select(PendingSubscription)))


def area_tags(app: Flask, subscriber_id: int) -> set[str]:
    with transaction(runtime(app).sessions) as session:
        return set(
            session.scalars(
                select(SubscriberTag.value).where(
                    SubscriberTag.subscriber_id == subscriber_id,
                    SubscriberTag.kind == "area",
                )
            )
        )


def test_a_request_alone_stores_no_subscriber(app: Flask) -> None:
    opened = request_one(app)

    rows = pending_rows(app)
    assert subscribers(app) == []
    assert [row.id for row in rows] == [opened.pending_id]
    assert rows[0].expires_at - rows[0].created_at == CODE_LIFETIME


def test_the_right_code_makes_a_verified_subscriber_with_its_place(app: Flask) -> None:
    opened = request_one(app)

    outcome = type_code(app, opened)

    [stored] = subscribers(app)
    assert outcome.subscriber_id == stored.id
    assert (stored.channel, stored.address, stored.language) == ("sms", PHONE, "id-ID")
    assert (stored.lat, stored.lon) == (-0.83, 100.37)
    assert stored.verified is True
    assert stored.opted_out_at is None
    assert area_tags(app, stored.id) == {"1371010", "1371"}
    assert pending_rows(app) == []


def test_confirming_writes_an_audit_row_naming_ids_only(app: Flask) -> None:
    opened = request_one(app)

    outcome = type_code(app, opened)

    with transaction(runtime(app).sessions) as session:
        entry = session.scalars(
            select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
        ).one()
    assert entry.subject == f"subscriber:{outcome.subscriber_id}"
    assert entry.actor == "resident"
    assert PHONE not in entry.details
    assert PHONE[1:] not in json.dumps(json.loads(entry.details))


def test_the_code_is_stored_only_as_a_digest(app: Flask) -> None:
    opened = request_one(app)

    [row] = pending_rows(app)
    stored = " ".join(str(value) for value in vars(row).values())
    assert opened.secret not in stored
    assert len(row.secret_digest) == 64


def test_wrong_codes_count_down_and_the_fifth_ends_the_request(app: Flask) -> None:
    opened = request_one(app)
    wrong = wrong_code(opened)

    left = [type_code(app, opened, wrong).tries_left for _ in range(MAX_WRONG_CODES)]
    after = type_code(app, opened)

    assert left == [4, 3, 2, 1, 0]
    assert after.is_gone
    assert subscribers(app) == []
    assert pending_rows(app) == []


def test_an_expired_code_confirms_nothing(app: Flask) -> None:
    opened = request_one(app)

    outcome = type_code(
        app, opened, now=utc_now() + CODE_LIFETIME + timedelta(seconds=1)
    )

    assert outcome.is_gone
    assert subscribers(app) == []


def test_purge_deletes_only_expired_requests(app: Flask) -> None:
    request_one(app, address="+6281200000001")
    kept = request_one(app, address="+6281200000002", channel="email")

    with transaction(runtime(app).sessions) as session:
        purged = purge_expired(session, now=utc_now() + CODE_LIFETIME)

    assert purged == 1
    assert [row.id for row in pending_rows(app)] == [kept.pending_id]


def test_a_new_request_replaces_the_earlier_one_for_the_address(app: Flask) -> None:
    first = request_one(app, language="id-ID")
    second = request_one(app, language="en-US")

    old = type_code(app, first)
    new = type_code(app, second)

    assert old.is_gone
    assert new.subscriber_id is not None
    assert subscribers(app)[0].language == "en-US"


def test_an_email_link_confirms_only_with_its_token(app: Flask) -> None:
    opened = request_one(app, channel="email", address="warga@example.id")

    with transaction(runtime(app).sessions) as session:
        stranger = find_link(session, "not-the-token", secret_key=SECRET, now=utc_now())
        found = find_link(session, opened.secret, secret_key=SECRET, now=utc_now())
        assert found is not None
        expires = found.expires_at - found.created_at
        subscriber_id = confirm(session, found)

    assert stranger is None
    assert expires == LINK_LIFETIME
    assert [row.id for row in subscribers(app)] == [subscriber_id]


def test_an_sms_ticket_cannot_confirm_an_email_request(app: Flask) -> None:
    opened = request_one(app, channel="email", address="warga@example.id")

    outcome = type_code(app, opened, "123456")

    assert outcome.is_gone
    assert len(pending_rows(app)) == 1


def test_confirming_again_replaces_place_and_language_and_clears_opt_out(
    app: Flask,
) -> None:
    first = type_code(app, request_one(app))
    with transaction(runtime(app).sessions) as session:
        find_subscriber(session, first.subscriber_id).opted_out_at = utc_now()

    again = type_code(
        app, request_one(app, language="en-US", lat=None, lon=None, areas=("1371020",))
    )

    [stored] = subscribers(app)
    assert again.subscriber_id == first.subscriber_id
    assert (stored.language, stored.lat, stored.lon) == ("en-US", None, None)
    assert stored.opted_out_at is None
    assert area_tags(app, stored.id) == {"1371020"}
