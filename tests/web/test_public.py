"""The public pages: the front page, drills, each alert's page with its
history and shelters, the shelters GeoJSON, caching and page safety."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import shapely.geometry
from flask import Flask
from flask.testing import FlaskClient

from gateway.alerts.expiry import expire_due
from gateway.alerts.models import new_alert_id
from gateway.alerts.public_links import (
    SHELTERS_MIME_TYPE,
    alert_page_url,
    shelters_url,
    with_public_links,
)
from gateway.cap import parse, validate, write
from gateway.db import transaction, utc_now
from gateway.places.demo import seed_demo_places
from gateway.runtime import runtime
from tests.factories import (
    Caller,
    add_staff,
    approve_pending,
    draft_content,
    partner_cap,
    publish_draft,
)

# A circle of 1 km around a point on the coast of the demo city's
# Kecamatan Muara Selatan: Shelter Masjid Nurul Iman (-0.95, 100.395) lies
# 1.24 km from its centre, TES Gedung Olahraga Muara (-1.0, 100.415) 4.75 km,
# every other demo shelter more than 6 km from its edge.
MUARA_CIRCLE = {"lat": -0.96, "lon": 100.40, "radiusKm": 1.0}


@pytest.fixture
def author(app: Flask) -> Caller:
    return add_staff(app, "author")


@pytest.fixture
def approver(app: Flask) -> Caller:
    return add_staff(app, "approver")


def publish(
    client: FlaskClient, author: Caller, approver: Caller, **overrides: Any
) -> dict[str, Any]:
    return publish_draft(client, author, approver, draft_content(**overrides))


def text_of(client: FlaskClient, path: str, status: int = 200, **kwargs: Any) -> str:
    answer = client.get(path, **kwargs)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def two_languages(headline_id: str, headline_en: str) -> list[dict[str, Any]]:
    base = draft_content()["infos"][0]
    english = {
        **base,
        "language": "en-US",
        "event": "Flood",
        "headline": headline_en,
        "instruction": "Move your family to higher ground.",
    }
    return [{**base, "headline": headline_id}, english]


def muara_alert(**info: Any) -> dict[str, Any]:
    area = {"areaDesc": "Pesisir Muara", "circles": [MUARA_CIRCLE]}
    return {"areas": [area], **info}


class PageParts(HTMLParser):
    """What the page checks need of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data.strip()

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parts_of(html: str) -> PageParts:
    parts = PageParts()
    parts.feed(html)
    return parts


def test_front_page_lists_a_published_alert_with_its_links(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver)

    page = text_of(client, "/")
    hrefs = {attrs.get("href") for attrs in parts_of(page).named("a")}

    assert "Peringatan banjir Batang Kuranji" in page
    assert "Pindahkan keluarga ke tempat yang lebih tinggi." in page
    assert "Kelurahan Kuranji" in page
    assert "Bahaya berat" in page
    assert f"/alerts/{alert['id']}" in hrefs
    assert f"/feeds/cap/{alert['id']}.xml" in hrefs
    assert {"/feeds/alerts.atom", "/feeds/alerts.rss"} <= hrefs
    assert "Tidak ada peringatan aktif" not in page


def test_front_page_time_is_in_the_office_time_zone(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver)

    page = text_of(client, "/")

    assert "GMT+07:00" in page
    sent = alert["sent"]
    assert f"{sent[11:16]} GMT+07:00" in page


