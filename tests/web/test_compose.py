"""Composing an alert in the console, driven as a browser would: open the
form, read back what it shows, change fields, preview, save and submit."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from gateway.accounts.models import User
from gateway.alerts.models import AlertRecord
from gateway.alerts.publishing import record_hash
from gateway.cap import validate
from gateway.db import transaction
from gateway.places.demo import seed_demo_places
from gateway.protocols.templates import default_templates
from gateway.runtime import runtime
from tests.factories import draft_content, publish_draft
from tests.residents.factories import add_subscribers, csv_row
from tests.web.console import add_person, page_text, sign_in

OFFICE_ZONE = ZoneInfo("Asia/Jakarta")
TRIANGLE = "-0.90,100.38 -0.90,100.42 -0.94,100.42 -0.90,100.38"
CAP_XML = re.compile(r'<pre class="cap-xml">(.*?)</pre>', re.DOTALL)

Fields = list[tuple[str, str]]


class FormReader(HTMLParser):
    """The fields the compose form would send as it is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: Fields = []
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = "compose" in found.get("class", "")
        if not self.inside:
            return
        name = found.get("name", "")
        if tag == "input" and name:
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            self.fields.append((name, html.unescape(found.get("value", ""))))
        elif tag == "textarea":
            self.textarea = name
            self.fields.append((name, ""))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in found:
            self.fields.append((self.select, found.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)


def shown_fields(answer: TestResponse) -> Fields:
    reader = FormReader()
    reader.feed(page_text(answer))
    return reader.fields


def value_of(fields: Fields, name: str) -> str:
    values = values_of(fields, name)
    assert len(values) == 1, (name, values)
    return values[0]


def values_of(fields: Fields, name: str) -> list[str]:
    return [value for field, value in fields if field == name]


def changed(fields: Fields, **changes: str | list[str]) -> Fields:
    """The fields with some replaced (a list sets a multi-valued field)."""
    names = {name.replace("__", "-") for name in changes}
    kept = [(name, value) for name, value in fields if name not in names]
    for name, value in changes.items():
        values = value if isinstance(value, list) else [value]
        kept += [(name.replace("__", "-"), one) for one in values]
    return kept


def composer(app: Flask, role: str = "author", language: str = "en") -> FlaskClient:
    email, _ = add_person(app, role, name="composer")
    client = app.test_client()
    client.set_cookie("kentongan_language", language)
    assert sign_in(client, email).status_code == 302
    return client


def label_of(app: Flask, client: FlaskClient) -> str:
    email = re.search(
        r'<span class="who">([^<]+)</span>', page_text(client.get("/console"))
    )
    assert email is not None
    with transaction(runtime(app).sessions) as db:
        user = db.query(User).filter_by(email=email.group(1)).one()
        return f"user:{user.id}"


def post(
    client: FlaskClient, url: str, fields: Fields, action: str = "preview"
) -> TestResponse:
    token = value_of(fields, "csrf_token")
    data = [(name, value) for name, value in fields if name != "csrf_token"]
    body = [("csrf_token", token), *data, ("action", action)]
    return client.post(url, data=_multidict(body))


def _multidict(pairs: Fields) -> MultiDict[str, str]:
    return MultiDict(pairs)


def alerts(app: Flask) -> list[AlertRecord]:
    with transaction(runtime(app).sessions) as db:
        found = list(db.query(AlertRecord).order_by(AlertRecord.created_at))
        db.expunge_all()
        return found


def ready_flood(client: FlaskClient, **changes: str | list[str]) -> Fields:
    """The flood form with a typed polygon, plus ``changes``."""
    fields = shown_fields(client.get("/console/compose/flood"))
    wanted: dict[str, str | list[str]] = {"polygons": TRIANGLE, "drawn_name": "Kuranji"}
    return changed(fields, **(wanted | changes))


def submit_through_preview(
    client: FlaskClient, url: str, fields: Fields
) -> TestResponse:
    previewed = post(client, url, fields)
    assert previewed.status_code == 200, page_text(previewed)
    return post(client, url, shown_fields(previewed), action="submit")


@pytest.fixture
def places(app: Flask) -> None:
    seed_demo_places(runtime(app).sessions)


@pytest.mark.parametrize("role", ["author", "approver", "admin"])
def test_picker_lists_every_template_for_every_staff_role(
    app: Flask, role: str
) -> None:
    page = page_text(composer(app, role).get("/console/compose"))

    for template in default_templates():
        assert f'href="/console/compose/{template.key}"' in page
        assert html.escape(template.name("en")) in page
    assert page.count('class="template-card template-drill"') == sum(
        1 for template in default_templates() if template.status != "Actual"
    )
    assert 'href="/console/compose" aria-current="page"' in page


def test_picker_names_templates_in_indonesian_by_default(app: Flask) -> None:
    page = page_text(composer(app, language="id").get("/console/compose"))

    assert "Gempa bumi" in page
    assert "Latihan evakuasi" in page
    assert "Earthquake" not in page


def test_form_is_prefilled_from_the_template_in_both_languages(app: Flask) -> None:
    before = datetime.now(OFFICE_ZONE).replace(second=0, microsecond=0)
    fields = shown_fields(composer(app).get("/console/compose/flood"))

    assert value_of(fields, "id-event") == "Banjir"
    assert value_of(fields, "en-event") == "Flood"
    assert value_of(fields, "id-headline") == "Waspada banjir di {area}"
    assert value_of(fields, "en-headline") == "Flood warning for {area}"
    assert value_of(fields, "en-instruction").startswith("Move important documents")
    assert value_of(fields, "status") == "Actual"
    assert values_of(fields, "categories") == ["Met"]
    assert values_of(fields, "response_types") == ["Evacuate", "Prepare"]
    assert value_of(fields, "urgency") == "Expected"
    assert value_of(fields, "severity") == "Severe"
    assert value_of(fields, "certainty") == "Likely"
    expires = value_of(fields, "expires")
    shown = datetime.fromisoformat(expires).replace(tzinfo=OFFICE_ZONE)
    assert len(expires) == len("2026-12-04T18:00")
    assert (
        timedelta(hours=11, minutes=58)
        <= shown - before
        <= timedelta(hours=12, minutes=2)
    )


def test_an_unknown_template_is_not_found(app: Flask) -> None:
    assert composer(app).get("/console/compose/meteor").status_code == 404


@pytest.mark.usefixtures("places")
def test_a_picked_demo_area_goes_in_as_geocode_and_polygon(app: Flask) -> None:
    client = composer(app)
    fields = shown_fields(client.get("/console/compose/flood"))
    assert "BPS:1371030" in page_text(client.get("/console/compose/flood"))

    saved = post(
        client, "/console/compose/flood", changed(fields, areas="BPS:1371030"), "save"
    )

    assert saved.status_code == 302, page_text(saved)
    (record,) = alerts(app)
    assert record.content is not None
    for info in record.content["infos"]:
        (area,) = info["areas"]
        assert area["areaDesc"] == "Kecamatan Lembah Tengah"
        assert area["geocodes"] == [{"valueName": "BPS", "value": "1371030"}]
        assert len(area["polygons"]) >= 1
        assert area["polygons"][0][0] == area["polygons"][0][-1]
    assert record.content["infos"][1]["headline"] == (
        "Flood warning for Kecamatan Lembah Tengah"
    )
    assert saved.headers["Location"] == f"/console/alerts/{record.id}/edit"


def test_a_typed_polygon_and_circle_are_accepted(app: Flask) -> None:
    client = composer(app)
    fields = changed(
        shown_fields(client.get("/console/compose/flood")),
        polygons=TRIANGLE,
        circles="-0.95,100.35 2.5",
        drawn_name="Tepi Batang Kuranji",
    )

    saved = post(client, "/console/compose/flood", fields, "save")

    assert saved.status_code == 302, page_text(saved)
    (record,) = alerts(app)
    assert record.content is not None
    (area,) = record.content["infos"][0]["areas"]
    assert area["areaDesc"] == "Tepi Batang Kuranji"
    assert area["polygons"] == [
        [[-0.90, 100.38], [-0.90, 100.42], [-0.94, 100.42], [-0.90, 100.38]]
    ]
    assert area["circles"] == [{"lat": -0.95, "lon": 100.35, "radiusKm": 2.5}]
    assert (
        record.content["infos"][0]["headline"]
        == "Waspada banjir di Tepi Batang Kuranji"
    )


def test_preview_shows_valid_cap_sms_and_reach(app: Flask) -> None:
    add_subscribers(
        app,
        [
            csv_row(address="081234567801"),
            csv_row(address="081234567802", language="en-US"),
            csv_row(channel="email", address="warga@example.org"),
            csv_row(address="081234567803", lat="-1.5", lon="101.5"),
        ],
    )
    client = composer(app)
    fields = ready_flood(client, en__headline="Flood warning ✓ for {area}")

    answer = post(client, "/console/compose/flood", fields)

    page = page_text(answer)
    assert answer.status_code == 200, page
    found = CAP_XML.search(page)
    assert found is not None
    cap = html.unescape(found.group(1)).encode()
    assert [problem for problem in validate(cap) if problem.is_error] == []
    assert b"<headline>Waspada banjir di Kuranji</headline>" in cap
    assert b"<valueName>drillGroup</valueName>" not in cap
    assert re.search(r'data-channel="sms">2<', page)
    assert re.search(r'data-channel="email">1<', page)
    assert re.search(r'data-channel="total">3<', page)
    encodings = re.findall(r'<strong class="sms-encoding">([^<]+)</strong>', page)
    assert encodings == ["GSM-7", "UCS-2"]
    segments = re.findall(r"(\d+) segments?</p>", page)
    assert [int(count) > 1 for count in segments] == [True, True]
    assert 'name="action" value="submit"' in page
    assert alerts(app) == []


def test_submit_makes_a_pending_alert_authored_by_the_user(app: Flask) -> None:
    client = composer(app)

    answer = submit_through_preview(
        client, "/console/compose/flood", ready_flood(client)
    )

    assert answer.status_code == 302, page_text(answer)
    (record,) = alerts(app)
    me = label_of(app, client)
    assert record.state == "pending"
    assert record.created_by == me
    assert record.submitted_by == me
    assert record.headline == "Waspada banjir di Kuranji"


def test_a_change_after_the_preview_is_previewed_again_before_submitting(
    app: Flask,
) -> None:
    client = composer(app)
    previewed = post(client, "/console/compose/flood", ready_flood(client))
    fields = changed(shown_fields(previewed), id__headline="Banjir besar di Kuranji")

    answer = post(client, "/console/compose/flood", fields, action="submit")

    page = page_text(answer)
    assert answer.status_code == 200
    assert "You changed the alert after the last preview" in page
    assert "Banjir besar di Kuranji" in html.unescape(page)
    assert alerts(app) == []


def test_a_returned_draft_can_be_edited_and_resubmitted(app: Flask) -> None:
    _, author = add_person(app, "author")
    _, approver = add_person(app, "approver")
    api = app.test_client()
    created = api.post("/api/v1/alerts", json=draft_content(), headers=author.headers)
    alert_id = created.get_json()["id"]
    api.post(f"/api/v1/alerts/{alert_id}/submit", headers=author.headers)
    returned = api.post(
        f"/api/v1/alerts/{alert_id}/return",
        json={"reason": "Sebutkan jalan yang ditutup"},
        headers=approver.headers,
    )
    assert returned.status_code == 200
    client = composer(app)
    url = f"/console/alerts/{alert_id}/edit"

    form = client.get(url)
    fields = shown_fields(form)
    answer = submit_through_preview(
        client, url, changed(fields, id__headline="Jalan Kuranji ditutup karena banjir")
    )

    assert "Sebutkan jalan yang ditutup" in page_text(form)
    assert value_of(fields, "id-headline") == "Peringatan banjir Batang Kuranji"
    assert value_of(fields, "en-headline") == ""
    assert answer.status_code == 302, page_text(answer)
    (record,) = alerts(app)
    assert record.state == "pending"
    assert record.headline == "Jalan Kuranji ditutup karena banjir"
    assert record.content is not None
    assert len(record.content["infos"]) == 1
    assert record.content["infos"][0]["areas"][0]["geocodes"] == [
        {"valueName": "BPS", "value": "1371030"}
    ]


def test_a_published_alert_cannot_be_edited(app: Flask) -> None:
    _, author = add_person(app, "author")
    _, approver = add_person(app, "approver")
    published = publish_draft(app.test_client(), author, approver)

    answer = composer(app).get(f"/console/alerts/{published['id']}/edit")

    assert answer.status_code == 409


def test_an_update_starts_from_the_published_alert_and_references_it(
    app: Flask,
) -> None:
    _, author = add_person(app, "author")
    _, approver = add_person(app, "approver")
    published = publish_draft(app.test_client(), author, approver)
    client = composer(app)
    url = f"/console/alerts/{published['id']}/update"

    fields = shown_fields(client.get(url))
    answer = submit_through_preview(
        client, url, changed(fields, id__headline="Banjir meluas ke Kuranji Hilir")
    )

    assert value_of(fields, "id-headline") == "Peringatan banjir Batang Kuranji"
    assert answer.status_code == 302, page_text(answer)
    (original,) = [found for found in alerts(app) if found.msg_type == "Alert"]
    (update,) = [found for found in alerts(app) if found.msg_type != "Alert"]
    assert update.msg_type == "Update"
    assert update.state == "pending"
    assert update.chain_id == original.id
    approved = app.test_client().post(
        f"/api/v1/alerts/{update.id}/approve",
        json={"contentHash": _content_hash(app, update.id)},
        headers=approver.headers,
    )
    assert approved.status_code == 200, approved.get_json()
    (stored,) = [found for found in alerts(app) if found.id == update.id]
    assert original.identifier is not None
    assert stored.cap_references is not None
    assert original.identifier in stored.cap_references


def _content_hash(app: Flask, alert_id: str) -> str:
    with transaction(runtime(app).sessions) as db:
        record = db.get(AlertRecord, alert_id)
        assert record is not None
        return record_hash(record)


def _too_long(fields: Fields) -> Fields:
    return changed(fields, en__headline="x" * 2001, expires="")


def test_problems_are_shown_at_their_field_in_indonesian_by_default(
    app: Flask,
) -> None:
    client = composer(app, language="id")

    answer = post(client, "/console/compose/flood", _too_long(ready_flood(client)))

    page = page_text(answer)
    assert answer.status_code == 422
    assert re.search(
        r'<span class="field-error" id="error-en-headline">Teks ini terlalu panjang;'
        r"[^<]*2000[^<]*</span>\s*<input id=\"field-en-headline\"",
        page,
    )
    assert re.search(
        r'id="error-expires">Isi tanggal dan jam[^<]*</span>\s*'
        r'<input id="field-expires"',
        page,
    )
    assert 'href="#field-en-headline"' in page
    assert 'href="#field-expires"' in page
    assert "x" * 2001 in page
    assert value_of(shown_fields(answer), "drawn_name") == "Kuranji"
    assert alerts(app) == []


def test_problems_are_in_english_when_chosen(app: Flask) -> None:
    client = composer(app, language="en")

    answer = post(client, "/console/compose/flood", _too_long(ready_flood(client)))

    page = page_text(answer)
    assert answer.status_code == 422
    assert re.search(
        r'id="error-en-headline">This text is too long; shorten it to at most 2000',
        page,
    )
    assert "Teks ini terlalu panjang" not in page


@pytest.mark.parametrize(
    ("changes", "field", "english"),
    [
        ({"polygons": "-0.90,100.38 nowhere"}, "polygons", "Write each polygon"),
        (
            {"polygons": "-0.90,100.38 -0.90,100.42 -0.90,100.38"},
            "polygons",
            "A polygon needs at least four points",
        ),
        ({"circles": "-0.95,100.35"}, "circles", "Write each circle"),
        ({"categories": []}, "categories", "Choose at least one category"),
        ({"polygons": ""}, "areas", "Choose at least one area"),
        ({"id__event": ""}, "id-event", "Fill this in"),
        ({"expires": "2020-01-01T10:00"}, "expires", "The expiry is in the past"),
        ({"en__web": "bpbd.padang.go.id"}, "en-web", "Write the web address in full"),
    ],
    ids=[
        "unreadable-polygon",
        "polygon-too-few-points",
        "unreadable-circle",
        "no-category",
        "no-area",
        "no-event",
        "expired",
        "relative-web-address",
    ],
)
def test_each_problem_points_at_its_field(
    app: Flask, changes: dict[str, Any], field: str, english: str
) -> None:
    client = composer(app)

    answer = post(client, "/console/compose/flood", ready_flood(client, **changes))

    page = page_text(answer)
    assert answer.status_code == 422, page
    assert re.search(rf'id="error-{field}">{re.escape(english)}', page)
    assert f'href="#field-{field}"' in page


def test_a_drill_shows_the_banner_and_needs_a_drill_group(app: Flask) -> None:
    client = composer(app)
    url = "/console/compose/evacuation-drill"
    form = client.get(url)
    fields = changed(shown_fields(form), polygons=TRIANGLE, drawn_name="RT 05")

    without_group = post(client, url, fields)
    with_group = post(client, url, changed(fields, drill_group="rt05"))

    assert '<p id="drill-banner" class="banner banner-drill" role="status">' in (
        page_text(form)
    )
    assert value_of(fields, "status") == "Exercise"
    assert without_group.status_code == 422
    assert 'id="error-drill_group">An Exercise or Test alert reaches only' in (
        page_text(without_group)
    )
    assert with_group.status_code == 200, page_text(with_group)
    found = CAP_XML.search(page_text(with_group))
    assert found is not None
    cap = html.unescape(found.group(1))
    assert "<status>Exercise</status>" in cap
    assert "<valueName>drillGroup</valueName>" in cap
    assert "<value>rt05</value>" in cap


def test_an_actual_alert_shows_no_drill_banner(app: Flask) -> None:
    page = page_text(composer(app).get("/console/compose/flood"))

    assert '<p id="drill-banner" class="banner banner-drill" role="status" hidden>' in (
        page
    )


def test_user_text_is_shown_as_text(app: Flask) -> None:
    client = composer(app)
    fields = ready_flood(client, en__headline="<script>alert(1)</script> Flood")

    page = page_text(post(client, "/console/compose/flood", fields))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Flood" in page


def test_compose_refuses_a_post_without_a_csrf_token(app: Flask) -> None:
    client = composer(app)
    fields = [
        (name, value) for name, value in ready_flood(client) if name != "csrf_token"
    ]

    answer = client.post("/console/compose/flood", data=_multidict(fields))

    assert answer.status_code == 400
    assert alerts(app) == []


def test_compose_pages_hold_no_inline_script_or_style(app: Flask) -> None:
    page = page_text(composer(app).get("/console/compose/flood")).lower()

    assert "<script>" not in page
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/vendor/leaflet/leaflet.js">',
        '<script src="/static/compose-map.js">',
    ]
    assert " style=" not in page
    assert "<style" not in page


