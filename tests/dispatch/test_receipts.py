"""Provider receipts: a fake Kannel on loopback takes an SMS, and the DLR URL
it was given, called back, marks the delivery delivered; the HTTP JSON
callback; secrets, repeats and unreadable receipts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.dispatch.test_fanout import INSIDE_POLYGON, publish, subscribe
from tests.factories import add_partner, partner_cap
from tests.loopback import Answer, LoopbackServer, loopback_server
from tests.residents.factories import csv_row

SECRET = "receipt-secret-for-tests"


@pytest.fixture
def kannel() -> Iterator[LoopbackServer]:
    with loopback_server(Answer(202, body=b"0: Accepted for delivery")) as server:
        yield server


@pytest.fixture
def sms_app(
    database_url: str, tmp_path: Path, kannel: LoopbackServer
) -> Iterator[Flask]:
    app = build_app(
        database_url,
        tmp_path,
        SMS_PROVIDER="kannel",
        SMS_URL=kannel.url("/cgi-bin/sendsms"),
        SMS_USERNAME="kentongan",
        SMS_PASSWORD="sendsms-password",
        SMS_RECEIPT_URL=f"https://gw.example/receipts/kannel?secret={SECRET}",
        SMS_RECEIPT_SECRET=SECRET,
    )
    yield app
    runtime(app).dispatcher.shutdown()


def sent_delivery(app: Flask) -> Delivery:
    partner = add_partner(app, "publish")
    subscribe(app, csv_row(address="081200000001", **INSIDE_POLYGON))
    alert = publish(app, partner, partner_cap())
    return status_of(app, alert["id"])


def status_of(app: Flask, alert_id: str) -> Delivery:
    with transaction(runtime(app).sessions) as session:
        return session.scalars(
            select(Delivery).where(Delivery.alert_id == alert_id)
        ).one()


def dlr_path(kannel: LoopbackServer, filled: str) -> str:
    """The DLR URL Kannel was given, with its placeholders filled as Kannel does."""
    url = kannel.received[0].headers["X-Kannel-DLR-Url"]
    parts = urlsplit(url.replace("%d", filled).replace("%A", "ok"))
    return f"{parts.path}?{parts.query}"


def test_kannel_delivery_report_marks_the_delivery_delivered(
    sms_app: Flask, kannel: LoopbackServer
) -> None:
    row = sent_delivery(sms_app)
    client = sms_app.test_client()

    submitted = client.get(dlr_path(kannel, "8"))
    delivered = client.get(dlr_path(kannel, "1"))
    repeated = client.get(dlr_path(kannel, "1"))

    final = status_of(sms_app, row.alert_id)
    assert row.status == "sent"
    assert submitted.get_json() == {"deliveryId": row.id, "applied": False}
    assert delivered.get_json() == {"deliveryId": row.id, "applied": True}
    assert repeated.get_json()["applied"] is False
    assert final.status == "delivered"
    assert final.finished_at is not None


def test_kannel_failure_report_records_the_reason(
    sms_app: Flask, kannel: LoopbackServer
) -> None:
    row = sent_delivery(sms_app)

    sms_app.test_client().get(dlr_path(kannel, "16"))

    final = status_of(sms_app, row.alert_id)
    assert final.status == "failed"
    assert "rejected" in (final.last_error or "")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/receipts/kannel?secret=wrong&delivery_id=1&type=1", 403),
        (f"/receipts/kannel?secret={SECRET}&delivery_id=1&type=3", 400),
        (f"/receipts/kannel?secret={SECRET}&delivery_id=999999&type=1", 404),
    ],
    ids=["wrong-secret", "unknown-type", "unknown-delivery"],
)
def test_bad_kannel_receipts_are_refused(
    sms_app: Flask, path: str, status: int
) -> None:
    response = sms_app.test_client().get(path)

    assert response.status_code == status
    assert response.get_json()["errors"][0]["message"]


def test_http_json_callback_needs_the_bearer_secret(sms_app: Flask) -> None:
    row = sent_delivery(sms_app)
    client = sms_app.test_client()
    body = {"reference": str(row.id), "status": "failed", "error": "absent subscriber"}

    refused = client.post("/receipts/http-json", json=body)
    accepted = client.post(
        "/receipts/http-json", json=body, headers={"Authorization": f"Bearer {SECRET}"}
    )
    unreadable = client.post(
        "/receipts/http-json",
        data=b"{not json",
        headers={"Authorization": f"Bearer {SECRET}"},
    )

    assert refused.status_code == 403
    assert accepted.get_json()["applied"] is True
    assert unreadable.status_code == 400
    assert status_of(sms_app, row.alert_id).status == "failed"


def test_receipts_are_off_without_a_secret(sqlite_url: str, tmp_path: Path) -> None:
    app = build_app(sqlite_url, tmp_path)

    response = app.test_client().get("/receipts/kannel?secret=&delivery_id=1&type=1")

    assert response.status_code == 404
    assert response.get_json()["code"] == "receipts-disabled"