def test_front_page_orders_alerts_by_severity(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    for severity in ("Minor", "Extreme", "Unknown", "Severe", "Moderate"):
        publish(
            client,
            author,
            approver,
            info={"severity": severity, "headline": f"Peringatan {severity}"},
        )

    page = text_of(client, "/")

    found = re.findall(r"Peringatan (Extreme|Severe|Moderate|Minor|Unknown)<", page)
    assert found == ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
    badges = re.findall(r'class="badge severity-(\w+)"', page)
    assert badges == ["extreme", "severe", "moderate", "minor", "unknown"]


def test_drill_never_appears_on_the_front_page_but_on_the_drills_page(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    publish(
        client,
        author,
        approver,
        status="Exercise",
        info={"headline": "Latihan evakuasi tsunami"},
    )

    front = text_of(client, "/")
    drills = text_of(client, "/drills")

    assert "Latihan evakuasi tsunami" not in front
    assert "Tidak ada peringatan aktif" in front
    assert "Latihan evakuasi tsunami" in drills
    lines = re.findall(r'<li class="alert-line( drill)?">', drills)
    assert lines == [" drill"]
    assert "Ini latihan, bukan keadaan darurat sungguhan." in drills


def test_actual_alert_is_not_on_the_drills_page(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    publish(client, author, approver)

    drills = text_of(client, "/drills")

    assert "Peringatan banjir Batang Kuranji" not in drills
    assert "Tidak ada latihan yang sedang berjalan" in drills


def test_front_page_says_plainly_when_nothing_is_active(client: FlaskClient) -> None:
    page = text_of(client, "/")

    assert '<h2 id="none-active">Tidak ada peringatan aktif</h2>' in page
    assert 'class="alerts"' not in page


def test_front_page_in_english_when_chosen(client: FlaskClient) -> None:
    page = text_of(client, "/?lang=en")

    assert '<html lang="en">' in page
    assert "No active alerts" in page


def test_alert_page_is_in_indonesian_by_default_and_english_when_chosen(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    infos = two_languages("Peringatan banjir", "Flood warning")
    alert = publish(client, author, approver, infos=infos)
    path = f"/alerts/{alert['id']}"

    indonesian = text_of(client, path)
    english = text_of(client, path + "?lang=en")
    client.set_cookie("kentongan_language", "en")
    by_cookie = text_of(client, path)

    assert '<html lang="id">' in indonesian
    assert '<h1 id="alert-title">Peringatan banjir</h1>' in indonesian
    assert "Yang harus dilakukan" in indonesian
    assert '<html lang="en">' in english
    assert '<h1 id="alert-title">Flood warning</h1>' in english
    assert "Move your family to higher ground." in english
    assert "What to do" in english
    assert '<h1 id="alert-title">Flood warning</h1>' in by_cookie


def test_alert_page_falls_back_to_the_first_info_block(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver)

    english = text_of(client, f"/alerts/{alert['id']}?lang=en")

    assert "Peringatan banjir Batang Kuranji" in english
    assert 'lang="id-ID"' in english
    assert "What to do" in english


def test_alert_page_shows_the_facts_in_plain_words(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(
        client,
        author,
        approver,
        info={
            "description": "Hujan deras sejak pagi.",
            "senderName": "BPBD Kota Padang",
            "contact": "Telepon 112",
            "web": "https://bpbd.padang.go.id/banjir",
        },
    )

    page = text_of(client, f"/alerts/{alert['id']}?lang=en")

    assert "A significant threat to life or property." in page
    assert "Act soon, within the next hour." in page
    assert "It is likely to happen." in page
    assert "Hujan deras sejak pagi." in page
    assert "BPBD Kota Padang" in page
    assert "Telepon 112" in page
    assert 'href="https://bpbd.padang.go.id/banjir"' in page
    assert "Until" in page


def test_a_web_link_that_is_no_http_address_is_not_linked(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver, info={"web": "javascript:alert(1)"})

    page = text_of(client, f"/alerts/{alert['id']}")

    assert "javascript:" not in page


def test_history_lists_the_update_and_the_cancel_newest_first(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    first = publish(client, author, approver)
    update_body = draft_content(info={"headline": "Banjir meluas ke Kuranji Hilir"})
    update = _follow_up(client, author, approver, first["id"], "update", update_body)
    cancel = _follow_up(client, author, approver, update["id"], "cancel", None)

    page = text_of(client, f"/alerts/{first['id']}")
    history = page.split('id="history-title"')[1]

    assert page.index("Peringatan ini dibatalkan.") < page.index("<h1")
    positions = [
        history.index(f"/alerts/{cancel['id']}"),
        history.index(f"/alerts/{update['id']}"),
        history.index("(pesan ini)"),
    ]
    assert positions == sorted(positions)
    assert "Banjir meluas ke Kuranji Hilir" in history
    assert "Dibatalkan" in history


def test_cancelled_alert_stays_on_the_front_page_marked_cancelled(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    first = publish(client, author, approver)
    cancel = _follow_up(client, author, approver, first["id"], "cancel", None)

    page = text_of(client, "/")

    assert f'href="/alerts/{cancel["id"]}"' in page
    assert f'href="/alerts/{first["id"]}"' not in page
    assert "<strong>Dibatalkan:</strong>" in page


def test_superseded_message_points_to_the_current_one(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    first = publish(client, author, approver)
    update_body = draft_content(info={"headline": "Banjir meluas"})
    update = _follow_up(client, author, approver, first["id"], "update", update_body)

    old = text_of(client, f"/alerts/{first['id']}")
    current = text_of(client, f"/alerts/{update['id']}")

    assert "Pesan ini sudah diganti." in old
    assert f'href="/alerts/{update["id"]}">Baca pesan terbaru' in old
    assert "Pesan ini sudah diganti." not in current
    assert "dibatalkan" not in current


def test_expired_alert_leaves_the_front_page_and_says_so_on_its_own(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver)
    with transaction(runtime(app).sessions) as session:
        expire_due(session, utc_now() + timedelta(hours=7))

    front = text_of(client, "/")
    page = text_of(client, f"/alerts/{alert['id']}")

    assert "Peringatan banjir Batang Kuranji" not in front
    assert "Peringatan ini sudah berakhir." in page
    assert page.index("sudah berakhir") < page.index("<h1")


def test_drill_alert_page_has_a_drill_banner(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver, status="Test")

    page = text_of(client, f"/alerts/{alert['id']}")

    assert 'class="banner drill-banner"' in page
    assert "<strong>UJI</strong>" in page
    assert page.index("drill-banner") < page.index("<h1")


def test_nearest_demo_shelters_come_first_with_their_distances(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    seed_demo_places(runtime(app).sessions)
    alert = publish(client, author, approver, info=muara_alert())

    page = text_of(client, f"/alerts/{alert['id']}")
    shelters = page.split('id="shelters-title"')[1].split("</section>")[0]

    names = re.findall(r"<h3>([^<]+)</h3>", shelters)
    assert names == ["Shelter Masjid Nurul Iman", "TES Gedung Olahraga Muara"]
    assert "0,2 km dari wilayah peringatan" in shelters
    assert "3,8 km dari wilayah peringatan" in shelters
    assert "Tempat untuk 700 orang" in shelters
    assert "toilet, air bersih, mushola" in shelters


def test_shelter_inside_the_alert_area_says_so(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    seed_demo_places(runtime(app).sessions)
    area = {
        "areaDesc": "Kecamatan Lembah Tengah",
        "geocodes": [{"valueName": "BPS", "value": "1371030"}],
    }
    alert = publish(client, author, approver, info={"areas": [area]})

    page = text_of(client, f"/alerts/{alert['id']}?lang=en")
    shelters = page.split('id="shelters-title"')[1].split("</section>")[0]

    first = shelters.split("</li>")[0]
    assert "TES Gedung Kantor Camat Lembah Tengah" in first
    assert "In the alert area" in first


def test_routes_to_the_nearest_shelters_are_listed(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    seed_demo_places(runtime(app).sessions)
    alert = publish(client, author, approver, info=muara_alert())

    page = text_of(client, f"/alerts/{alert['id']}?lang=en")
    routes = page.split('id="routes-title"')[1].split("</section>")[0]

    assert "Jalur Evakuasi Muara" in routes
    assert "leads to Shelter Masjid Nurul Iman" in routes
    assert "Jalur Evakuasi Pantai Utara" not in routes


def test_alert_far_from_every_shelter_says_none_is_known(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    seed_demo_places(runtime(app).sessions)
    far = {"areaDesc": "Laut", "circles": [{"lat": -2.5, "lon": 99.0, "radiusKm": 1}]}
    alert = publish(client, author, approver, info={"areas": [far]})

    page = text_of(client, f"/alerts/{alert['id']}")

    assert "Tidak ada tempat pengungsian yang diketahui dalam 5,0 km" in page
    assert 'id="routes-title"' not in page


@pytest.mark.parametrize(
    "path",
    [f"/alerts/{new_alert_id()}", "/alerts/not-an-id", "/alerts/x/shelters.geojson"],
    ids=["unknown-id", "bad-shape", "geojson-of-bad-id"],
)
def test_unknown_alert_is_a_friendly_404(client: FlaskClient, path: str) -> None:
    page = text_of(client, path, status=404)

    assert "Halaman tidak ditemukan" in page
    assert 'href="/"' in page


@pytest.mark.parametrize(
    "overrides",
    [{"scope": "Restricted", "restriction": "Hanya untuk petugas BPBD"}],
    ids=["restricted"],
)
def test_non_public_alert_is_not_shown(
    client: FlaskClient, author: Caller, approver: Caller, overrides: dict[str, Any]
) -> None:
    alert = publish(client, author, approver, **overrides)

    page = text_of(client, f"/alerts/{alert['id']}", status=404)
    geojson = client.get(f"/alerts/{alert['id']}/shelters.geojson")

    assert "Peringatan banjir Batang Kuranji" not in page
    assert geojson.status_code == 404
    assert "Peringatan banjir Batang Kuranji" not in text_of(client, "/")


def test_draft_has_no_public_page(client: FlaskClient, author: Caller) -> None:
    draft = client.post("/api/v1/alerts", json=draft_content(), headers=author.headers)

    text_of(client, f"/alerts/{draft.get_json()['id']}", status=404)


def test_shelters_geojson_holds_the_area_shelters_and_routes(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    seed_demo_places(runtime(app).sessions)
    alert = publish(client, author, approver, info=muara_alert())

    answer = client.get(f"/alerts/{alert['id']}/shelters.geojson")
    collection = json.loads(answer.data)

    assert answer.mimetype == SHELTERS_MIME_TYPE
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert shapely.geometry.shape(feature["geometry"]).is_valid
    by_kind: dict[str, list[Any]] = {}
    for feature in collection["features"]:
        by_kind.setdefault(feature["properties"]["kind"], []).append(feature)
    assert [f["id"] for f in by_kind["shelter"]] == ["PDG-SH-06", "PDG-SH-07"]
    assert by_kind["shelter"][0]["geometry"]["coordinates"] == [100.395, -0.95]
    assert by_kind["shelter"][0]["properties"]["capacity"] == 700
    assert by_kind["shelter"][0]["properties"]["distanceKm"] == pytest.approx(
        0.24, abs=0.02
    )
    assert [f["properties"]["name"] for f in by_kind["route"]] == [
        "Jalur Evakuasi Muara"
    ]
    assert by_kind["area"][0]["properties"]["radiusKm"] == 1.0
    assert by_kind["area"][0]["geometry"]["coordinates"] == [100.40, -0.96]


def test_pages_are_cached_briefly_with_an_etag(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver)

    for path in ("/", "/drills", f"/alerts/{alert['id']}"):
        answer = client.get(path)
        again = client.get(path, headers={"If-None-Match": answer.headers["ETag"]})

        assert answer.headers["Cache-Control"] == "public, max-age=30"
        assert again.status_code == 304
        assert again.data == b""


def test_front_page_etag_changes_when_an_alert_is_published(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    before = client.get("/").headers["ETag"]

    publish(client, author, approver)
    after = client.get("/", headers={"If-None-Match": before})

    assert after.status_code == 200
    assert after.headers["ETag"] != before


def test_a_visitor_with_a_cookie_is_cached_privately(client: FlaskClient) -> None:
    client.set_cookie("kentongan_language", "en")

    answer = client.get("/")

    assert answer.headers["Cache-Control"] == "private, max-age=30"
    assert "Cookie" in answer.headers["Vary"]


def test_pages_have_no_inline_script_or_style(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    seed_demo_places(runtime(app).sessions)
    alert = publish(client, author, approver, info=muara_alert())
    pages = {
        "/": 200,
        "/drills": 200,
        f"/alerts/{alert['id']}": 200,
        f"/alerts/{new_alert_id()}": 404,
    }

    for path, status in pages.items():
        parts = parts_of(text_of(client, path, status=status))
        attributes = [name for _, attrs in parts.tags for name in attrs]

        assert parts.named("style") == []
        assert parts.script_text == ""
        assert all(script.get("src") for script in parts.named("script"))
        assert "style" not in attributes
        assert not [name for name in attributes if name.startswith("on")]


def test_map_script_only_on_a_page_with_a_map_and_deferred(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    seed_demo_places(runtime(app).sessions)
    alert = publish(client, author, approver, info=muara_alert())

    alert_scripts = parts_of(text_of(client, f"/alerts/{alert['id']}")).named("script")
    front_scripts = parts_of(text_of(client, "/")).named("script")
    drill_scripts = parts_of(text_of(client, "/drills")).named("script")

    assert [script["src"] for script in front_scripts] == [
        script["src"] for script in alert_scripts
    ]
    assert [script["src"] for script in alert_scripts] == [
        "/static/offline.js",
        "/vendor/leaflet/leaflet.js",
        "/static/public-map.js",
    ]
    assert all("defer" in script for script in alert_scripts)
    # Every public page registers the service worker; only maps need more.
    assert [script["src"] for script in drill_scripts] == ["/static/offline.js"]
    assert client.get("/static/public-map.js").status_code == 200


def test_pages_have_landmarks_a_skip_link_and_headings_in_order(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    seed_demo_places(runtime(app).sessions)
    alert = publish(client, author, approver, info=muara_alert())

    for path in ("/", "/drills", f"/alerts/{alert['id']}"):
        parts = parts_of(text_of(client, path))
        levels = [int(tag[1]) for tag, _ in parts.tags if re.fullmatch(r"h[1-6]", tag)]

        assert parts.named("main") == [{"id": "main"}]
        assert parts.named("a")[0]["href"] == "#main"
        assert parts.named("header")
        assert parts.named("footer")
        assert levels[0] == 1
        assert levels.count(1) == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_user_text_is_shown_as_text(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    alert = publish(
        client, author, approver, info={"headline": hostile, "instruction": hostile}
    )

    for path in ("/", f"/alerts/{alert['id']}"):
        page = text_of(client, path)

        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(" in page


def test_language_links_work_without_script(client: FlaskClient) -> None:
    page = text_of(client, "/drills")

    hrefs = {attrs.get("href") for attrs in parts_of(page).named("a")}

    assert "?lang=en" in hrefs
    assert "Drills and tests" in text_of(client, "/drills?lang=en")


def test_published_cap_links_the_alert_page_and_its_shelters(
    app: Flask, client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver)
    cap = parse(client.get(f"/feeds/cap/{alert['id']}.xml").data)
    public_url = app.config["PUBLIC_URL"]

    twice = with_public_links(cap, public_url, alert["id"])

    page = alert_page_url(public_url, alert["id"])
    assert page == f"{public_url.rstrip('/')}/alerts/{alert['id']}"
    assert cap.infos[0].web == page
    resources = twice.infos[0].resources
    assert [item.uri for item in resources] == [shelters_url(public_url, alert["id"])]
    assert resources[0].mime_type == "application/geo+json"
    assert twice == cap
    assert [problem for problem in validate(write(cap)) if problem.is_error] == []
    assert client.get(page.removeprefix(public_url.rstrip("/"))).status_code == 200
    assert (
        client.get(resources[0].uri.removeprefix(public_url.rstrip("/"))).status_code
        == 200
    )


def test_links_keep_a_web_address_the_author_gave() -> None:
    alert = parse(partner_cap())
    written = replace(
        alert,
        infos=tuple(replace(info, web="https://bmkg.go.id/x") for info in alert.infos),
    )

    linked = with_public_links(written, "https://peringatan.padang.go.id", "a" * 32)

    assert {info.web for info in linked.infos} == {"https://bmkg.go.id/x"}
    assert all(
        len(info.resources) == len(old.resources) + 1
        for info, old in zip(linked.infos, written.infos, strict=True)
    )


def _follow_up(
    client: FlaskClient,
    author: Caller,
    approver: Caller,
    alert_id: str,
    kind: str,
    content: dict[str, Any] | None,
) -> dict[str, Any]:
    created = client.post(
        f"/api/v1/alerts/{alert_id}/{kind}", json=content, headers=author.headers
    )
    assert created.status_code == 201, created.get_json()
    return approve_pending(client, author, approver, created.get_json()["id"])


def test_front_page_map_file_has_each_alert_area_linked_to_its_page(
    client: FlaskClient, author: Caller, approver: Caller
) -> None:
    alert = publish(client, author, approver, info=muara_alert(severity="Extreme"))
    publish(
        client,
        author,
        approver,
        status="Exercise",
        info={"headline": "Latihan evakuasi tsunami"},
    )

    front = text_of(client, "/")
    answer = client.get("/alerts.geojson")
    drills = client.get("/drills.geojson").get_json()

    (box,) = [tag for tag in parts_of(front).named("div") if tag.get("id") == "map"]
    assert box["data-geojson"] == "/alerts.geojson"
    assert answer.mimetype == "application/geo+json"
    (feature,) = answer.get_json()["features"]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"] == {
        "kind": "area",
        "name": "Pesisir Muara",
        "radiusKm": 1.0,
        "alert": "Peringatan banjir Batang Kuranji",
        "severity": "Extreme",
        "url": f"/alerts/{alert['id']}",
    }
    assert [item["properties"]["alert"] for item in drills["features"]] == [
        "Latihan evakuasi tsunami"
    ]


def test_front_page_without_alerts_has_no_map(client: FlaskClient) -> None:
    front = text_of(client, "/")

    assert 'id="map"' not in front
    assert "leaflet.js" not in front
    assert client.get("/alerts.geojson").get_json()["features"] == []
