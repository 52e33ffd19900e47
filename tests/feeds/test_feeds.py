"""Atom and RSS feeds read by a real feed reader, CAP files, conditional GET,
filters, paging, drills, static export and WebSub pings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import feedparser
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import Client

from gateway.alerts.expiry import expire_due
from gateway.cap import MsgType, Status, validate
from gateway.cli import main
from gateway.db import transaction, utc_now
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.factories import (
    Caller,
    add_partner,
    add_staff,
    approve_pending,
    draft_content,
    partner_cap,
    post_cap,
    publish_draft,
    reference_to,
)
from tests.loopback import Answer, LoopbackServer, loopback_server

PUBLIC_URL = "http://127.0.0.1:8000"
FEEDS = ["/feeds/alerts.atom", "/feeds/alerts.rss"]


@pytest.fixture
def partner(app: Flask) -> Caller:
    return add_partner(app, "publish")


def read_feed(client: FlaskClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.data
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def local_path(url: str) -> str:
    return url.removeprefix(PUBLIC_URL)


def entry_ids(client: FlaskClient, path: str = "/feeds/alerts.atom") -> list[str]:
    return [entry.id for entry in read_feed(client, path).entries]


@pytest.mark.parametrize("path", FEEDS, ids=["atom", "rss"])
def test_feed_reader_reads_every_entry_and_its_cap_message(
    client: FlaskClient, partner: Caller, path: str
) -> None:
    posted = [post_cap(client, partner, partner_cap()).get_json() for _ in range(2)]

    parsed = read_feed(client, path)

    assert {entry.id for entry in parsed.entries} == {
        alert["identifier"] for alert in posted
    }
    assert parsed.feed.language == "id-ID"
    for entry in parsed.entries:
        cap_links = [
            link for link in entry.links if link.get("type") == "application/cap+xml"
        ] or [{"href": entry.link}]
        cap = client.get(local_path(cap_links[0]["href"]))
        assert cap.mimetype == "application/cap+xml"
        assert [p for p in validate(cap.data) if p.is_error] == []
        assert entry.title
        assert "Severe" in entry.summary


def test_atom_entry_follows_cap_aggregator_conventions(
    client: FlaskClient, partner: Caller
) -> None:
    alert = post_cap(client, partner, partner_cap()).get_json()

    entry = read_feed(client, "/feeds/alerts.atom").entries[0]
    feed = read_feed(client, "/feeds/alerts.atom").feed

    cap_link = next(link for link in entry.links if link.rel == "alternate")
    assert entry.id == alert["identifier"]
    assert cap_link.type == "application/cap+xml"
    assert entry.updated.startswith(alert["sent"][:16].replace("+07:00", ""))
    assert {"Severe", "Immediate", "Observed"} <= {tag.term for tag in entry.tags}
    assert any(link.rel == "self" for link in feed.links)


def test_cap_file_is_byte_for_byte_what_was_published(
    client: FlaskClient, partner: Caller
) -> None:
    data = partner_cap()
    alert = post_cap(client, partner, data).get_json()

    served = client.get(f"/feeds/cap/{alert['id']}.xml")

    assert served.data == data
    assert served.headers["Cache-Control"].startswith("public")


def test_draft_has_no_public_cap_file(app: Flask, client: FlaskClient) -> None:
    author = add_staff(app, "author")
    draft = client.post("/api/v1/alerts", json=draft_content(), headers=author.headers)

    assert client.get(f"/feeds/cap/{draft.get_json()['id']}.xml").status_code == 404


@pytest.mark.parametrize("path", FEEDS, ids=["atom", "rss"])
def test_matching_etag_or_date_gets_304_without_a_body(
    client: FlaskClient, partner: Caller, path: str
) -> None:
    post_cap(client, partner, partner_cap())
    first = client.get(path)

    by_etag = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get(
        path, headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    other = client.get(path, headers={"If-None-Match": '"something-else"'})

    assert not first.headers["ETag"].startswith("W/")
    assert (by_etag.status_code, by_etag.data) == (304, b"")
    assert (by_date.status_code, by_date.data) == (304, b"")
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/feeds/alerts.atom", {}),
        ("/feeds/drills.rss", {}),
        ("/feeds/alerts.rss", {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
        ("/feeds/pages/alerts-2.atom", {}),
    ],
    ids=["atom", "drills-rss", "not-modified", "missing-page"],
)
def test_fast_path_answers_exactly_as_the_flask_view(
    app: Flask, client: FlaskClient, partner: Caller, path: str, headers: dict
) -> None:
    alert = post_cap(client, partner, partner_cap()).get_json()
    flask_only = Client(app.wsgi_app.application)  # type: ignore[attr-defined]
    compared = ("ETag", "Last-Modified", "Cache-Control", "Content-Type")

    fast = client.get(path, headers=headers)
    view = flask_only.get(path, headers=headers)
    cap_fast = client.head(f"/feeds/cap/{alert['id']}.xml")

    assert (fast.status_code, fast.data) == (view.status_code, view.data)
    if fast.status_code != 404:
        for name in compared:
            assert fast.headers.get(name) == view.headers.get(name), name
    assert cap_fast.status_code == 200
    assert cap_fast.data == b""
    assert int(cap_fast.headers["Content-Length"]) > 0


def test_update_replaces_the_entry_and_cancel_then_expiry_removes_it(
    app: Flask, client: FlaskClient
) -> None:
    author, approver = add_staff(app, "author"), add_staff(app, "approver")
    first = publish_draft(client, author, approver)
    draft = client.post(f"/api/v1/alerts/{first['id']}/update", headers=author.headers)
    updated = approve_pending(client, author, approver, draft.get_json()["id"])
    after_update = entry_ids(client)
    cancel = client.post(f"/api/v1/alerts/{first['id']}/cancel", headers=author.headers)
    cancelled = approve_pending(client, author, approver, cancel.get_json()["id"])
    after_cancel = read_feed(client, "/feeds/alerts.atom").entries

    with transaction(runtime(app).sessions) as session:
        expire_due(session, utc_now() + timedelta(hours=7))

    assert after_update == [updated["identifier"]]
    assert [entry.id for entry in after_cancel] == [cancelled["identifier"]]
    assert after_cancel[0].title.startswith("Cancelled")
    assert entry_ids(client) == []


def test_partner_cancel_stays_listed_until_the_original_expiry(
    app: Flask, client: FlaskClient, partner: Caller
) -> None:
    first = post_cap(client, partner, partner_cap()).get_json()
    cancel_xml = partner_cap(msg_type=MsgType.CANCEL, references=reference_to(first))
    cancel = post_cap(client, partner, cancel_xml).get_json()

    listed = entry_ids(client)
    with transaction(runtime(app).sessions) as session:
        expire_due(session, utc_now() + timedelta(hours=6, minutes=1))

    assert listed == [cancel["identifier"]]
    assert entry_ids(client) == []


def test_drills_never_reach_the_public_feed(
    client: FlaskClient, partner: Caller
) -> None:
    drill = post_cap(client, partner, partner_cap(status=Status.EXERCISE)).get_json()
    test = post_cap(client, partner, partner_cap(status=Status.TEST)).get_json()

    public = entry_ids(client)
    drills = entry_ids(client, "/feeds/drills.atom")

    assert public == []
    assert set(drills) == {drill["identifier"], test["identifier"]}


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("lang=id", True),
        ("lang=id-ID", True),
        ("lang=en", False),
        ("area=1371", True),
        ("area=9999", False),
        ("severity=Severe", True),
        ("severity=Extreme", False),
    ],
    ids=str,
)
def test_filtered_feeds_list_only_what_was_asked(
    client: FlaskClient, partner: Caller, query: str, listed: bool
) -> None:
    alert = post_cap(client, partner, partner_cap()).get_json()

    ids = entry_ids(client, f"/feeds/alerts.atom?{query}")

    assert ids == ([alert["identifier"]] if listed else [])


def test_bad_filter_is_refused_with_the_allowed_values(client: FlaskClient) -> None:
    response = client.get("/feeds/alerts.atom?severity=Terrible")

    assert response.status_code == 400
    assert b"Extreme" in response.data


def test_many_alerts_are_paged_with_rfc5005_links(
    client: FlaskClient, partner: Caller
) -> None:
    for _ in range(30):
        post_cap(client, partner, partner_cap())

    first = client.get("/feeds/alerts.atom")
    parsed = feedparser.parse(first.data)
    links = {link.rel: link.href for link in parsed.feed.links}
    second = read_feed(client, local_path(links["next"]))
    rss = feedparser.parse(client.get("/feeds/alerts.rss").data)

    assert len(first.data) < 100_000
    assert len(parsed.entries) + len(second.entries) == 30
    assert {link.rel for link in second.feed.links} >= {"previous", "first", "last"}
    assert any(link.rel == "next" for link in rss.feed.links)
    assert client.get("/feeds/pages/alerts-3.atom").status_code == 404


def test_exported_files_equal_what_the_app_serves(
    app: Flask, client: FlaskClient, partner: Caller
) -> None:
    for _ in range(27):
        post_cap(client, partner, partner_cap())
    post_cap(client, partner, partner_cap(status=Status.EXERCISE))
    folder = Path(app.config["FEEDS_DIR"])

    exported = sorted(p for p in folder.rglob("*") if p.is_file())

    assert len(exported) == 4 + 2 + 28
    for path in exported:
        served = client.get("/feeds/" + path.relative_to(folder).as_posix())
        assert served.status_code == 200, path
        assert served.data == path.read_bytes(), path


def test_export_command_writes_the_feeds(
    app: Flask, client: FlaskClient, partner: Caller, tmp_path: Path
) -> None:
    post_cap(client, partner, partner_cap())
    target = tmp_path / "cdn"

    result = CliRunner().invoke(
        main,
        ["feeds", "export", str(target)],
        env={"KENTONGAN_DATABASE_URL": app.config["DATABASE_URL"]},
    )

    assert result.exit_code == 0, result.output
    assert (target / "alerts.atom").read_bytes() == client.get(
        "/feeds/alerts.atom"
    ).data
    assert len(list((target / "cap").iterdir())) == 1


def test_change_in_another_process_reaches_the_feed_within_a_second(
    database_url: str, tmp_path: Path
) -> None:
    reader = build_app(database_url, tmp_path / "reader")
    writer = build_app(database_url, tmp_path / "writer")
    partner = add_partner(writer, "publish")
    before = entry_ids(reader.test_client())

    alert = post_cap(writer.test_client(), partner, partner_cap()).get_json()
    time.sleep(1.1)

    assert before == []
    assert entry_ids(reader.test_client()) == [alert["identifier"]]


@pytest.fixture
def hub() -> Iterator[LoopbackServer]:
    with loopback_server(Answer(202)) as server:
        yield server


def test_websub_hub_is_linked_and_pinged_on_change(
    database_url: str, tmp_path: Path, hub: LoopbackServer
) -> None:
    hub_url = hub.url("/hub")
    app = build_app(database_url, tmp_path, WEBSUB_HUB_URL=hub_url)
    client = app.test_client()
    partner = add_partner(app, "publish")

    post_cap(client, partner, partner_cap())
    deadline = time.monotonic() + 5
    while len(hub.received) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)

    links = {link.rel: link.href for link in read_feed(client, FEEDS[0]).feed.links}
    pings = [parse_qs(request.body.decode()) for request in hub.received]
    pinged = {ping["hub.url"][0] for ping in pings}
    assert links["hub"] == hub_url
    assert f"{PUBLIC_URL}/feeds/alerts.atom" in pinged
    assert all(ping["hub.mode"] == ["publish"] for ping in pings)