@pytest.mark.usefixtures("places")
def test_areas_geojson_lists_the_predefined_areas(app: Flask) -> None:
    answer = composer(app).get("/console/areas.geojson")

    document = answer.get_json(force=True)
    assert answer.mimetype == "application/geo+json"
    keys = {feature["properties"]["key"] for feature in document["features"]}
    assert {"BPS:1371", "BPS:1371030"} <= keys
    assert all(feature["geometry"]["type"] for feature in document["features"])


def test_a_tile_server_is_allowed_only_when_configured(make_app: Any) -> None:
    plain = make_app()
    tiled = make_app(MAP_TILE_URL="https://{s}.tile.example.org/{z}/{x}/{y}.png")

    without = composer(plain).get("/console/compose/flood")
    with_tiles = composer(tiled).get("/console/compose/flood")

    assert 'data-tiles=""' in page_text(without)
    assert "img-src 'self';" in without.headers["Content-Security-Policy"]
    assert 'data-tiles="https://{s}.tile.example.org/{z}/{x}/{y}.png"' in (
        page_text(with_tiles)
    )
    policy = with_tiles.headers["Content-Security-Policy"]
    assert "img-src 'self' https://*.tile.example.org;" in policy


def test_signed_out_visitors_go_to_login(app: Flask) -> None:
    answer = app.test_client().get("/console/compose/flood")

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")


