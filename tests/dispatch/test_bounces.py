"""Email bounces end to end: an alert email goes to a real SMTP server on
loopback, a bounce is written from what that server received, and posted to
``/receipts/email-bounce`` it fails the delivery and opts the subscriber out;
delays, forged references, secrets and unreadable bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from gateway.channels.bounces import MAX_BOUNCE_BYTES, make_reference, verp_address
from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.residents.models import Subscriber
from gateway.runtime import runtime
from tests.channels.dsn import RESIDENT, exim_dsn, postfix_dsn, qmail_bounce
from tests.channels.test_email import Mailbox, Received, free_port, running_server
from tests.conftest import build_app
from tests.dispatch.test_fanout import INSIDE_POLYGON, publish, subscribe
from tests.factories import add_partner, partner_cap
from tests.residents.factories import csv_row

SECRET = "email-receipt-secret-for-tests"
BOUNCE_ADDRESS = "bounces@padang.go.id"
RFC822 = "message/rfc822"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    with running_server(box, port):
        yield box, port


@pytest.fixture
def mail_app(
    database_url: str, tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> Iterator[Flask]:
    app = build_app(
        database_url,
        tmp_path,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=mailbox[1],
        SMTP_SECURITY="none",
        MAIL_FROM="peringatan@padang.go.id",
        MAIL_BOUNCE_ADDRESS=BOUNCE_ADDRESS,
        EMAIL_RECEIPT_SECRET=SECRET,
        PUBLIC_URL="https://peringatan.padang.go.id",
        OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    yield app
    runtime(app).dispatcher.shutdown()
    runtime(app).engine.dispose()


def send_alert(app: Flask, box: Mailbox) -> tuple[str, Received]:
    """Publish an alert to one email subscriber; its id and the mail received."""
    partner = add_partner(app, "publish")
    subscribe(app, csv_row(channel="email", address=RESIDENT, **INSIDE_POLYGON))
    alert = publish(app, partner, partner_cap())
    [received] = box.received
    return alert["id"], received


def delivery_of(app: Flask, alert_id: str) -> Delivery:
    with transaction(runtime(app).sessions) as session:
        return session.scalars(
            select(Delivery).where(Delivery.alert_id == alert_id)
        ).one()


def subscriber_of(app: Flask, row: Delivery) -> Subscriber:
    with transaction(runtime(app).sessions) as session:
        found = session.get(Subscriber, row.subscriber_id)
        assert found is not None
        return found


def with_hmac_changed(envelope_sender: str) -> str:
    """The VERP address with the last digit of its HMAC changed."""
    local, _, domain = envelope_sender.partition("@")
    digit = "1" if local.endswith("0") else "0"
    return f"{local[:-1]}{digit}@{domain}"


def post_bounce(
    client: FlaskClient,
    data: bytes,
    *,
    secret: str | None = SECRET,
    content_type: str = RFC822,
) -> TestResponse:
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    return client.post(
        "/receipts/email-bounce", data=data, content_type=content_type, headers=headers
    )


def test_hard_bounce_fails_the_delivery_and_opts_the_subscriber_out(
    mail_app: Flask, mailbox: tuple[Mailbox, int]
) -> None:
    box = mailbox[0]
    alert_id, received = send_alert(mail_app, box)
    sent = delivery_of(mail_app, alert_id)
    bounce = postfix_dsn(to=received.mail_from, original=received.raw)

    response = post_bounce(mail_app.test_client(), bounce)
    repeated = post_bounce(mail_app.test_client(), bounce)
    failed = delivery_of(mail_app, alert_id)
    later = publish(mail_app, add_partner(mail_app, "publish"), partner_cap())

    assert received.mail_from.startswith("bounces+")
    assert received.mail_from.endswith("@padang.go.id")
    assert sent.status == "sent"
    assert response.status_code == 200
    assert response.get_json() == {
        "deliveryId": sent.id,
        "outcome": "failed",
        "status": "5.1.1",
        "applied": True,
        "optedOut": True,
        "reason": failed.last_error,
    }
    assert repeated.get_json()["applied"] is False
    assert failed.status == "failed"
    assert failed.finished_at is not None
    assert "User unknown in virtual mailbox table" in (failed.last_error or "")
    assert subscriber_of(mail_app, failed).opted_out_at is not None
    assert later["state"] == "published"
    assert len(box.received) == 1


def test_full_mailbox_fails_the_delivery_but_keeps_the_subscriber(
    mail_app: Flask, mailbox: tuple[Mailbox, int]
) -> None:
    alert_id, received = send_alert(mail_app, mailbox[0])
    bounce = exim_dsn(
        to=received.mail_from,
        original=received.raw,
        status="5.2.2",
        diagnostic="smtp; 552 5.2.2 Mailbox full",
    )

    response = post_bounce(mail_app.test_client(), bounce)

    row = delivery_of(mail_app, alert_id)
    assert response.get_json()["optedOut"] is False
    assert row.status == "failed"
    assert "Mailbox full" in (row.last_error or "")
    assert subscriber_of(mail_app, row).opted_out_at is None


def test_delay_leaves_a_note_and_the_later_failure_is_final(
    mail_app: Flask, mailbox: tuple[Mailbox, int]
) -> None:
    alert_id, received = send_alert(mail_app, mailbox[0])
    delayed = postfix_dsn(
        to=received.mail_from,
        original=received.raw,
        action="delayed",
        status="4.4.1",
        diagnostic="X-Postfix; connect to mx.example.org: Connection timed out",
    )
    expired = postfix_dsn(
        to=received.mail_from,
        original=received.raw,
        status="4.4.7",
        diagnostic="X-Postfix; connect to mx.example.org: Connection timed out",
    )
    client = mail_app.test_client()

    noted = post_bounce(client, delayed)
    after_delay = delivery_of(mail_app, alert_id)
    given_up = post_bounce(client, expired)
    final = delivery_of(mail_app, alert_id)

    assert noted.get_json()["outcome"] == "delayed"
    assert noted.get_json()["applied"] is True
    assert after_delay.status == "sent"
    assert after_delay.finished_at is None
    assert "still trying" in (after_delay.last_error or "")
    assert given_up.get_json()["outcome"] == "failed"
    assert final.status == "failed"
    assert "gave up" in (final.last_error or "")
    assert subscriber_of(mail_app, final).opted_out_at is None


def test_bounce_with_a_forged_reference_changes_nothing(
    mail_app: Flask, mailbox: tuple[Mailbox, int]
) -> None:
    alert_id, received = send_alert(mail_app, mailbox[0])
    forged = with_hmac_changed(received.mail_from)

    response = post_bounce(
        mail_app.test_client(), postfix_dsn(to=forged, original=None)
    )

    after = delivery_of(mail_app, alert_id)
    assert forged != received.mail_from
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "ignored"
    assert "does not verify" in response.get_json()["reason"]
    assert after.status == "sent"
    assert subscriber_of(mail_app, after).opted_out_at is None


def test_plain_text_bounce_is_answered_but_changes_nothing(
    mail_app: Flask, mailbox: tuple[Mailbox, int]
) -> None:
    alert_id, received = send_alert(mail_app, mailbox[0])

    response = post_bounce(
        mail_app.test_client(),
        qmail_bounce(to=received.mail_from, original=received.raw),
    )

    body = response.get_json()
    assert response.status_code == 200
    assert body["outcome"] == "unknown"
    assert body["applied"] is False
    assert "not a delivery status notification" in body["reason"]
    assert delivery_of(mail_app, alert_id).status == "sent"


@pytest.fixture
def receipts_app(app: Flask) -> Flask:
    app.config["EMAIL_RECEIPT_SECRET"] = SECRET
    return app


def test_bounce_of_a_delivery_we_do_not_have_is_answered_200(
    receipts_app: Flask,
) -> None:
    reference = make_reference(receipts_app.config["SECRET_KEY"], "999999")
    bounce = postfix_dsn(to=verp_address(BOUNCE_ADDRESS, reference), original=None)

    response = post_bounce(receipts_app.test_client(), bounce)

    assert response.status_code == 200
    assert response.get_json()["outcome"] == "ignored"
    assert "No email delivery has the id 999999" in response.get_json()["reason"]


@pytest.mark.parametrize(
    ("secret", "status", "code"),
    [
        pytest.param(None, 403, "bad-receipt-secret", id="no-secret"),
        pytest.param("wrong", 403, "bad-receipt-secret", id="wrong-secret"),
        pytest.param(SECRET[:-1], 403, "bad-receipt-secret", id="secret-cut-short"),
        pytest.param(SECRET, 200, None, id="right-secret"),
    ],
)
def test_bounce_endpoint_needs_the_email_receipt_secret(
    receipts_app: Flask, secret: str | None, status: int, code: str | None
) -> None:
    bounce = postfix_dsn(to=BOUNCE_ADDRESS, original=None)

    response = post_bounce(receipts_app.test_client(), bounce, secret=secret)

    assert response.status_code == status
    assert response.get_json().get("code") == code
    if status == 403:
        assert response.mimetype == "application/problem+json"


def test_sms_receipt_secret_does_not_open_the_bounce_endpoint(
    receipts_app: Flask,
) -> None:
    receipts_app.config["SMS_RECEIPT_SECRET"] = "the-sms-one"
    bounce = postfix_dsn(to=BOUNCE_ADDRESS, original=None)

    response = post_bounce(receipts_app.test_client(), bounce, secret="the-sms-one")

    assert response.status_code == 403


def test_bounce_endpoint_is_off_without_its_secret(app: Flask) -> None:
    bounce = postfix_dsn(to=BOUNCE_ADDRESS, original=None)

    response = post_bounce(app.test_client(), bounce)

    assert response.status_code == 404
    assert response.get_json()["code"] == "receipts-disabled"
    assert "KENTONGAN_EMAIL_RECEIPT_SECRET" in response.get_json()["detail"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        pytest.param(
            b"\x00\x01 not mail", RFC822, 400, "not-a-message", id="not-a-message"
        ),
        pytest.param(b"", "application/octet-stream", 400, "not-a-message", id="empty"),
        pytest.param(
            b"From: x@example.org\n\nhi\n",
            "text/plain",
            415,
            "unsupported-media-type",
            id="wrong-content-type",
        ),
        pytest.param(
            b"From: x@example.org\n\n" + b"a" * MAX_BOUNCE_BYTES,
            RFC822,
            413,
            "too-large",
            id="too-large",
        ),
    ],
)
def test_unreadable_bounce_is_refused_with_a_problem(
    receipts_app: Flask, data: bytes, content_type: str, status: int, code: str
) -> None:
    response = post_bounce(receipts_app.test_client(), data, content_type=content_type)

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code
    assert response.get_json()["errors"][0]["message"]
