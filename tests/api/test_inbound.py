"""Inbound SMS endpoints: a STOP or BERHENTI reply by Kannel or the http-json
provider opts the number out (audited, and a later fan-out no longer reaches
it), the reply never tells whether the number was subscribed, anything else
gets help, and the receipts' secret checks guard both."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from gateway.alerts.audit import AuditEntry
from gateway.db import transaction
from gateway.residents.models import Subscriber
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.dispatch.test_fanout import INSIDE_POLYGON, outbox, publish, subscribe
from tests.factories import add_partner, partner_cap
from tests.residents.factories import csv_row

SECRET = "an-sms-receipt-secret-for-tests"
NUMBER = "+6281200000001"
STOPPED_ID = "Peringatan ke nomor ini dihentikan."
STOPPED_EN = "Alerts to this number are stopped."
HELP_ID = "Balas STOP untuk berhenti menerima peringatan."


@pytest.fixture
def inbound_app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build_app(
        sqlite_url,
        tmp_path,
        OUTBOX_DIR=str(tmp_path / "outbox"),
        SMS_RECEIPT_SECRET=SECRET,
        PUBLIC_URL="https://peringatan.padang.go.id",
    )
    yield app
    runtime(app).dispatcher.shutdown()
    runtime(app).engine.dispose()


def kannel(app: Flask, sender: str, text: str, **extra: str) -> TestResponse:
    query = {"secret": SECRET, "from": sender, "to": "1234", "text": text, **extra}
    return app.test_client().get("/receipts/kannel/inbound", query_string=query)


def http_json(
    app: Flask, body: Any, secret: str = SECRET, **headers: str
) -> TestResponse:
    return app.test_client().post(
        "/receipts/http-json/inbound",
        json=body,
        headers={"Authorization": f"Bearer {secret}", **headers},
    )


def opted_out(app: Flask, address: str = NUMBER) -> bool:
    with transaction(runtime(app).sessions) as session:
        found = session.scalars(
            select(Subscriber.opted_out_at).where(Subscriber.address == address)
        ).one()
    return found is not None


@pytest.mark.parametrize(
    "sender",
    ["+6281200000001", "6281200000001", "081200000001"],
    ids=["e164", "without-plus", "national"],
)
def test_kannel_stop_opts_the_number_out_and_replies_in_plain_text(
    inbound_app: Flask, sender: str
) -> None:
    subscribe(inbound_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    answer = kannel(inbound_app, sender, "STOP")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert answer.get_data(as_text=True).startswith(STOPPED_ID)
    assert "https://peringatan.padang.go.id/subscribe" in answer.get_data(as_text=True)
    assert opted_out(inbound_app)


def test_an_opted_out_number_is_not_reached_by_a_later_fan_out(
    inbound_app: Flask,
) -> None:
    subscribe(
        inbound_app,
        csv_row(address="081200000001", **INSIDE_POLYGON),
        csv_row(address="081200000002", **INSIDE_POLYGON),
    )
    partner = add_partner(inbound_app, "publish")
    publish(inbound_app, partner, partner_cap())
    before = sorted(message["to"] for message in outbox(inbound_app))

    kannel(inbound_app, NUMBER, "berhenti.")
    for path in Path(inbound_app.config["OUTBOX_DIR"]).glob("*.json"):
        path.unlink()
    publish(inbound_app, partner, partner_cap())

    after = [message["to"] for message in outbox(inbound_app)]
    assert before == ["+6281200000001", "+6281200000002"]
    assert after == ["+6281200000002"]


def test_the_opt_out_is_audited_with_ids_only(
    inbound_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    subscribe(inbound_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    with caplog.at_level(logging.DEBUG):
        kannel(inbound_app, NUMBER, "Stop all")
        kannel(inbound_app, NUMBER, "STOP")

    with transaction(runtime(inbound_app).sessions) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "subscriber.opted_out")
        ).all()
        subscriber_id = session.scalars(select(Subscriber.id)).one()
    (entry,) = entries
    assert entry.actor == "resident:sms"
    assert entry.subject == f"subscriber:{subscriber_id}"
    assert "0812" not in entry.details
    assert "Stop" not in entry.details
    logged = caplog.text
    assert f"subscriber_id={subscriber_id}" in logged
    assert "81200000001" not in logged
    assert "Stop all" not in logged


def test_the_reply_is_the_same_for_a_number_nobody_subscribed(
    inbound_app: Flask,
) -> None:
    subscribe(inbound_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    known = kannel(inbound_app, NUMBER, "STOP")
    unknown = kannel(inbound_app, "+6281299999999", "STOP")
    short_code = kannel(inbound_app, "TELKOMSEL", "STOP")

    assert known.status_code == unknown.status_code == short_code.status_code == 200
    assert known.get_data() == unknown.get_data() == short_code.get_data()


def test_the_reply_speaks_the_subscribers_language(inbound_app: Flask) -> None:
    subscribe(
        inbound_app,
        csv_row(address="081200000001", language="en-US", **INSIDE_POLYGON),
    )

    answer = http_json(inbound_app, {"from": NUMBER, "to": "1234", "text": "stop"})

    assert answer.status_code == 200
    assert answer.get_json()["reply"].startswith(STOPPED_EN)
    assert answer.get_json()["optedOut"] is True
    assert opted_out(inbound_app)


def test_anything_but_a_stop_gets_help_and_changes_nothing(
    inbound_app: Flask,
) -> None:
    subscribe(inbound_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    by_kannel = kannel(inbound_app, NUMBER, "halo, apakah ini benar?")
    by_json = http_json(inbound_app, {"from": NUMBER, "text": "please stop"})

    assert by_kannel.get_data(as_text=True).startswith(HELP_ID)
    assert by_json.get_json() == {
        "reply": by_kannel.get_data(as_text=True),
        "optedOut": False,
    }
    assert "https://peringatan.padang.go.id" in by_json.get_json()["reply"]
    assert not opted_out(inbound_app)


def test_a_number_gets_three_help_replies_a_day_and_a_stop_always_works(
    inbound_app: Flask,
) -> None:
    subscribe(inbound_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    helped = [kannel(inbound_app, NUMBER, "Terima kasih") for _ in range(4)]
    other = kannel(inbound_app, "+6281200000002", "Terima kasih")
    stopped = kannel(inbound_app, NUMBER, "STOP")

    replies = [answer.get_data(as_text=True) for answer in helped]
    assert [reply.startswith(HELP_ID) for reply in replies] == [True] * 3 + [False]
    assert replies[3] == ""
    assert other.get_data(as_text=True).startswith(HELP_ID)
    assert stopped.get_data(as_text=True).startswith(STOPPED_ID)
    assert opted_out(inbound_app)


def test_kannel_may_post_the_message_as_a_form(inbound_app: Flask) -> None:
    subscribe(inbound_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    answer = inbound_app.test_client().post(
        "/receipts/kannel/inbound",
        query_string={"secret": SECRET},
        data={"from": NUMBER, "text": "UNREG"},
    )

    assert answer.status_code == 200
    assert opted_out(inbound_app)


@pytest.mark.parametrize(
    ("send", "status", "code"),
    [
        (
            lambda app: kannel(app, NUMBER, "STOP", secret="wrong"),
            403,
            "bad-receipt-secret",
        ),
        (
            lambda app: http_json(app, {"from": NUMBER, "text": "STOP"}, "wrong"),
            403,
            "bad-receipt-secret",
        ),
        (lambda app: kannel(app, "", "STOP"), 400, "inbound-without-sender"),
        (lambda app: http_json(app, ["STOP"]), 400, "inbound-not-json"),
    ],
    ids=["kannel-wrong-secret", "json-wrong-secret", "kannel-no-sender", "json-array"],
)
def test_refusals_are_problems_and_opt_nobody_out(
    inbound_app: Flask, send: Any, status: int, code: str
) -> None:
    subscribe(inbound_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    answer = send(inbound_app)

    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["code"] == code
    assert not opted_out(inbound_app)


def test_inbound_is_off_without_a_receipt_secret(
    sqlite_url: str, tmp_path: Path
) -> None:
    app = build_app(sqlite_url, tmp_path)

    answer = app.test_client().get(
        "/receipts/kannel/inbound", query_string={"from": NUMBER, "text": "STOP"}
    )

    assert answer.status_code == 404
    assert answer.get_json()["code"] == "receipts-disabled"
    runtime(app).dispatcher.shutdown()