def test_a_warning_is_shown_but_does_not_stop_the_preview(app: Flask) -> None:
    client = composer(app)
    long_headline = "Banjir " + "sangat " * 25 + "di {area}"

    answer = post(
        client,
        "/console/compose/flood",
        ready_flood(client, id__headline=long_headline),
    )

    page = page_text(answer)
    assert answer.status_code == 200, page
    assert "Check these warnings" in page
    assert re.search(
        r'class="field-error field-warning" id="error-id-headline">The headline is '
        r"longer than 160 characters",
        page,
    )
    assert CAP_XML.search(page) is not None
    assert 'name="action" value="submit"' in page


def test_saving_an_update_keeps_it_a_draft_update_to_edit(app: Flask) -> None:
    _, author = add_person(app, "author")
    _, approver = add_person(app, "approver")
    published = publish_draft(app.test_client(), author, approver)
    client = composer(app)
    url = f"/console/alerts/{published['id']}/update"

    saved = post(client, url, shown_fields(client.get(url)), action="save")

    assert saved.status_code == 302, page_text(saved)
    (update,) = [found for found in alerts(app) if found.msg_type == "Update"]
    assert update.state == "draft"
    assert saved.headers["Location"] == f"/console/alerts/{update.id}/edit"
    edit_page = page_text(client.get(saved.headers["Location"]))
    assert "Peringatan banjir Batang Kuranji" in edit_page
