"""Reviewing alerts in the console: the approval queue, an alert's page and
its live delivery counts, approving, rejecting, returning and cancelling
through the lifecycle, drills marked as drills and user text kept inert."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from gateway.alerts.models import AlertRecord
from gateway.cap import MsgType
from gateway.db import transaction
from gateway.runtime import runtime
from tests.factories import (
    Caller,
    add_partner,
    draft_content,
    partner_cap,
    post_cap,
    publish_draft,
)
from tests.residents.factories import add_subscribers, csv_row
from tests.web.console import add_person, csrf_token, page_text, sign_in

HASH_FIELD = re.compile(r'name="content_hash" value="([0-9a-f]{64})"')


@dataclass(frozen=True, slots=True)
class Person:
    """A staff member who can use both the API and the console."""

    email: str
    api: Caller


@pytest.fixture
def author(app: Flask) -> Person:
    return Person(*add_person(app, "author", name="author"))


@pytest.fixture
def approver(app: Flask) -> Person:
    return Person(*add_person(app, "approver", name="approver"))


def console(app: Flask, person: Person) -> FlaskClient:
    """A browser signed in as ``person``, reading the console in English."""
    client = app.test_client()
    client.set_cookie("kentongan_language", "en")
    assert sign_in(client, person.email).status_code == 302
    return client


def create(app: Flask, person: Person, headline: str, **extra: Any) -> dict[str, Any]:
    content = draft_content(info={"headline": headline}, **extra)
    answer = app.test_client().post(
        "/api/v1/alerts", json=content, headers=person.api.headers
    )
    assert answer.status_code == 201, answer.get_json()
    created: dict[str, Any] = answer.get_json()
    return created


def submit(app: Flask, person: Person, alert_id: str) -> dict[str, Any]:
    answer = app.test_client().post(
        f"/api/v1/alerts/{alert_id}/submit", headers=person.api.headers
    )
    assert answer.status_code == 200, answer.get_json()
    submitted: dict[str, Any] = answer.get_json()
    return submitted


def pending(app: Flask, person: Person, headline: str, **extra: Any) -> str:
    alert_id: str = create(app, person, headline, **extra)["id"]
    submit(app, person, alert_id)
    return alert_id


def published(
    app: Flask, author: Person, approver: Person, content: dict[str, Any]
) -> str:
    done = publish_draft(app.test_client(), author.api, approver.api, content)
    assert runtime(app).dispatcher.wait_idle(30)
    alert_id: str = done["id"]
    return alert_id


def two_languages(headline_id: str, headline_en: str, **extra: Any) -> dict[str, Any]:
    content = draft_content(info={"headline": headline_id}, **extra)
    english = dict(content["infos"][0], language="en-US", headline=headline_en)
    english["instruction"] = "Move your family to higher ground."
    content["infos"].append(english)
    return content


def stored(app: Flask, alert_id: str) -> AlertRecord:
    with transaction(runtime(app).sessions) as db:
        record = db.get(AlertRecord, alert_id)
        assert record is not None
        db.expunge(record)
        return record


def backdate_submission(app: Flask, alert_id: str, minutes: int) -> None:
    """Make an alert look submitted ``minutes`` earlier than it was."""
    with transaction(runtime(app).sessions) as db:
        record = db.get(AlertRecord, alert_id)
        assert record is not None
        assert record.submitted_at is not None
        record.submitted_at -= timedelta(minutes=minutes)


def api_content_hash(app: Flask, person: Person, alert_id: str) -> str:
    answer = app.test_client().get(
        f"/api/v1/alerts/{alert_id}", headers=person.api.headers
    )
    found: str = answer.get_json()["contentHash"]
    return found


def post_form(
    client: FlaskClient, page_url: str, action: str, **fields: str
) -> TestResponse:
    """Send a form of the page at ``page_url`` with its CSRF token."""
    token = csrf_token(client.get(page_url))
    return client.post(action, data={"csrf_token": token, **fields})


def approve_with(client: FlaskClient, alert_id: str, content_hash: str) -> TestResponse:
    return post_form(
        client,
        f"/console/alerts/{alert_id}",
        f"/console/alerts/{alert_id}/approve",
        content_hash=content_hash,
    )


def shown_hash(client: FlaskClient, alert_id: str) -> str:
    found = HASH_FIELD.search(page_text(client.get(f"/console/alerts/{alert_id}")))
    assert found is not None, "the page offers no approval"
    return found.group(1)


CHANGE_ROW = re.compile(
    r'<th scope="row"><code>(.*?)</code></th>\s*<td class="old">(.*?)</td>\s*'
    r'<td class="new">(.*?)</td>',
    re.DOTALL,
)


def changed_fields(page: str) -> dict[str, tuple[str, str]]:
    """The diff table of an alert page: {field: (before, now)}."""
    rows = CHANGE_ROW.findall(section(page, "changes"))
    return {path: (old.strip(), new.strip()) for path, old, new in rows}


def section(page: str, name: str) -> str:
    found = re.search(
        rf'<section aria-labelledby="{name}"[^>]*>(.*?)</section>', page, re.DOTALL
    )
    assert found is not None, f"the page has no section {name}"
    return found.group(1)


def test_queue_lists_pending_alerts_oldest_first_and_nothing_else(
    app: Flask, author: Person, approver: Person
) -> None:
    second = pending(app, author, "Angin kencang di Koto Tangah")
    first = pending(app, author, "Longsor di Lubuk Kilangan")
    backdate_submission(app, first, minutes=5)
    create(app, author, "Draf yang belum diajukan")
    published(app, author, approver, draft_content(info={"headline": "Sudah terbit"}))

    page = page_text(console(app, approver).get("/console/approvals"))

    assert "Draf yang belum diajukan" not in page
    assert "Sudah terbit" not in page
    assert page.index(f"/console/alerts/{first}") < page.index(
        f"/console/alerts/{second}"
    )
    assert author.email in page
    assert "Waiting for approval" in page


def test_empty_queue_says_so(app: Flask, approver: Person) -> None:
    page = page_text(console(app, approver).get("/console/approvals"))

    assert "Nothing is waiting for approval." in page
    assert '<a href="/console/approvals" aria-current="page">Approvals</a>' in page


@pytest.mark.parametrize("status", ["Exercise", "Test"])
def test_drills_are_marked_in_the_queue_and_on_their_pages(
    app: Flask, author: Person, approver: Person, status: str
) -> None:
    drill = pending(app, author, "Latihan evakuasi", status=status)
    pending(app, author, "Banjir sungguhan")
    client = console(app, approver)

    queue = page_text(client.get("/console/approvals"))
    drill_page = page_text(client.get(f"/console/alerts/{drill}"))

    rows = re.findall(r'<tr class="drill">(.*?)</tr>', queue, re.DOTALL)
    assert len(rows) == 1
    assert f'<span class="badge badge-drill">{status}</span>' in rows[0]
    assert "Latihan evakuasi" in rows[0]
    assert 'class="banner banner-drill"' in drill_page
    assert f"this message has the status {status}." in drill_page


def test_drill_banner_is_on_the_cancel_page_too(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = published(app, author, approver, draft_content(status="Exercise"))

    page = page_text(console(app, approver).get(f"/console/alerts/{alert_id}/cancel"))

    assert 'class="banner banner-drill"' in page


def test_an_actual_alert_has_no_drill_banner(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Banjir sungguhan")

    page = page_text(console(app, approver).get(f"/console/alerts/{alert_id}"))

    assert "banner-drill" not in page


def test_alert_page_shows_state_languages_history_and_documents(
    app: Flask, author: Person, approver: Person
) -> None:
    content = two_languages("Peringatan banjir", "Flood warning")
    alert_id = published(app, author, approver, content)
    client = console(app, approver)

    page = page_text(client.get(f"/console/alerts/{alert_id}"))

    assert '<dd class="state state-published">Published</dd>' in page
    assert "Peringatan banjir" in page
    assert "Flood warning" in page
    assert 'lang="id-ID"' in page
    assert 'lang="en-US"' in page
    assert "Move your family to higher ground." in page
    assert "Kelurahan Kuranji" in page
    assert "BPS 1371030" in page
    history = section(page, "history")
    for step in ("Written", "Sent for approval", "Approved", "Published"):
        assert step in history, step
    assert history.index("Written") < history.index("Published")
    assert author.email in history
    assert approver.email in history
    cap_url = f"/feeds/cap/{alert_id}.xml"
    assert f'href="{cap_url}" type="application/cap+xml"' in page
    cap = client.get(cap_url)
    assert cap.status_code == 200
    assert cap.mimetype == "application/cap+xml"
    document = client.get(f"/console/alerts/{alert_id}/alert.json")
    assert document.get_json()["id"] == alert_id
    assert document.get_json()["state"] == "published"


def test_a_draft_has_no_cap_link(app: Flask, author: Person, approver: Person) -> None:
    alert_id = pending(app, author, "Belum terbit")

    page = page_text(console(app, approver).get(f"/console/alerts/{alert_id}"))

    assert "/feeds/cap/" not in page
    assert "Waiting for approval" in page


def test_unknown_alert_is_not_found(app: Flask, approver: Person) -> None:
    client = console(app, approver)

    assert client.get(f"/console/alerts/{'0' * 32}").status_code == 404
    assert client.get("/console/alerts/not-an-id").status_code == 404
    assert client.get(f"/console/alerts/{'0' * 32}/progress.json").status_code == 404


def test_progress_counts_a_real_fan_out(
    app: Flask, author: Person, approver: Person
) -> None:
    add_subscribers(
        app,
        [
            csv_row(address="081234567801"),
            csv_row(address="081234567802"),
            csv_row(channel="email", address="warga@example.org"),
        ],
    )
    alert_id = published(app, author, approver, draft_content())
    client = console(app, approver)

    progress = client.get(f"/console/alerts/{alert_id}/progress.json").get_json()
    page = page_text(client.get(f"/console/alerts/{alert_id}"))

    assert progress["total"] == 3
    assert progress["finished"] == 3
    assert progress["percentFinished"] == 100.0
    channels = {channel["channel"]: channel for channel in progress["channels"]}
    assert channels["sms"]["total"] == 2
    assert channels["email"]["total"] == 1
    reached = progress["totals"]["sent"] + progress["totals"]["delivered"]
    assert reached == 3
    assert progress["totals"]["failed"] == 0
    assert progress["firstSent"] is not None
    assert progress["secondsToPercent"]["99"] is not None
    assert set(progress["totals"]) == set(progress["statuses"])
    shown = section(page, "progress")
    assert 'data-progress-url="/console/alerts/' in page
    assert '<span data-field="finished">3</span>' in shown
    assert re.search(
        r'<tr data-channel="sms">.*?<td data-status="total">2</td>', shown, re.S
    )
    assert "progress.js" in page


def test_progress_of_an_alert_without_recipients_is_zero(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Tanpa penerima")

    progress = console(app, approver).get(f"/console/alerts/{alert_id}/progress.json")

    assert progress.get_json()["total"] == 0
    assert progress.get_json()["channels"] == []
    assert progress.get_json()["percentFinished"] == 0.0


def test_a_second_person_approves_and_publishes(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Banjir di Kuranji")
    client = console(app, approver)

    answer = approve_with(client, alert_id, shown_hash(client, alert_id))
    page = page_text(client.get(answer.headers["Location"]))

    assert answer.status_code == 303
    assert stored(app, alert_id).state == "published"
    assert stored(app, alert_id).approved_by == approver.api.label
    assert "Approved and published." in page
    assert 'name="content_hash"' not in page


@pytest.mark.parametrize(
    ("writer_role", "refusal"),
    [
        ("approver", "You wrote or submitted this alert; a second person must"),
        ("author", "Only an approver or an admin can approve, reject or return"),
    ],
    ids=["approver-who-wrote-it", "author"],
)
def test_the_writer_sees_no_approve_button_and_a_forged_approve_is_refused(
    app: Flask, writer_role: str, refusal: str
) -> None:
    writer = Person(*add_person(app, writer_role, name="writer"))
    alert_id = pending(app, writer, "Ditulis sendiri")
    content_hash = api_content_hash(app, writer, alert_id)
    client = console(app, writer)

    page = page_text(client.get(f"/console/alerts/{alert_id}"))
    answer = approve_with(client, alert_id, content_hash)

    assert f"/console/alerts/{alert_id}/approve" not in page
    assert "/reject" not in page
    assert answer.status_code == 403
    assert refusal in page_text(answer)
    assert stored(app, alert_id).state == "pending"


def test_an_approve_after_an_edit_is_refused(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Versi pertama")
    client = console(app, approver)
    reviewed = shown_hash(client, alert_id)
    edited = app.test_client().put(
        f"/api/v1/alerts/{alert_id}",
        json=draft_content(info={"headline": "Versi kedua"}),
        headers=author.api.headers,
    )
    assert edited.status_code == 200
    submit(app, author, alert_id)

    answer = approve_with(client, alert_id, reviewed)

    assert answer.status_code == 409
    assert "The alert changed after you reviewed it" in page_text(answer)
    assert "Versi kedua" in page_text(answer)
    assert stored(app, alert_id).state == "pending"


@pytest.mark.parametrize(
    ("step", "state", "history_name"),
    [("reject", "rejected", "Rejected"), ("return", "draft", "Returned for changes")],
    ids=["reject", "return"],
)
def test_reject_and_return_need_a_reason_and_record_it(
    app: Flask,
    author: Person,
    approver: Person,
    step: str,
    state: str,
    history_name: str,
) -> None:
    alert_id = pending(app, author, "Perlu diperbaiki")
    client = console(app, approver)
    page_url, action = (
        f"/console/alerts/{alert_id}",
        f"/console/alerts/{alert_id}/{step}",
    )

    blank = post_form(client, page_url, action, reason="   ")
    assert blank.status_code == 422
    assert "Give a reason, so the author knows what to change" in page_text(blank)
    assert stored(app, alert_id).state == "pending"

    given = post_form(client, page_url, action, reason="Sebutkan nama jalan.")
    page = page_text(client.get(given.headers["Location"]))

    assert given.status_code == 303
    assert stored(app, alert_id).state == state
    assert stored(app, alert_id).state_reason == "Sebutkan nama jalan."
    history = section(page, "history")
    assert history_name in history
    assert "Sebutkan nama jalan." in history


def test_cancel_from_a_published_alert_makes_a_cancel_with_references(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = published(app, author, approver, draft_content())
    client = console(app, approver)
    form_url = f"/console/alerts/{alert_id}/cancel"
    assert form_url in page_text(client.get(f"/console/alerts/{alert_id}"))

    answer = post_form(client, form_url, form_url, note="Air sudah surut.")
    cancel_id = answer.headers["Location"].rsplit("/", 1)[1]
    made = stored(app, cancel_id)

    assert answer.status_code == 303
    assert made.msg_type == "Cancel"
    assert made.state == "pending"
    assert made.target_id == alert_id
    assert made.content is not None
    assert made.content["note"] == "Air sudah surut."
    assert stored(app, alert_id).state == "published"
    assert f"/console/alerts/{cancel_id}/approve" not in page_text(
        client.get(f"/console/alerts/{cancel_id}")
    )

    other = console(app, Person(*add_person(app, "approver", name="other")))
    approved = approve_with(other, cancel_id, shown_hash(other, cancel_id))
    original = stored(app, alert_id)

    assert approved.status_code == 303
    assert stored(app, cancel_id).state == "published"
    assert original.identifier in (stored(app, cancel_id).cap_references or "")
    assert original.state == "cancelled"
    history = section(page_text(other.get(f"/console/alerts/{alert_id}")), "history")
    assert "Cancelled" in history


def test_an_alert_not_on_air_cannot_be_cancelled(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Belum terbit")
    client = console(app, approver)
    form_url = f"/console/alerts/{alert_id}/cancel"

    answer = post_form(client, f"/console/alerts/{alert_id}", form_url)

    assert form_url not in page_text(client.get(f"/console/alerts/{alert_id}"))
    assert answer.status_code == 409
    assert "Only a published alert that is still on air" in page_text(answer)


def test_update_shows_each_changed_field_old_and_new(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = published(
        app, author, approver, draft_content(info={"headline": "Banjir lama"})
    )
    update = app.test_client().post(
        f"/api/v1/alerts/{alert_id}/update",
        json=draft_content(info={"headline": "Banjir meluas", "severity": "Extreme"}),
        headers=author.api.headers,
    )
    assert update.status_code == 201, update.get_json()
    submit(app, author, update.get_json()["id"])

    page = page_text(
        console(app, approver).get(f"/console/alerts/{update.get_json()['id']}")
    )

    changed = changed_fields(page)
    assert changed["infos/0/headline"] == ("Banjir lama", "Banjir meluas")
    assert changed["infos/0/severity"] == ("Severe", "Extreme")
    assert "infos/0/event" not in changed


def test_a_new_alert_says_there_is_nothing_to_compare(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Baru")

    page = page_text(console(app, approver).get(f"/console/alerts/{alert_id}"))

    assert "there is no earlier message to compare it with" in section(page, "changes")


def test_user_text_is_shown_inert(app: Flask, author: Person, approver: Person) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    alert_id = published(
        app, author, approver, draft_content(info={"headline": "Banjir"})
    )
    update = app.test_client().post(
        f"/api/v1/alerts/{alert_id}/update",
        json=draft_content(info={"headline": hostile, "instruction": hostile}),
        headers=author.api.headers,
    )
    submit(app, author, update.get_json()["id"])
    client = console(app, approver)

    pages = [
        page_text(client.get(f"/console/alerts/{update.get_json()['id']}")),
        page_text(client.get("/console/approvals")),
    ]

    for page in pages:
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img" in page
        assert "<img" not in page
        assert "<script>" not in page
    assert section(pages[0], "changes").count("&lt;script&gt;") >= 2


def test_review_pages_hold_no_inline_script_or_style(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = published(app, author, approver, draft_content(status="Exercise"))
    waiting = pending(app, author, "Menunggu")
    client = console(app, approver)

    for path in (
        "/console/approvals",
        f"/console/alerts/{alert_id}",
        f"/console/alerts/{alert_id}/cancel",
        f"/console/alerts/{waiting}",
    ):
        html = page_text(client.get(path)).lower()
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(
            ' src="/static/' in tag or ' src="/vendor/leaflet/' in tag
            for tag in scripts
        ), path
        assert "<style" not in html, path
        assert " style=" not in html, path
        assert " onclick=" not in html, path


def test_update_link_follows_the_compose_page(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = published(app, author, approver, draft_content())

    page = page_text(console(app, approver).get(f"/console/alerts/{alert_id}"))

    if "console.compose_update" in app.view_functions:
        with app.test_request_context():
            assert url_for("console.compose_update", alert_id=alert_id) in page
    else:
        assert ">Update</a>" not in page


def test_the_queue_is_in_indonesian_by_default(app: Flask, approver: Person) -> None:
    client = app.test_client()
    assert sign_in(client, approver.email).status_code == 302

    page = page_text(client.get("/console/approvals"))

    assert "Tidak ada yang menunggu persetujuan." in page
    assert ">Persetujuan</a>" in page


def test_review_steps_refuse_a_missing_csrf_token(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Tanpa token")
    client = console(app, approver)

    for step in ("approve", "reject", "return", "cancel"):
        answer = client.post(f"/console/alerts/{alert_id}/{step}", data={"reason": "x"})
        assert answer.status_code == 400, step
    assert stored(app, alert_id).state == "pending"
    with transaction(runtime(app).sessions) as db:
        assert db.scalars(select(AlertRecord.id)).all() == [alert_id]


def test_a_held_partner_message_is_queued_and_released_from_its_page(
    app: Flask, approver: Person
) -> None:
    partner = add_partner(app, "publish", name="BMKG")
    unknown = "bmkg@bmkg.go.id,BMKG-never-seen,2026-12-01T10:00:00+07:00"
    held = post_cap(
        app.test_client(),
        partner,
        partner_cap(msg_type=MsgType.UPDATE, references=unknown),
    ).get_json()
    client = console(app, approver)

    queue = page_text(client.get("/console/approvals"))
    page = page_text(client.get(f"/console/alerts/{held['id']}"))
    answer = approve_with(client, held["id"], shown_hash(client, held["id"]))

    assert f"/console/alerts/{held['id']}" in queue
    assert "Held for a staff approver" in queue
    assert "BMKG" in queue
    assert f"/console/alerts/{held['id']}/reject" in page
    assert f"/console/alerts/{held['id']}/return" not in page
    assert answer.status_code == 303
    assert stored(app, held["id"]).state == "published"


def test_dashboard_and_alert_list_link_to_each_alert_page(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Tautan ke halaman")
    client = console(app, approver)

    for path in ("/console", "/console/alerts"):
        assert f'href="/console/alerts/{alert_id}"' in page_text(client.get(path))


def test_the_areas_are_handed_to_the_map_as_data(
    app: Flask, author: Person, approver: Person
) -> None:
    circle = {"lat": -0.95, "lon": 100.35, "radiusKm": 2.5}
    content = draft_content()
    beach = {"areaDesc": "Pantai Air Manis", "circles": [circle]}
    content["infos"][0]["areas"].append(beach)
    alert_id = published(app, author, approver, content)

    page = page_text(console(app, approver).get(f"/console/alerts/{alert_id}"))

    found = re.search(r"data-areas='([^']*)'", page)
    assert found is not None
    shapes = json.loads(html.unescape(found.group(1)))
    assert shapes[0]["polygons"][0][0] == [-0.9, 100.38]
    assert shapes[1]["circles"] == [circle]
    assert "/static/alert-map.js" in page
    assert "Circle of 2.5 km around -0.95, 100.35" in page


def test_a_cancel_note_over_the_limit_is_refused(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = published(app, author, approver, draft_content())
    client = console(app, approver)
    form_url = f"/console/alerts/{alert_id}/cancel"

    answer = post_form(client, form_url, form_url, note="x" * 2001)

    assert answer.status_code == 422
    assert "Keep the note to 2000 characters" in page_text(answer)
    with transaction(runtime(app).sessions) as db:
        assert db.scalars(select(AlertRecord.msg_type)).all() == ["Alert"]


def test_a_returned_draft_links_to_its_edit_page(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Dikembalikan")
    client = console(app, approver)
    page_url = f"/console/alerts/{alert_id}"
    post_form(client, page_url, f"{page_url}/return", reason="Tambahkan jalan.")

    page = page_text(console(app, author).get(page_url))

    if "console.edit_draft" in app.view_functions:
        with app.test_request_context():
            edit_url = url_for("console.edit_draft", alert_id=alert_id)
        assert f'href="{edit_url}"' in page
    else:
        assert "Edit the draft" not in page
    assert "Tambahkan jalan." in page


def test_a_resubmitted_draft_shows_what_changed_since_it_was_returned(
    app: Flask, author: Person, approver: Person
) -> None:
    alert_id = pending(app, author, "Banjir di Kuranji")
    client = console(app, approver)
    page_url = f"/console/alerts/{alert_id}"
    post_form(client, page_url, f"{page_url}/return", reason="Sebutkan kelurahan.")
    edited = app.test_client().put(
        f"/api/v1/alerts/{alert_id}",
        json=draft_content(info={"headline": "Banjir di Kelurahan Kuranji"}),
        headers=author.api.headers,
    )
    assert edited.status_code == 200, edited.get_json()
    submit(app, author, alert_id)

    changes = section(page_text(client.get(page_url)), "changes")

    assert "Changes since it was returned for changes" in changes
    assert "Banjir di Kuranji" in changes
    assert "Banjir di Kelurahan Kuranji" in changes
    assert "infos/0/headline" in changes
