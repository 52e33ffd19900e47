"""Fan-out end to end: targeting to delivery rows, the outbox, a signed
webhook to a loopback endpoint, retries, leases, cancel and the summary."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from gateway.cap import MsgType, Status
from gateway.channels.webhook import verify
from gateway.cli import main
from gateway.db import transaction, utc_now
from gateway.dispatch.leases import claim_batch, sweep_expired_leases
from gateway.dispatch.models import Delivery, Fanout
from gateway.dispatch.worker import run_batch
from gateway.residents.importer import import_subscribers
from gateway.residents.models import Subscriber as SubscriberRow
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.factories import (
    Caller,
    add_partner,
    add_staff,
    partner_cap,
    post_cap,
    reference_to,
)
from tests.loopback import Answer, LoopbackServer, loopback_server
from tests.residents.factories import csv_row

INSIDE_POLYGON = {"lat": "-0.83", "lon": "100.37"}
INSIDE_CIRCLE = {"lat": "-0.95", "lon": "100.36"}
FAR_AWAY = {"lat": "-6.20", "lon": "106.80"}
SECRET = "a-webhook-signing-secret-of-enough-length"


@pytest.fixture
def fanout_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build_app(
        database_url,
        tmp_path,
        OUTBOX_DIR=str(tmp_path / "outbox"),
        WEBHOOK_ALLOW_PRIVATE=True,
    )
    yield app
    runtime(app).dispatcher.shutdown()
    runtime(app).engine.dispose()


@pytest.fixture
def partner(fanout_app: Flask) -> Caller:
    return add_partner(fanout_app, "publish")


def subscribe(app: Flask, *rows: dict[str, str]) -> None:
    numbered = list(enumerate(rows, start=2))
    report = import_subscribers(
        runtime(app).sessions, numbered, region="ID", allow_loopback=True
    )
    assert report.rejections == []


def deliveries(app: Flask, alert_id: str) -> list[Delivery]:
    with transaction(runtime(app).sessions) as session:
        return list(
            session.scalars(
                select(Delivery)
                .where(Delivery.alert_id == alert_id)
                .order_by(Delivery.id)
            )
        )


def publish(app: Flask, caller: Caller, data: bytes) -> dict[str, Any]:
    response = post_cap(app.test_client(), caller, data)
    assert response.status_code == 201, response.get_json()
    assert runtime(app).dispatcher.wait_idle(30)
    result: dict[str, Any] = response.get_json()
    return result


def outbox(app: Flask) -> list[dict[str, Any]]:
    folder = Path(app.config["OUTBOX_DIR"])
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


def test_published_alert_reaches_exactly_the_residents_inside(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(
        fanout_app,
        csv_row(address="081200000001", **INSIDE_POLYGON),
        csv_row(channel="email", address="Warga@Example.org", **INSIDE_CIRCLE),
        csv_row(address="081200000002", lat="", lon="", areas="1371"),
        csv_row(address="081200000003", **FAR_AWAY),
    )

    alert = publish(fanout_app, partner, partner_cap())

    rows = deliveries(fanout_app, alert["id"])
    sent = {(message["channel"], message["to"]) for message in outbox(fanout_app)}
    assert [row.status for row in rows] == ["sent"] * 3
    assert sent == {
        ("sms", "+6281200000001"),
        ("sms", "+6281200000002"),
        ("email", "warga@example.org"),
    }
    assert all(row.attempts == 1 for row in rows)


def test_sms_text_is_the_headline_and_instruction(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(fanout_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    publish(fanout_app, partner, partner_cap())

    (message,) = outbox(fanout_app)
    assert message["text"].startswith("Gempa M6,8")
    assert "tempat evakuasi" in message["text"]


def test_update_reaches_earlier_recipients_and_newly_inside(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(fanout_app, csv_row(address="081200000001", **INSIDE_POLYGON))
    first = publish(fanout_app, partner, partner_cap())
    subscribe(fanout_app, csv_row(address="081200000009", **INSIDE_CIRCLE))

    update = publish(
        fanout_app,
        partner,
        partner_cap(msg_type=MsgType.UPDATE, references=reference_to(first)),
    )

    assert len(deliveries(fanout_app, first["id"])) == 1
    assert {row.status for row in deliveries(fanout_app, update["id"])} == {"sent"}
    assert len(deliveries(fanout_app, update["id"])) == 2


def test_drill_naming_no_group_reaches_nobody(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(fanout_app, csv_row(address="081200000001", **INSIDE_POLYGON))

    drill = publish(fanout_app, partner, partner_cap(status=Status.EXERCISE))

    assert deliveries(fanout_app, drill["id"]) == []
    assert outbox(fanout_app) == []


def test_cancelled_alert_starts_no_new_sends(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(fanout_app, csv_row(address="081200000001", **INSIDE_POLYGON))
    sessions = runtime(fanout_app).sessions
    first = publish(fanout_app, partner, partner_cap())
    with transaction(sessions) as session:
        session.execute(update(Delivery).values(status="queued", sent_at=None))
    publish(
        fanout_app,
        partner,
        partner_cap(msg_type=MsgType.CANCEL, references=reference_to(first)),
    )

    leased = run_batch(runtime(fanout_app).fanout.context, first["id"], "sms")

    assert leased == 0
    assert [row.status for row in deliveries(fanout_app, first["id"])] == ["cancelled"]


def test_rows_of_a_vanished_worker_are_swept_and_sent_once(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(
        fanout_app,
        *(csv_row(address=f"08120000010{n}", **INSIDE_POLYGON) for n in range(5)),
    )
    sessions = runtime(fanout_app).sessions
    alert = publish(fanout_app, partner, partner_cap())
    with transaction(sessions) as session:
        session.execute(update(Delivery).values(status="queued", sent_at=None))
    for path in Path(fanout_app.config["OUTBOX_DIR"]).glob("*.json"):
        path.unlink()
    with transaction(sessions) as session:
        claimed = claim_batch(session, alert["id"], "sms", 3)

    with transaction(sessions) as session:
        swept = sweep_expired_leases(session, utc_now() + timedelta(minutes=5))
    runtime(fanout_app).dispatcher.sweep()
    assert runtime(fanout_app).dispatcher.wait_idle(30)

    assert len(claimed) == 3
    assert swept == 3
    assert [row.status for row in deliveries(fanout_app, alert["id"])] == ["sent"] * 5
    assert len(outbox(fanout_app)) == 5


@pytest.fixture
def endpoint() -> Iterator[LoopbackServer]:
    with loopback_server() as server:
        yield server


def test_webhook_failing_then_recovering_is_delivered_signed(
    fanout_app: Flask, partner: Caller, endpoint: LoopbackServer
) -> None:
    address = f"{endpoint.url('/alerts')} {SECRET}"
    subscribe(fanout_app, csv_row(channel="webhook", address=address, **INSIDE_POLYGON))
    endpoint.script = [Answer(503, {"Retry-After": "1"})]
    alert = publish(fanout_app, partner, partner_cap())
    (first,) = deliveries(fanout_app, alert["id"])
    with transaction(runtime(fanout_app).sessions) as session:
        session.execute(update(Delivery).values(due_at=utc_now()))

    runtime(fanout_app).dispatcher.sweep()
    assert runtime(fanout_app).dispatcher.wait_idle(30)

    (final,) = deliveries(fanout_app, alert["id"])
    first_request, last_request = endpoint.received[0], endpoint.received[-1]
    assert (first.status, first.attempts) == ("queued", 1)
    assert (final.status, final.attempts) == ("sent", 2)
    assert len(endpoint.received) == 2
    assert last_request.body.startswith(b"<?xml")
    assert verify(SECRET, last_request.headers, last_request.body)
    assert first_request.headers["webhook-id"] == last_request.headers["webhook-id"]


def test_summary_counts_by_channel_and_status(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(
        fanout_app,
        csv_row(address="081200000001", **INSIDE_POLYGON),
        csv_row(channel="email", address="a@example.org", **INSIDE_POLYGON),
    )
    alert = publish(fanout_app, partner, partner_cap())
    staff = add_staff(fanout_app, "author")
    client: FlaskClient = fanout_app.test_client()

    response = client.get(
        f"/api/v1/alerts/{alert['id']}/deliveries", headers=staff.headers
    )
    result = CliRunner().invoke(
        main,
        ["deliveries", "summary", "--json", alert["id"]],
        env={"KENTONGAN_DATABASE_URL": fanout_app.config["DATABASE_URL"]},
    )

    body = response.get_json()
    assert response.status_code == 200
    assert body["counts"] == {"email": {"sent": 1}, "sms": {"sent": 1}}
    assert body["secondsToPercent"]["99"] is not None
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 2


def test_webhook_gone_for_good_is_not_tried_again(
    fanout_app: Flask, partner: Caller, endpoint: LoopbackServer
) -> None:
    address = f"{endpoint.url('/alerts')} {SECRET}"
    subscribe(fanout_app, csv_row(channel="webhook", address=address, **INSIDE_POLYGON))
    endpoint.script = [Answer(410)]
    first = publish(fanout_app, partner, partner_cap())

    second = publish(fanout_app, partner, partner_cap())

    (row,) = deliveries(fanout_app, first["id"])
    assert (row.status, row.attempts) == ("failed", 1)
    assert "endpoint-gone" in (row.last_error or "")
    assert deliveries(fanout_app, second["id"]) == []
    assert len(endpoint.received) == 1


def test_failing_provider_trips_the_breaker_then_everything_is_delivered(
    database_url: str, tmp_path: Path, endpoint: LoopbackServer
) -> None:
    app = build_app(
        database_url,
        tmp_path,
        SMS_PROVIDER="http-json",
        SMS_URL=endpoint.url("/sms"),
        BREAKER_FAILURES=3,
        BREAKER_RESET_SECONDS=1,
    )
    subscribe(
        app, *(csv_row(address=f"08120000{n:04d}", **INSIDE_POLYGON) for n in range(20))
    )
    endpoint.script = [Answer(503)] * 3
    alert = publish(app, add_partner(app, "publish"), partner_cap())
    held = Counter(row.status for row in deliveries(app, alert["id"]))

    for _ in range(60):
        runtime(app).dispatcher.sweep()
        assert runtime(app).dispatcher.wait_idle(30)
        rows = deliveries(app, alert["id"])
        if all(row.status == "sent" for row in rows):
            break
        time.sleep(0.5)

    attempts = Counter(row.attempts for row in rows)
    assert held == Counter({"queued": 20})
    assert [row.status for row in rows] == ["sent"] * 20
    assert attempts == Counter({1: 17, 2: 3})
    assert len(endpoint.received) == 23
    runtime(app).dispatcher.shutdown()


def test_a_plan_cut_short_is_completed_by_the_sweeper_without_repeats(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(
        fanout_app,
        *(csv_row(address=f"08120000020{n}", **INSIDE_POLYGON) for n in range(5)),
    )
    alert = publish(fanout_app, partner, partner_cap())
    kept = [row.id for row in deliveries(fanout_app, alert["id"])[:2]]
    with transaction(runtime(fanout_app).sessions) as session:
        session.execute(delete(Fanout))
        session.execute(delete(Delivery).where(Delivery.id.not_in(kept)))
    for path in Path(fanout_app.config["OUTBOX_DIR"]).glob("*.json"):
        path.unlink()

    runtime(fanout_app).dispatcher.sweep()
    assert runtime(fanout_app).dispatcher.wait_idle(30)

    rows = deliveries(fanout_app, alert["id"])
    sent_to = sorted(message["to"] for message in outbox(fanout_app))
    assert [row.status for row in rows] == ["sent"] * 5
    assert [row.id for row in rows][:2] == kept
    assert sent_to == [f"+628120000020{n}" for n in (2, 3, 4)]
    with transaction(runtime(fanout_app).sessions) as session:
        mark = session.get(Fanout, alert["id"])
        assert mark is not None
        assert mark.deliveries == 5


def test_a_subscriber_who_opts_out_before_the_send_is_not_sent_to(
    fanout_app: Flask, partner: Caller
) -> None:
    subscribe(fanout_app, csv_row(address="081200000301", **INSIDE_POLYGON))
    alert = publish(fanout_app, partner, partner_cap())
    with transaction(runtime(fanout_app).sessions) as session:
        session.execute(update(Delivery).values(status="queued", sent_at=None))
        session.execute(update(SubscriberRow).values(opted_out_at=utc_now()))
    for path in Path(fanout_app.config["OUTBOX_DIR"]).glob("*.json"):
        path.unlink()

    runtime(fanout_app).dispatcher.sweep()
    assert runtime(fanout_app).dispatcher.wait_idle(30)

    (row,) = deliveries(fanout_app, alert["id"])
    assert row.status == "failed"
    assert "opted out" in (row.last_error or "")
    assert outbox(fanout_app) == []
