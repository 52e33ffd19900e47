"""The resident's manage page ``/s/<token>``: what it shows, masked; changing
the language; stopping and starting alerts; deleting for good with a confirm
step; forged and dead links; and headers that keep the token secret."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from gateway.alerts.audit import AuditEntry
from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.places.demo import seed_demo_places
from gateway.residents.manage_links import make_manage_token, manage_path
from gateway.residents.models import Subscriber, SubscriberTag
from gateway.runtime import runtime
from gateway.web.manage_view import masked_email, masked_phone
from tests.conftest import build_app
from tests.dispatch.test_fanout import INSIDE_POLYGON, publish
from tests.factories import add_partner, partner_cap
from tests.residents.factories import add_subscribers, csv_row, push_subscription
from tests.web.console import csrf_token, page_text


@pytest.fixture
def sqlite_app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    built = build_app(sqlite_url, tmp_path, OUTBOX_DIR=str(tmp_path / "outbox"))
    yield built
    runtime(built).dispatcher.shutdown()
    runtime(built).engine.dispose()


def stored(app: Flask, **values: str) -> int:
    """Store one subscriber and return its id."""
    row = csv_row(**values)
    add_subscribers(app, [row])
    with transaction(runtime(app).sessions) as session:
        return int(
            session.scalars(
                select(Subscriber.id).order_by(Subscriber.id.desc())
            ).first()
        )


def manage_link(app: Flask, subscriber_id: int) -> str:
    return manage_path(make_manage_token(app.config["SECRET_KEY"], subscriber_id))


def subscriber(app: Flask, subscriber_id: int) -> Subscriber:
    with transaction(runtime(app).sessions) as session:
        found = session.get(Subscriber, subscriber_id)
        assert found is not None
        session.expunge(found)
        return found


def post_form(
    client: FlaskClient, page_url: str, action: str, **fields: str
) -> TestResponse:
    """Post a form of the page at ``page_url`` with its CSRF token."""
    token = csrf_token(client.get(page_url))
    return client.post(action, data={"csrf_token": token, **fields})


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+6281234567890", "+62 812 •••• 7890"),
        ("+628123456789", "+62 812 •••• 6789"),
        ("+6561234567", "+65 612 •••• 4567"),
    ],
    ids=["indonesian-mobile", "shorter-mobile", "singapore"],
)
def test_phone_numbers_are_masked(number: str, shown: str) -> None:
    assert masked_phone(number) == shown


def test_email_addresses_are_masked() -> None:
    assert masked_email("andi.warga@example.org") == "a•••@example.org"


def test_page_shows_the_subscription_masked_in_indonesian(app: Flask) -> None:
    seed_demo_places(runtime(app).sessions)
    subscriber_id = stored(app, lat="", lon="", areas="1371020")

    answer = app.test_client().get(manage_link(app, subscriber_id))

    page = page_text(answer)
    assert answer.status_code == 200
    assert '<html lang="id">' in page
    assert "Langganan peringatan Anda" in page
    assert "+62 812 •••• 7890" in page
    assert "081234567890" not in page
    assert "+6281234567890" not in page
    assert "Kecamatan Pantai Tengah" in page
    assert "Aktif: peringatan untuk tempat Anda sampai kepada Anda" in page
    assert "untuk selamanya" in page


def test_page_is_in_english_when_asked(sqlite_app: Flask) -> None:
    subscriber_id = stored(sqlite_app, channel="email", address="warga@example.org")

    page = page_text(
        sqlite_app.test_client().get(
            manage_link(sqlite_app, subscriber_id) + "?lang=en"
        )
    )

    assert '<html lang="en">' in page
    assert "Your alert subscription" in page
    assert "w•••@example.org" in page
    assert "warga@example.org" not in page
    assert "The point -0.9200, 100.4000" in page
    assert "erased for good" in page


def test_a_push_subscription_is_shown_as_this_browser(sqlite_app: Flask) -> None:
    subscriber_id = stored(sqlite_app, channel="webpush", address=push_subscription())

    page = page_text(
        sqlite_app.test_client().get(
            manage_link(sqlite_app, subscriber_id) + "?lang=en"
        )
    )

    assert "this browser" in page
    assert "push.example.net" not in page


def test_pages_are_never_cached_and_send_no_referrer(sqlite_app: Flask) -> None:
    subscriber_id = stored(sqlite_app)
    link = manage_link(sqlite_app, subscriber_id)
    client = sqlite_app.test_client()

    answers = [
        client.get(link),
        client.get(link + "/delete"),
        client.get(link[:-1] + "x"),
    ]

    for answer in answers:
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "ETag" not in answer.headers


@pytest.mark.parametrize(
    "token",
    ["1.aaaaaaaaaaaa", "not-a-token", "zzzzzzzz.aaaaaaaaaaaa", ""],
    ids=["forged-signature", "garbage", "id-too-long", "empty"],
)
def test_a_forged_or_garbled_link_answers_a_friendly_404(
    sqlite_app: Flask, token: str
) -> None:
    stored(sqlite_app)

    answer = sqlite_app.test_client().get(f"/s/{token}")

    assert answer.status_code == 404
    if token:
        assert "Tautan ini tidak berlaku" in page_text(answer)


def test_a_link_signed_with_another_key_is_refused(sqlite_app: Flask) -> None:
    subscriber_id = stored(sqlite_app)
    foreign = manage_path(make_manage_token("another-secret-key", subscriber_id))

    assert sqlite_app.test_client().get(foreign).status_code == 404


def test_changing_the_language_is_saved_and_audited(app: Flask) -> None:
    subscriber_id = stored(app)
    link = manage_link(app, subscriber_id)
    client = app.test_client()

    answer = post_form(client, link, f"{link}/language?lang=en", language="en-US")
    shown = page_text(client.get(answer.headers["Location"]))

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{link}?lang=en&saved=language"
    assert subscriber(app, subscriber_id).language == "en-US"
    assert "Saved. The next alerts reach you in English." in shown
    with transaction(runtime(app).sessions) as session:
        entry = session.scalars(
            select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
        ).one()
    assert (entry.action, entry.actor) == ("subscriber.updated", "resident")
    assert entry.subject == f"subscriber:{subscriber_id}"
    assert "0812" not in entry.details


def test_an_unknown_language_changes_nothing(sqlite_app: Flask) -> None:
    subscriber_id = stored(sqlite_app)
    link = manage_link(sqlite_app, subscriber_id)

    answer = post_form(
        sqlite_app.test_client(), link, f"{link}/language", language="fr-FR"
    )

    assert answer.status_code == 303
    assert subscriber(sqlite_app, subscriber_id).language == "id-ID"


def test_stopping_and_starting_alerts(app: Flask) -> None:
    subscriber_id = stored(app)
    link = manage_link(app, subscriber_id)
    client = app.test_client()

    stop = post_form(client, link, f"{link}/alerts", alerts="off")
    stopped = subscriber(app, subscriber_id).opted_out_at
    page_after_stop = page_text(client.get(stop.headers["Location"]))
    start = post_form(client, link, f"{link}/alerts", alerts="on")
    started = subscriber(app, subscriber_id).opted_out_at

    assert stop.headers["Location"] == f"{link}?saved=stopped"
    assert stopped is not None
    assert "Berhenti: tidak ada peringatan yang dikirim kepada Anda" in page_after_stop
    assert "Mulai lagi peringatan saya" in page_after_stop
    assert start.headers["Location"] == f"{link}?saved=started"
    assert started is None


def test_deleting_asks_first_then_erases_for_good(app: Flask) -> None:
    seed_demo_places(runtime(app).sessions)
    subscriber_id = stored(app, areas="1371020")
    link = manage_link(app, subscriber_id)
    client = app.test_client()

    confirm = client.get(f"{link}/delete?lang=en")
    still_there = subscriber(app, subscriber_id)
    deleted = post_form(client, f"{link}/delete", f"{link}/delete?lang=en")
    gone = subscriber(app, subscriber_id)
    afterwards = client.get(link)

    assert confirm.status_code == 200
    assert "This cannot be undone." in page_text(confirm)
    assert still_there.address == "+6281234567890"
    assert deleted.status_code == 200
    assert "Your data is deleted" in page_text(deleted)
    assert "no longer works" in page_text(deleted)
    assert gone.address.startswith("removed:")
    assert (gone.language, gone.lat, gone.lon) == (None, None, None)
    assert gone.opted_out_at is not None
    with transaction(runtime(app).sessions) as session:
        tags = session.scalars(
            select(SubscriberTag).where(SubscriberTag.subscriber_id == subscriber_id)
        ).all()
        actors = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "subscriber.removed")
        ).all()
    assert tags == []
    assert actors == ["resident"]
    assert afterwards.status_code == 404


def test_deleting_closes_unsent_deliveries(sqlite_app: Flask) -> None:
    subscriber_id = stored(sqlite_app, **INSIDE_POLYGON)
    alert = publish(sqlite_app, add_partner(sqlite_app, "publish"), partner_cap())
    with transaction(runtime(sqlite_app).sessions) as session:
        session.execute(update(Delivery).values(status="queued", sent_at=None))
    link = manage_link(sqlite_app, subscriber_id)

    post_form(sqlite_app.test_client(), f"{link}/delete", f"{link}/delete")

    with transaction(runtime(sqlite_app).sessions) as session:
        row = session.scalars(
            select(Delivery).where(Delivery.alert_id == alert["id"])
        ).one()
    assert (row.status, row.last_error) == ("failed", "the subscriber was removed")


def test_forms_without_the_csrf_token_are_refused(sqlite_app: Flask) -> None:
    subscriber_id = stored(sqlite_app)
    link = manage_link(sqlite_app, subscriber_id)
    client = sqlite_app.test_client()

    answers = [
        client.post(f"{link}/delete"),
        client.post(f"{link}/alerts", data={"alerts": "off"}),
    ]

    assert [answer.status_code for answer in answers] == [400, 400]
    assert subscriber(sqlite_app, subscriber_id).address == "+6281234567890"
    assert subscriber(sqlite_app, subscriber_id).opted_out_at is None
