"""Self-subscription through real providers and real fan-out: the email link
over a loopback SMTP server (aiosmtpd), the SMS code through a loopback
http-json provider, a failing provider leaving nothing behind, and a
published alert that reaches a resident only once confirmed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.places.demo import seed_demo_places
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.factories import add_partner, partner_cap, post_cap
from tests.loopback import Answer, LoopbackServer, loopback_server
from tests.mailbox import Mailbox, running_mailbox
from tests.web.console import csrf_token, page_text
from tests.web.test_subscribe import (
    LINK,
    pending,
    send_form,
    stored,
    type_code,
)

LOOPBACK = "127.0.0.1"
MAIL_FROM = "peringatan@kentongan.example"
# Inside the polygon of the partner alert tests.factories.partner_cap sends.
INSIDE = {"lat": "-0.83", "lon": "100.37", "area": ""}


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as running:
        yield running


@pytest.fixture
def sms_provider() -> Iterator[LoopbackServer]:
    with loopback_server(Answer(200, {"Content-Type": "application/json"}, b"{}")) as (
        server
    ):
        yield server


@pytest.fixture
def provider_app(
    database_url: str,
    tmp_path: Path,
    mailbox: tuple[Mailbox, int],
    sms_provider: LoopbackServer,
) -> Iterator[Flask]:
    app = build_app(
        database_url,
        tmp_path,
        OUTBOX_DIR=str(tmp_path / "outbox"),
        SUBSCRIBE_MIN_SECONDS=0,
        SMTP_HOST=LOOPBACK,
        SMTP_PORT=mailbox[1],
        SMTP_SECURITY="none",
        MAIL_FROM=MAIL_FROM,
        SMS_PROVIDER="http-json",
        SMS_URL=sms_provider.url("/send"),
    )
    seed_demo_places(runtime(app).sessions)
    yield app
    runtime(app).dispatcher.shutdown()
    runtime(app).engine.dispose()


def deliveries(app: Flask, alert_id: str) -> list[Delivery]:
    with transaction(runtime(app).sessions) as session:
        query = select(Delivery).where(Delivery.alert_id == alert_id)
        return list(session.scalars(query))


def publish_partner_alert(app: Flask) -> str:
    answer = post_cap(app.test_client(), add_partner(app, "publish"), partner_cap())
    assert answer.status_code == 201, answer.get_json()
    assert runtime(app).dispatcher.wait_idle(30)
    alert_id: str = answer.get_json()["id"]
    return alert_id


def test_the_email_link_arrives_over_smtp_as_a_plain_notice(
    provider_app: Flask, mailbox: tuple[Mailbox, int]
) -> None:
    client = provider_app.test_client()

    sent = send_form(
        client,
        "?lang=en",
        channel="email",
        address="warga@example.id",
        language="en-US",
    )
    [message] = mailbox[0].received
    body = message.get_content()
    found = LINK.search(body)
    assert found is not None, body
    parts = urlsplit(found.group(0))
    link = f"{parts.path}?{parts.query}"
    page = client.get(link)
    confirmed = client.post(link, data={"csrf_token": csrf_token(page)})

    assert sent.status_code == 303
    assert message["To"] == "warga@example.id"
    assert message["Subject"] == "Confirm your alerts from Emergency office"
    assert message.get_content_type() == "text/plain"
    assert "List-Unsubscribe" not in message
    assert "If it was not you, ignore this email" in body
    assert confirmed.status_code == 303
    assert [row.verified for row in stored(provider_app)] == [True]


def test_the_sms_code_goes_to_the_provider_and_confirms(
    provider_app: Flask, sms_provider: LoopbackServer
) -> None:
    client = provider_app.test_client()

    sent = send_form(client)
    [request] = sms_provider.received
    payload = json.loads(request.body)
    code = payload["text"].split(": ", 1)[1][:6]
    done = type_code(client, sent.headers["Location"], code)

    assert payload["to"] == "+6281234567890"
    assert payload["reference"].startswith("notice-")
    assert "Abaikan SMS ini" in payload["text"]
    assert done.status_code == 303
    assert [row.address for row in stored(provider_app)] == ["+6281234567890"]


def test_a_failing_provider_is_explained_and_leaves_nothing_behind(
    provider_app: Flask, sms_provider: LoopbackServer
) -> None:
    sms_provider.script.append(Answer(503))

    answer = send_form(provider_app.test_client(), "?lang=en")

    assert answer.status_code == 503
    assert "We could not send the message just now" in page_text(answer)
    assert "try again in a few minutes" in page_text(answer)
    assert len(sms_provider.received) == 1
    assert pending(provider_app) == []
    assert stored(provider_app) == []


def test_an_unconfirmed_resident_is_not_reached_by_a_published_alert(
    provider_app: Flask, sms_provider: LoopbackServer
) -> None:
    client = provider_app.test_client()
    sent = send_form(client, **INSIDE)
    code = json.loads(sms_provider.received[-1].body)["text"].split(": ", 1)[1][:6]

    before = publish_partner_alert(provider_app)
    type_code(client, sent.headers["Location"], code)
    after = publish_partner_alert(provider_app)

    assert deliveries(provider_app, before) == []
    [delivery] = deliveries(provider_app, after)
    assert delivery.subscriber_id == stored(provider_app)[0].id
