"""Fan-out through configured providers: SMTP email to a real SMTP server on
loopback with a working unsubscribe link, and SMS to an HTTP JSON provider
faked at the network edge."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from sqlalchemy import select

from gateway.config import ConfigError
from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.residents.models import Subscriber as SubscriberRow
from gateway.runtime import runtime
from tests.channels.test_webpush import PushService
from tests.channels.test_webpush import Subscriber as Browser
from tests.conftest import build_app
from tests.dispatch.test_fanout import INSIDE_POLYGON, publish, subscribe
from tests.factories import add_partner, partner_cap
from tests.loopback import Answer, LoopbackServer, loopback_server
from tests.mailbox import Mailbox, running_mailbox
from tests.residents.factories import csv_row


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as running:
        yield running


def mail_app(database_url: str, tmp_path: Path, port: int) -> Flask:
    return build_app(
        database_url,
        tmp_path,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_SECURITY="none",
        MAIL_FROM="peringatan@padang.go.id",
        PUBLIC_URL="https://peringatan.padang.go.id",
        OUTBOX_DIR=str(tmp_path / "outbox"),
    )


def test_email_is_delivered_and_its_unsubscribe_link_works(
    database_url: str, tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    app = mail_app(database_url, tmp_path, port)
    partner = add_partner(app, "publish")
    subscribe(
        app, csv_row(channel="email", address="warga@example.org", **INSIDE_POLYGON)
    )

    first = publish(app, partner, partner_cap())
    (message,) = box.received
    link = message["List-Unsubscribe"].strip("<>")
    page = app.test_client().get(urlsplit(link).path)
    one_click = app.test_client().post(
        urlsplit(link).path, data={"List-Unsubscribe": "One-Click"}
    )
    second = publish(app, partner, partner_cap())

    with transaction(runtime(app).sessions) as session:
        statuses = list(
            session.scalars(
                select(Delivery.status).where(Delivery.alert_id == first["id"])
            )
        )
        opted_out = session.scalars(select(SubscriberRow.opted_out_at)).one()
    assert message["To"] == "warga@example.org"
    assert message["Subject"].startswith("Gempa M6,8")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link.startswith("https://peringatan.padang.go.id/unsubscribe/")
    assert page.status_code == 200
    assert one_click.status_code == 200
    assert statuses == ["sent"]
    assert opted_out is not None
    assert len(box.received) == 1
    assert second["state"] == "published"
    runtime(app).dispatcher.shutdown()


def test_forged_unsubscribe_link_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    app = build_app(sqlite_url, tmp_path)

    response = app.test_client().post("/unsubscribe/MQ.forged-signature")

    assert response.status_code == 404


@pytest.fixture
def provider() -> Iterator[LoopbackServer]:
    accepted = Answer(202, {"Content-Type": "application/json"}, b'{"id": "op-1"}')
    with loopback_server(accepted) as server:
        yield server


def test_sms_goes_to_the_configured_http_json_provider(
    database_url: str, tmp_path: Path, provider: LoopbackServer
) -> None:
    app = build_app(
        database_url, tmp_path, SMS_PROVIDER="http-json", SMS_URL=provider.url("/send")
    )
    partner = add_partner(app, "publish")
    subscribe(app, csv_row(address="081200000001", **INSIDE_POLYGON))

    alert = publish(app, partner, partner_cap())

    with transaction(runtime(app).sessions) as session:
        row = session.scalars(
            select(Delivery).where(Delivery.alert_id == alert["id"])
        ).one()
    (request,) = provider.received
    headers, body = request.headers, json.loads(request.body)
    assert body["to"] == "+6281200000001"
    assert body["reference"] == str(row.id)
    assert body["text"].startswith("Gempa M6,8")
    assert headers["Idempotency-Key"]
    assert (row.status, row.provider_reference) == ("sent", "op-1")
    runtime(app).dispatcher.shutdown()


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"SMS_PROVIDER": "carrier-pigeon"}, "KENTONGAN_SMS_PROVIDER"),
        ({"SMS_PROVIDER": "kannel"}, "KENTONGAN_SMS_URL"),
        ({"SMTP_HOST": "127.0.0.1"}, "KENTONGAN_MAIL_FROM"),
    ],
    ids=["unknown-sms-provider", "kannel-without-url", "smtp-without-from"],
)
def test_incomplete_provider_settings_stop_start_up_with_the_name(
    sqlite_url: str, tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        build_app(sqlite_url, tmp_path, **settings)


def test_web_push_is_encrypted_for_the_subscriber_and_expires_with_the_alert(
    database_url: str, tmp_path: Path
) -> None:
    service, browser = (
        PushService(),
        Browser(ec.generate_private_key(ec.SECP256R1()), os.urandom(16)),
    )
    threading.Thread(target=service.serve_forever, args=(0.05,), daemon=True).start()
    vapid = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    app = build_app(
        database_url,
        tmp_path,
        WEBPUSH_VAPID_PRIVATE_KEY=vapid.decode(),
        WEBPUSH_VAPID_SUBJECT="mailto:ops@padang.go.id",
        WEBPUSH_ALLOW_INSECURE=True,
    )
    with transaction(runtime(app).sessions) as session:
        session.add(
            SubscriberRow(
                channel="webpush",
                address=service.endpoint,
                push_keys=browser.keys,
                lat=-0.83,
                lon=100.37,
                verified=True,
            )
        )
    partner = add_partner(app, "publish")

    publish(app, partner, partner_cap())
    service.shutdown()

    (request,) = service.received
    payload = json.loads(browser.decrypt(request.body))
    assert payload["title"].startswith("Gempa M6,8")
    assert request.headers["urgency"] == "high"
    assert 0 < int(request.headers["ttl"]) <= 6 * 3600
    assert request.headers["authorization"].startswith("vapid t=")
    runtime(app).dispatcher.shutdown()
