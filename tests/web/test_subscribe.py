"""``/subscribe`` with the Flask test client on SQLite and PostgreSQL: the form,
the SMS and email double opt-in through the outbox, the abuse checks, the
answers that never tell whether an address is subscribed, and the errors in
the resident's language."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from gateway.db import transaction, utc_now
from gateway.places.demo import seed_demo_places
from gateway.places.models import Area
from gateway.residents.manage_links import manage_url
from gateway.residents.models import Subscriber, SubscriberTag
from gateway.residents.pending import PendingSubscription
from gateway.runtime import runtime
from gateway.scheduler import purge_pending
from tests.conftest import build_app
from tests.redis_keys import REDIS_URL
from tests.web.console import csrf_token, page_text

PHONE = "0812 3456 7890"
E164 = "+6281234567890"
EMAIL = "Warga@Example.id"
DISTRICT = "1371010"
STAMP = re.compile(r'name="shown" value="([^"]+)"')
CODE = re.compile(r"Kentongan[^0-9]*([0-9]{6})")
LINK = re.compile(r"https?://\S+/subscribe/confirm/\S+")
TICKET = re.compile(r"/subscribe/code/([A-Za-z0-9_-]+)")


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    built: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        settings = {"OUTBOX_DIR": str(tmp_path / "outbox"), "SUBSCRIBE_MIN_SECONDS": 0}
        app = build_app(database_url, tmp_path, **{**settings, **overrides})
        if not built:
            seed_demo_places(runtime(app).sessions)
        built.append(app)
        return app

    yield make
    for app in built:
        runtime(app).dispatcher.shutdown()
        runtime(app).engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    built: Flask = make_app()
    return built


def form_fields(page: TestResponse, **fields: str) -> dict[str, str]:
    """The hidden fields of the subscribe form on ``page``, and ``fields``."""
    stamp = STAMP.search(page_text(page))
    assert stamp is not None, "the page has no subscribe form"
    values = {
        "csrf_token": csrf_token(page),
        "shown": stamp.group(1),
        "channel": "sms",
        "address": PHONE,
        "language": "id-ID",
        "area": DISTRICT,
        "lat": "",
        "lon": "",
    }
    values.update(fields)
    return values


def send_form(client: FlaskClient, query: str = "", **fields: str) -> TestResponse:
    """Open the form and send it filled in, as a resident would."""
    page = client.get(f"/subscribe{query}")
    return client.post(f"/subscribe{query}", data=form_fields(page, **fields))


def notices(app: Flask) -> list[dict[str, Any]]:
    folder = Path(app.config["OUTBOX_DIR"]) / "notices"
    paths = sorted(folder.glob("*.json"), key=lambda path: int(path.stem))
    return [json.loads(path.read_text()) for path in paths]


def last_code(app: Flask) -> str:
    found = CODE.search(notices(app)[-1]["text"])
    assert found is not None, notices(app)[-1]
    return found.group(1)


def last_link_path(app: Flask) -> str:
    found = LINK.search(notices(app)[-1]["text"])
    assert found is not None, notices(app)[-1]
    parts = urlsplit(found.group(0))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def type_code(client: FlaskClient, code_page: str, code: str) -> TestResponse:
    page = client.get(code_page)
    return client.post(code_page, data={"csrf_token": csrf_token(page), "code": code})


def subscribe_by_sms(client: FlaskClient, app: Flask, **fields: str) -> TestResponse:
    sent = send_form(client, **fields)
    assert sent.status_code == 303, page_text(sent)
    return type_code(client, sent.headers["Location"], last_code(app))


def subscribe_by_email(client: FlaskClient, app: Flask, **fields: str) -> TestResponse:
    sent = send_form(client, **{"channel": "email", "address": EMAIL, **fields})
    assert sent.status_code == 303, page_text(sent)
    link = last_link_path(app)
    page = client.get(link)
    return client.post(link, data={"csrf_token": csrf_token(page)})


def stored(app: Flask) -> list[Subscriber]:
    with transaction(runtime(app).sessions) as session:
        return list(session.scalars(select(Subscriber).order_by(Subscriber.id)))


def pending(app: Flask) -> list[PendingSubscription]:
    with transaction(runtime(app).sessions) as session:
        return list(session.scalars(select(PendingSubscription)))


def areas_of(app: Flask, subscriber_id: int) -> set[str]:
    with transaction(runtime(app).sessions) as session:
        query = select(SubscriberTag.value).where(
            SubscriberTag.subscriber_id == subscriber_id
        )
        return set(session.scalars(query))


def without_secrets(text: str) -> str:
    """A page or message with its tokens, tickets, codes and stamps blanked."""
    text = re.sub(r'value="[^"]*"', 'value=""', text)
    text = re.sub(r"/subscribe/(code|confirm)/[A-Za-z0-9_-]+", "/subscribe/x", text)
    return re.sub(r"[0-9]{6}", "000000", text)


# The form


def test_form_is_in_indonesian_with_every_field_and_the_privacy_note(
    client: FlaskClient,
) -> None:
    page = page_text(client.get("/subscribe"))

    assert '<html lang="id">' in page
    assert "<h1>Berlangganan peringatan</h1>" in page
    assert 'id="subscribe-form"' in page
    for field in ('name="csrf_token"', 'name="shown"', 'name="address"'):
        assert field in page
    for value in ("sms", "email", "webpush"):
        assert f'name="channel" id="channel-{value}" value="{value}"' in page
    assert 'value="id-ID" checked' in page
    assert '<optgroup label="Kecamatan Pesisir Utara">' in page
    assert "Tidak ada yang dibagikan kepada siapa pun atau dijual." in page
    assert "Cache-Control" in client.get("/subscribe").headers
    assert client.get("/subscribe").headers["Cache-Control"] == "no-store"


def test_the_page_language_switch_names_the_page_languages(
    client: FlaskClient,
) -> None:
    page = page_text(client.get("/subscribe"))
    switch = page.split('class="languages"')[1].split("</ul>")[0]

    assert '<span aria-current="true" lang="id">Bahasa Indonesia</span>' in switch
    assert 'href="?lang=en"' in switch
    assert "id-ID" not in switch


def test_form_in_english_preselects_english_alerts(client: FlaskClient) -> None:
    page = page_text(client.get("/subscribe?lang=en"))

    assert '<html lang="en">' in page
    assert "<h1>Subscribe to alerts</h1>" in page
    assert 'value="en-US" checked' in page
    assert "Nothing is shared with anyone or sold." in page
    assert 'action="/subscribe?lang=en"' in page


def test_kelurahan_are_grouped_under_their_kecamatan(
    app: Flask, client: FlaskClient
) -> None:
    with transaction(runtime(app).sessions) as session:
        session.add(village("1371010001", "Kelurahan Air Tawar", DISTRICT))

    page = page_text(client.get("/subscribe"))

    group = page.split('<optgroup label="Kecamatan Pesisir Utara">')[1]
    group = group.split("</optgroup>")[0]
    assert (
        f'<option value="{DISTRICT}">Seluruh Kecamatan Pesisir Utara</option>' in group
    )
    assert '<option value="1371010001">Kelurahan Air Tawar</option>' in group


def test_front_page_links_to_the_subscribe_page(client: FlaskClient) -> None:
    assert 'href="/subscribe"' in page_text(client.get("/"))
    assert 'href="/subscribe?lang=en">Subscribe to alerts' in page_text(
        client.get("/?lang=en")
    )


def test_subscribe_pages_hold_no_inline_script_or_style(client: FlaskClient) -> None:
    for path in ("/subscribe", "/subscribe/sent", "/subscribe/code/abcdefghijklmnop"):
        html = page_text(client.get(path)).lower()
        assert "<script>" not in html
        assert "<style" not in html
        assert " style=" not in html


def test_a_post_without_the_csrf_token_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    page = client.get("/subscribe")
    fields = form_fields(page)
    del fields["csrf_token"]

    answer = client.post("/subscribe", data=fields)

    assert answer.status_code == 400
    assert 'id="subscribe-form"' not in page_text(answer)
    assert notices(app) == []


# Double opt-in


def test_sms_code_confirms_a_verified_subscriber_and_shows_the_manage_link(
    app: Flask, client: FlaskClient
) -> None:
    sent = send_form(client, lat="-0.83", lon="100.37")
    assert sent.status_code == 303
    assert TICKET.search(sent.headers["Location"])
    assert stored(app) == []
    [notice] = notices(app)
    assert notice["to"] == E164
    assert "Abaikan SMS ini" in notice["text"]

    done = type_code(client, sent.headers["Location"], last_code(app))
    page = page_text(client.get(done.headers["Location"]))

    [subscriber] = stored(app)
    assert done.status_code == 303
    assert (subscriber.address, subscriber.verified) == (E164, True)
    assert (subscriber.lat, subscriber.lon) == (-0.83, 100.37)
    assert areas_of(app, subscriber.id) == {DISTRICT, "1371"}
    link = manage_url(app.config["PUBLIC_URL"], app.config["SECRET_KEY"], subscriber.id)
    assert "<h1>Anda sudah berlangganan</h1>" in page
    assert f'href="{link}"' in page
    assert pending(app) == []


def test_without_a_provider_the_code_goes_to_the_outbox_loudly(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    send_form(client)

    assert "NO SMS PROVIDER IS CONFIGURED" in caplog.text
    assert E164 not in caplog.text
    assert len(notices(app)) == 1


def test_email_link_opens_a_confirm_button_and_only_its_post_confirms(
    app: Flask, client: FlaskClient
) -> None:
    sent = send_form(
        client, "?lang=en", channel="email", address=EMAIL, language="en-US"
    )
    link = last_link_path(app)
    opened = client.get(link)
    after_get = stored(app)
    confirmed = client.post(link, data={"csrf_token": csrf_token(opened)})

    [subscriber] = stored(app)
    assert sent.headers["Location"] == "/subscribe/sent?lang=en"
    assert "Check your email" in page_text(client.get(sent.headers["Location"]))
    assert notices(app)[-1]["subject"] == "Confirm your alerts from Emergency office"
    assert "ignore this email" in notices(app)[-1]["text"]
    assert link.endswith("?lang=en")
    assert '<button type="submit">Confirm</button>' in page_text(opened)
    assert after_get == []
    assert confirmed.status_code == 303
    assert (subscriber.channel, subscriber.address) == ("email", "warga@example.id")
    assert (subscriber.language, subscriber.verified) == ("en-US", True)


def test_a_used_email_link_no_longer_works(app: Flask, client: FlaskClient) -> None:
    subscribe_by_email(client, app)
    link = last_link_path(app)

    again = client.get(link)

    assert again.status_code == 404
    assert "Kode atau tautan ini tidak berlaku lagi" in page_text(again)


def test_wrong_codes_say_the_tries_left_and_the_fifth_ends_the_request(
    app: Flask, client: FlaskClient
) -> None:
    sent = send_form(client, "?lang=en")
    code_page = sent.headers["Location"]
    wrong = f"{(int(last_code(app)) + 1) % 10**6:06d}"

    answers = [type_code(client, code_page, wrong) for _ in range(5)]
    right_too_late = type_code(client, code_page, last_code(app))

    assert [answer.status_code for answer in answers] == [400] * 4 + [404]
    assert "That code is not right" in page_text(answers[0])
    assert "4 tries left" in page_text(answers[0])
    assert "1 try left" in page_text(answers[3])
    assert "typed wrong too often" in page_text(answers[4])
    assert right_too_late.status_code == 404
    assert stored(app) == []


def test_a_code_that_is_not_six_digits_is_explained(
    app: Flask, client: FlaskClient
) -> None:
    sent = send_form(client)

    answer = type_code(client, sent.headers["Location"], "12a")

    assert answer.status_code == 400
    assert "Tulis 6 angka kode dari SMS." in page_text(answer)
    assert len(pending(app)) == 1


def test_an_expired_code_confirms_nothing_and_the_purge_deletes_it(
    app: Flask, client: FlaskClient
) -> None:
    sent = send_form(client)
    with transaction(runtime(app).sessions) as session:
        session.execute(update(PendingSubscription).values(expires_at=utc_now()))

    answer = type_code(client, sent.headers["Location"], last_code(app))
    purged = purge_pending(app)

    assert answer.status_code == 404
    assert stored(app) == []
    assert purged == 1
    assert pending(app) == []


def test_resubscribing_replaces_language_and_place_only_once_confirmed(
    app: Flask, client: FlaskClient
) -> None:
    subscribe_by_sms(client, app)

    sent = send_form(client, language="en-US", area="", lat="-0.95", lon="100.36")
    before = stored(app)[0]
    type_code(client, sent.headers["Location"], last_code(app))
    after = stored(app)[0]

    assert (before.language, before.lat) == ("id-ID", None)
    assert (after.id, after.language, after.lat, after.lon) == (
        before.id,
        "en-US",
        -0.95,
        100.36,
    )
    assert areas_of(app, after.id) == set()


def test_a_kelurahan_is_stored_with_its_kecamatan_and_city(
    app: Flask, client: FlaskClient
) -> None:
    with transaction(runtime(app).sessions) as session:
        session.add(village("1371010001", "Kelurahan Air Tawar", DISTRICT))

    subscribe_by_sms(client, app, area="1371010001")

    assert areas_of(app, stored(app)[0].id) == {"1371010001", DISTRICT, "1371"}


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_answers_are_the_same_whether_or_not_the_address_is_subscribed(
    app: Flask, client: FlaskClient, channel: str
) -> None:
    known, unknown = (
        (PHONE, "0812 3456 7891") if channel == "sms" else (EMAIL, "lain@example.id")
    )
    if channel == "sms":
        subscribe_by_sms(client, app, address=known)
    else:
        subscribe_by_email(client, app, address=known)

    answers, messages, pages = [], [], []
    for address in (known, unknown):
        sent = send_form(app.test_client(), channel=channel, address=address)
        answers.append((sent.status_code, without_secrets(sent.headers["Location"])))
        messages.append(without_secrets(notices(app)[-1]["text"]))
        pages.append(without_secrets(page_text(client.get(sent.headers["Location"]))))

    assert answers[0] == answers[1]
    assert messages[0] == messages[1]
    assert pages[0] == pages[1]


# Abuse checks


def test_the_hidden_field_filled_in_is_refused_without_a_message(
    app: Flask, client: FlaskClient
) -> None:
    answer = send_form(client, website="http://spam.example")

    assert answer.status_code == 400
    assert "terlalu cepat" in page_text(answer)
    assert notices(app) == []
    assert pending(app) == []


def test_a_form_sent_too_soon_after_it_was_shown_is_refused(make_app: Any) -> None:
    app = make_app(SUBSCRIBE_MIN_SECONDS=30)

    answer = send_form(app.test_client(), "?lang=en")

    assert answer.status_code == 400
    assert "sent too quickly. Wait a few seconds" in page_text(answer)
    assert 'value="0812 3456 7890"' in page_text(answer)
    assert notices(app) == []


def test_a_form_without_a_valid_stamp_is_shown_again(
    app: Flask, client: FlaskClient
) -> None:
    answer = send_form(client, "?lang=en", shown="forged")

    assert answer.status_code == 400
    assert "This form was open too long" in page_text(answer)
    assert notices(app) == []


def test_one_address_gets_a_limited_number_of_messages(make_app: Any) -> None:
    app = make_app(SUBSCRIBE_ADDRESS_LIMIT="1 per hour")
    client = app.test_client()

    first = send_form(client)
    again = send_form(client, address="+62 812-3456-7890")
    other = send_form(client, address="0812 3456 7891")

    assert (first.status_code, other.status_code) == (303, 303)
    assert again.status_code == 429
    assert "Silakan coba lagi dalam 60 menit." in page_text(again)
    assert [notice["to"] for notice in notices(app)] == [E164, "+6281234567891"]


def test_one_client_gets_a_limited_number_of_posts(make_app: Any) -> None:
    app = make_app(SUBSCRIBE_CLIENT_LIMIT="2 per hour")
    client = app.test_client()

    sent = send_form(client, "?lang=en")
    wrong = type_code(client, sent.headers["Location"], "000000")
    refused = send_form(client, "?lang=en", address="0812 3456 7891")

    assert (sent.status_code, wrong.status_code) == (303, 400)
    assert refused.status_code == 429
    assert "Please try again in 60 minutes." in page_text(refused)
    assert len(notices(app)) == 1


def test_the_limits_are_shared_through_redis(make_app: Any, redis_prefix: str) -> None:
    settings = {
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_PREFIX": redis_prefix,
        "SUBSCRIBE_ADDRESS_LIMIT": "1 per hour",
    }
    first, second = make_app(**settings), make_app(**settings)

    accepted = send_form(first.test_client())
    refused = send_form(second.test_client())

    assert accepted.status_code == 303
    assert refused.status_code == 429


# Errors beside their fields, in the resident's language


@pytest.mark.parametrize(
    ("query", "fields", "field", "message"),
    [
        ("", {"address": "12"}, "address", "Tulis nomor lengkap dengan kodenya"),
        (
            "?lang=en",
            {"address": "12"},
            "address",
            "Write the number with its area code, like 0812 3456 7890 or "
            "+62 812 3456 7890.",
        ),
        ("", {"address": "0751 123456"}, "address", "Ini nomor telepon rumah"),
        (
            "?lang=en",
            {"channel": "email", "address": "warga@"},
            "address",
            "Write the whole email address, like warga@example.id.",
        ),
        ("", {"address": ""}, "address", "Tulis nomor ponsel Anda."),
        ("?lang=en", {"channel": ""}, "channel", "SMS or email"),
        ("?lang=en", {"channel": "webpush"}, "channel", "JavaScript"),
        ("", {"language": "fr-FR"}, "language", "Pilih Bahasa Indonesia atau English."),
        ("?lang=en", {"area": "9999"}, "area", "from the list"),
        ("", {"area": ""}, "area", "Pilih kecamatan atau kelurahan Anda, atau beri"),
        ("?lang=en", {"lat": "-0.9", "lon": ""}, "lon", "Write both the latitude"),
        ("?lang=en", {"lat": "-95", "lon": "100"}, "lat", "from -90 to 90"),
        ("", {"lat": "-0.9", "lon": "timur"}, "lon", "dari -180 sampai 180"),
    ],
    ids=[
        "short-number-id",
        "short-number-en",
        "landline-id",
        "bad-email-en",
        "no-number-id",
        "no-channel-en",
        "webpush-without-script-en",
        "unknown-language-id",
        "unknown-area-en",
        "no-place-id",
        "half-a-point-en",
        "latitude-out-of-range-en",
        "longitude-not-a-number-id",
    ],
)
def test_a_problem_is_explained_beside_its_field(
    app: Flask,
    client: FlaskClient,
    query: str,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    answer = send_form(client, query, **fields)

    page = page_text(answer)
    assert answer.status_code == 400
    error = re.search(
        rf'<span class="field-error" id="{field}-error">([^<]*)</span>', page
    )
    assert error is not None, page
    assert message in error.group(1)
    assert f'aria-describedby="{field}-error' in page
    assert notices(app) == []
    assert pending(app) == []


def test_a_valid_point_alone_is_enough(app: Flask, client: FlaskClient) -> None:
    subscribe_by_email(client, app, area="", lat="-0.92", lon="100.40")

    [subscriber] = stored(app)
    assert (subscriber.lat, subscriber.lon) == (-0.92, 100.40)
    assert areas_of(app, subscriber.id) == set()


def village(code: str, name: str, parent: str) -> Area:
    return Area(
        scheme="BPS",
        code=code,
        name=name,
        level="village",
        parent_code=parent,
        geometry=json.dumps({"type": "Point", "coordinates": [100.37, -0.83]}),
        min_lon=100.37,
        min_lat=-0.83,
        max_lon=100.37,
        max_lat=-0.83,
    )
