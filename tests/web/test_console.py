"""The console's pages: who is signed in, the dashboard's sections from real
alerts, drills marked as drills, delivery progress, and user text kept inert."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.runtime import runtime
from tests.factories import Caller, draft_content, publish_draft
from tests.residents.factories import add_subscribers, csv_row
from tests.web.console import add_person, page_text, sign_in


@pytest.fixture
def staff(app: Flask) -> dict[str, Any]:
    """An author and an approver, both signed in to the API; the approver's
    email for the console."""
    author_email, author = add_person(app, "author")
    approver_email, approver = add_person(app, "approver")
    return {
        "author": author,
        "author_email": author_email,
        "approver": approver,
        "approver_email": approver_email,
    }


def console_client(app: Flask, email: str, language: str = "en") -> FlaskClient:
    client = app.test_client()
    client.set_cookie("kentongan_language", language)
    assert sign_in(client, email).status_code == 302
    return client


def create_draft(
    client: FlaskClient, author: Caller, headline: str, **extra: Any
) -> str:
    content = draft_content(info={"headline": headline}, **extra)
    created = client.post("/api/v1/alerts", json=content, headers=author.headers)
    assert created.status_code == 201, created.get_json()
    alert_id: str = created.get_json()["id"]
    return alert_id


def submit(client: FlaskClient, author: Caller, alert_id: str) -> None:
    answer = client.post(f"/api/v1/alerts/{alert_id}/submit", headers=author.headers)
    assert answer.status_code == 200, answer.get_json()


def publish(app: Flask, staff: dict[str, Any], headline: str, **extra: Any) -> None:
    content = draft_content(info={"headline": headline}, **extra)
    publish_draft(app.test_client(), staff["author"], staff["approver"], content)
    assert runtime(app).dispatcher.wait_idle(30)


def section(page: str, name: str) -> str:
    found = re.search(
        rf'<section aria-labelledby="{name}">(.*?)</section>', page, re.DOTALL
    )
    assert found is not None, f"the page has no section {name}"
    return found.group(1)


@pytest.mark.parametrize(
    ("role", "english", "indonesian"),
    [
        ("author", "Author", "Penulis"),
        ("approver", "Approver", "Penyetuju"),
        ("admin", "Administrator", "Administrator"),
    ],
    ids=["author", "approver", "admin"],
)
def test_header_shows_who_is_signed_in_and_their_role(
    app: Flask, role: str, english: str, indonesian: str
) -> None:
    email, _ = add_person(app, role)

    in_english = page_text(console_client(app, email, "en").get("/console"))
    in_indonesian = page_text(console_client(app, email, "id").get("/console"))

    assert email in in_english
    assert f'<span class="role" title="Your role">{english}</span>' in in_english
    assert f'<span class="role" title="Peran Anda">{indonesian}</span>' in in_indonesian


def test_dashboard_lists_alerts_by_state(app: Flask, staff: dict[str, Any]) -> None:
    api = app.test_client()
    publish(app, staff, "Banjir di Kuranji")
    pending = create_draft(api, staff["author"], "Longsor di Lubuk Kilangan")
    submit(api, staff["author"], pending)
    create_draft(api, staff["author"], "Draf angin kencang")

    page = page_text(console_client(app, staff["approver_email"]).get("/console"))

    on_air, waiting, drafts = (
        section(page, name) for name in ("active", "pending", "drafts")
    )
    assert "Banjir di Kuranji" in on_air
    assert "Longsor di Lubuk Kilangan" not in on_air
    assert "Longsor di Lubuk Kilangan" in waiting
    assert "Draf angin kencang" in drafts
    assert "Draf angin kencang" not in waiting
    assert staff["author_email"] in drafts


def test_empty_dashboard_says_so(app: Flask, staff: dict[str, Any]) -> None:
    page = page_text(console_client(app, staff["approver_email"]).get("/console"))

    assert "No alert is on air." in section(page, "active")
    assert "Nothing is waiting for approval." in section(page, "pending")
    assert "There are no drafts." in section(page, "drafts")
    assert "drill" not in page.lower().split("<main>")[1].split("</main>")[0]


@pytest.mark.parametrize("status", ["Exercise", "Test"])
def test_drills_carry_a_banner_and_a_badge(
    app: Flask, staff: dict[str, Any], status: str
) -> None:
    publish(app, staff, "Latihan evakuasi tsunami", status=status)
    publish(app, staff, "Banjir sungguhan")

    page = page_text(console_client(app, staff["approver_email"]).get("/console"))

    assert 'class="banner banner-drill"' in page
    assert "1 Exercise or Test alert is on air" in page
    drill_row = re.search(
        r'<tr class="drill">(.*?)</tr>', section(page, "active"), re.S
    )
    assert drill_row is not None
    assert f'<span class="badge badge-drill">{status}</span>' in drill_row.group(1)
    assert "Latihan evakuasi tsunami" in drill_row.group(1)
    assert "Banjir sungguhan" not in drill_row.group(1)


def test_dashboard_shows_delivery_progress(app: Flask, staff: dict[str, Any]) -> None:
    add_subscribers(
        app,
        [csv_row(address="081234567801"), csv_row(address="081234567802")],
    )
    publish(app, staff, "Banjir untuk dua warga")

    page = page_text(console_client(app, staff["approver_email"]).get("/console"))

    progress = section(page, "deliveries")
    assert "Banjir untuk dua warga" in progress
    assert '<progress max="2" value="2">' in progress
    assert "2 of 2" in progress


def test_alert_list_filters_by_state(app: Flask, staff: dict[str, Any]) -> None:
    api = app.test_client()
    create_draft(api, staff["author"], "Hanya draf")
    publish(app, staff, "Sudah terbit")
    client = console_client(app, staff["approver_email"])

    drafts = page_text(client.get("/console/alerts?state=draft"))
    everything = page_text(client.get("/console/alerts"))

    assert "Hanya draf" in drafts
    assert "Sudah terbit" not in drafts
    assert "Hanya draf" in everything
    assert "Sudah terbit" in everything
    assert client.get("/console/alerts?state=nonsense").status_code == 400
    assert client.get("/console/alerts?after=not-a-cursor").status_code == 400


def test_user_text_is_shown_as_text(app: Flask, staff: dict[str, Any]) -> None:
    api = app.test_client()
    create_draft(api, staff["author"], '<script>alert("x")</script><b>bold</b>')

    page = page_text(console_client(app, staff["approver_email"]).get("/console"))

    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold" in page
    assert "<script" not in page
    assert "<b>" not in page


def test_navigation_links_only_pages_that_exist(
    app: Flask, staff: dict[str, Any]
) -> None:
    page = page_text(console_client(app, staff["approver_email"]).get("/console"))

    nav = page.split('<nav class="console-nav"')[1].split("</nav>")[0]
    links = re.findall(r'href="([^"]+)"', nav)
    assert links[0] == "/console"
    assert "/console/alerts" in links
    for link in links:
        assert console_client(app, staff["approver_email"]).get(link).status_code == 200
    assert '<a href="/console" aria-current="page">Dashboard</a>' in nav


def test_console_pages_are_never_cached(app: Flask, staff: dict[str, Any]) -> None:
    answer = console_client(app, staff["approver_email"]).get("/console")

    assert answer.headers["Cache-Control"] == "no-store"
