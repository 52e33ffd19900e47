"""The way out in every message: each SMS of a fan-out ends in its recipient's
footer with a working link to their own manage page, within the segment
budget; each email carries the link in its text and HTML beside the one-click
unsubscribe header."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.channels.sms_text import (
    DEFAULT_MAX_SEGMENTS,
    build_sms_text,
    segments,
    with_footer,
)
from gateway.config import ConfigError
from gateway.db import transaction
from gateway.dispatch.messages import personal_sms
from gateway.dispatch.way_out import WayOut
from gateway.residents.manage_links import MAX_ID, read_manage_token
from gateway.residents.models import Subscriber
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.dispatch.test_fanout import INSIDE_CIRCLE, INSIDE_POLYGON, outbox, publish
from tests.dispatch.test_fanout import subscribe as store
from tests.dispatch.test_providers import mail_app
from tests.factories import add_partner, partner_cap
from tests.loopback import Answer, LoopbackServer, loopback_server
from tests.mailbox import Mailbox, running_mailbox
from tests.residents.factories import csv_row

PUBLIC_URL = "https://peringatan.padang.go.id"
MANAGE_LINK = re.compile(re.escape(PUBLIC_URL) + r"/s/[0-9a-z]{1,7}\.[a-z2-7]{12}")
WAY_OUT = WayOut(PUBLIC_URL, "a-secret-key-for-way-out-tests")
LONG_INSTRUCTION = (
    "Segera menjauh dari pantai dan sungai, menuju tempat tinggi atau shelter "
    "evakuasi terdekat; bawa tas siaga, dokumen penting dan obat-obatan; bantu "
    "tetangga lanjut usia, anak-anak dan penyandang disabilitas; jangan kembali "
    "sebelum ada pengumuman resmi dari BPBD bahwa keadaan sudah aman. "
) * 3


@pytest.fixture
def sms_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build_app(
        database_url,
        tmp_path,
        OUTBOX_DIR=str(tmp_path / "outbox"),
        PUBLIC_URL=PUBLIC_URL,
    )
    yield app
    runtime(app).dispatcher.shutdown()
    runtime(app).engine.dispose()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as running:
        yield running


def ids_by_address(app: Flask) -> dict[str, int]:
    with transaction(runtime(app).sessions) as session:
        rows = session.execute(select(Subscriber.address, Subscriber.id))
        return {row.address: row.id for row in rows}


def followed(app: Flask, link: str, lang: str = "en") -> str:
    """The manage page a link opens, which must exist."""
    answer = app.test_client().get(urlsplit(link).path, query_string={"lang": lang})
    assert answer.status_code == 200, link
    return answer.get_data(as_text=True)


def test_every_sms_ends_in_its_recipients_own_working_link(sms_app: Flask) -> None:
    store(
        sms_app,
        csv_row(address="081200000001", **INSIDE_POLYGON),
        csv_row(address="081200000002", language="en-US", **INSIDE_POLYGON),
        csv_row(address="081200000003", **INSIDE_CIRCLE),
    )
    ids = ids_by_address(sms_app)

    publish(sms_app, add_partner(sms_app, "publish"), partner_cap())

    messages = outbox(sms_app)
    assert len(messages) == 3
    for message in messages:
        text, to = message["text"], message["to"]
        *_, last = text.split("\n")
        (link,) = MANAGE_LINK.findall(last)
        token = urlsplit(link).path.removeprefix("/s/")
        assert read_manage_token(sms_app.config["SECRET_KEY"], token) == ids[to]
        assert last.startswith(
            ("Berhenti: balas STOP atau ", "To stop, reply STOP or ")
        )
        assert last.endswith(link)
        assert len(segments(text)) <= DEFAULT_MAX_SEGMENTS
        assert f"•••• {to[-4:]}" in followed(sms_app, link)
    footers = {message["to"]: message["text"].split("\n")[-1] for message in messages}
    assert footers["+6281200000001"].startswith("Berhenti: balas STOP atau ")
    assert len(set(footers.values())) == 3


def test_sms_footer_follows_the_info_block_language(sms_app: Flask) -> None:
    store(sms_app, csv_row(address="081200000002", language="en-US", **INSIDE_POLYGON))

    publish(sms_app, add_partner(sms_app, "publish"), partner_cap())

    (message,) = outbox(sms_app)
    # The partner alert has only an Indonesian info block, which everyone gets.
    assert message["text"].split("\n")[-1].startswith("Berhenti: balas STOP atau ")


@pytest.fixture
def provider() -> Iterator[LoopbackServer]:
    accepted = Answer(202, {"Content-Type": "application/json"}, b'{"id": "op-1"}')
    with loopback_server(accepted) as server:
        yield server


def test_sms_to_a_provider_carries_the_footer(
    sqlite_url: str, tmp_path: Path, provider: LoopbackServer
) -> None:
    app = build_app(
        sqlite_url,
        tmp_path,
        SMS_PROVIDER="http-json",
        SMS_URL=provider.url("/send"),
        PUBLIC_URL=PUBLIC_URL,
    )
    store(app, csv_row(address="081200000001", **INSIDE_POLYGON))

    publish(app, add_partner(app, "publish"), partner_cap())

    (request,) = provider.received
    text = json.loads(request.body)["text"]
    (link,) = MANAGE_LINK.findall(text)
    assert text.startswith("Gempa M6,8")
    assert text.endswith(f"\nBerhenti: balas STOP atau {link}")
    assert "•••• 0001" in followed(app, link)
    runtime(app).dispatcher.shutdown()


def test_every_email_carries_its_recipients_manage_link(
    database_url: str, tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    app = mail_app(database_url, tmp_path, port)
    store(
        app,
        csv_row(channel="email", address="ani@example.org", **INSIDE_POLYGON),
        csv_row(channel="email", address="budi@example.org", **INSIDE_CIRCLE),
    )

    publish(app, add_partner(app, "publish"), partner_cap())

    assert len(box.received) == 2
    links = set()
    for message in box.received:
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        (link,) = MANAGE_LINK.findall(text)
        links.add(link)
        assert f"Atur atau hapus langganan Anda: {link}" in text
        assert f'<a href="{link}">{link}</a>' in html
        assert message["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/unsubscribe/")
        local = str(message["To"])[0]
        assert f"{local}•••@example.org" in followed(app, link)
    assert len(links) == 2
    runtime(app).dispatcher.shutdown()


def test_a_long_alert_is_shortened_to_keep_room_for_the_footer() -> None:
    message = {
        "headline": "PERINGATAN DINI TSUNAMI",
        "instruction": LONG_INSTRUCTION,
        "language": "id-ID",
    }

    text = personal_sms(message, WAY_OUT, MAX_ID)["text"]

    assert len(segments(text)) == DEFAULT_MAX_SEGMENTS
    assert text.endswith(WAY_OUT.sms_footer("id-ID", MAX_ID))
    assert "…" in text or "..." in text


def test_a_public_address_too_long_for_the_sms_footer_stops_start_up(
    sqlite_url: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="KENTONGAN_PUBLIC_URL"):
        build_app(sqlite_url, tmp_path, PUBLIC_URL="https://" + "a" * 250 + ".id")


headlines = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200
)


@settings(max_examples=200, deadline=None)
@given(
    headlines,
    st.one_of(st.none(), st.text(max_size=700)),
    st.integers(min_value=1, max_value=MAX_ID),
    st.sampled_from(["id-ID", "en-US", "id", "en", "jv-ID"]),
    st.integers(min_value=2, max_value=4),
)
def test_no_recipients_copy_is_over_the_budget(
    headline: str,
    instruction: str | None,
    subscriber_id: int,
    language: str,
    budget: int,
) -> None:
    room = WAY_OUT.longest_sms_footer(language)
    fitted = build_sms_text(headline, instruction, footer=room, max_segments=budget)
    footer = WAY_OUT.sms_footer(language, subscriber_id)

    text = with_footer(fitted.text, footer).text

    assert len(segments(text)) <= budget
    assert "".join(segments(text)) == text
    assert text.endswith(footer)
