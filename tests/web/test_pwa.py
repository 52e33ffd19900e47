"""The web app's service worker, manifest and offline mark, and the shelters
page: headers, scope, what the worker may cache, the words it notifies with,
and every shelter of the demo city grouped by area."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.places.demo import SHELTERS_FILE, seed_demo_places
from gateway.runtime import runtime

PUBLIC_PAGES = ["/", "/drills", "/shelters", "/?lang=en"]


class Tags(HTMLParser):
    """The start tags of a page, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        ]


def tags_of(client: FlaskClient, path: str) -> Tags:
    parser = Tags()
    parser.feed(client.get(path).get_data(as_text=True))
    return parser


def worker_source(client: FlaskClient) -> str:
    return client.get("/sw.js").get_data(as_text=True)


def severity_table(source: str) -> dict[str, dict[str, str]]:
    first = source.splitlines()[0]
    found = re.fullmatch(r"const SEVERITY_WORDS = (\{.*\});", first)
    assert found, first
    table: dict[str, dict[str, str]] = json.loads(found.group(1))
    return table


def test_service_worker_is_served_from_the_root_uncached(client: FlaskClient) -> None:
    answer = client.get("/sw.js")

    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Cache-Control"] == "no-cache"
    assert answer.headers["Service-Worker-Allowed"] == "/"
    assert 'addEventListener("push"' in answer.get_data(as_text=True)


def test_service_worker_names_severities_in_both_languages(client: FlaskClient) -> None:
    table = severity_table(worker_source(client))

    assert table["id"]["Extreme"] == "Bahaya ekstrem"
    assert table["en"]["Extreme"] == "Extreme danger"
    assert set(table["id"]) == {"Extreme", "Severe", "Moderate", "Minor", "Unknown"}


@pytest.mark.parametrize(
    ("path", "cached"),
    [
        ("/", True),
        ("/drills", True),
        ("/shelters", True),
        ("/alerts/0123456789abcdef0123456789abcdef", True),
        ("/alerts/0123456789abcdef0123456789abcdef/shelters.geojson", True),
        ("/alerts.geojson", True),
        ("/drills.geojson", True),
        ("/console", False),
        ("/console/alerts", False),
        ("/login", False),
        ("/api/v1/alerts", False),
        ("/s/2n9c.k3q7w2mdx4pa", False),
        ("/subscribe", False),
        ("/alerts/not-an-id", False),
        ("/feeds/alerts.atom", False),
    ],
)
def test_only_public_pages_match_the_workers_page_pattern(
    client: FlaskClient, path: str, cached: bool
) -> None:
    source = worker_source(client)
    found = re.search(r"const PUBLIC_PAGE = /(.+)/;", source)
    assert found
    # The pattern is written in the subset JavaScript and Python share.
    pattern = re.compile(found.group(1).replace("\\/", "/"))

    assert bool(pattern.fullmatch(path)) is cached


def test_worker_caches_only_gets(client: FlaskClient) -> None:
    source = worker_source(client)

    assert 'if (request.method !== "GET") return;' in source
    assert "url.origin !== self.location.origin" in source


def test_manifest_describes_an_installable_app(client: FlaskClient) -> None:
    answer = client.get("/manifest.webmanifest")
    document = json.loads(answer.get_data(as_text=True))

    assert answer.mimetype == "application/manifest+json"
    assert document["start_url"] == "/"
    assert document["scope"] == "/"
    assert document["display"] == "standalone"
    assert document["lang"] == "id"
    assert document["short_name"] == "Kentongan"
    assert re.fullmatch(r"#[0-9a-f]{6}", document["theme_color"])
    assert {icon["sizes"] for icon in document["icons"]} == {
        "192x192",
        "512x512",
        "any",
    }


def test_every_manifest_icon_is_served_at_its_size(client: FlaskClient) -> None:
    document = client.get("/manifest.webmanifest").get_json(force=True)

    for icon in document["icons"]:
        answer = client.get(icon["src"])
        data = answer.get_data()
        assert answer.status_code == 200, icon["src"]
        assert answer.mimetype == icon["type"]
        if icon["type"] == "image/png":
            width = int.from_bytes(data[16:20], "big")
            height = int.from_bytes(data[20:24], "big")
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            assert f"{width}x{height}" == icon["sizes"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_link_the_manifest_and_the_offline_script(
    client: FlaskClient, path: str
) -> None:
    tags = tags_of(client, path)

    assert tags.find("link", rel="manifest", href="/manifest.webmanifest")
    assert tags.find("meta", name="theme-color")
    assert tags.find("script", src="/static/offline.js")
    [mark] = tags.find("p", id="offline-mark")
    assert "hidden" in mark
    assert mark["role"] == "status"


def test_offline_mark_speaks_the_pages_language(client: FlaskClient) -> None:
    indonesian = client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)

    assert "salinan ini terakhir diperbarui" in indonesian
    assert "this copy was last updated" in english


def test_console_pages_do_not_register_the_worker(client: FlaskClient) -> None:
    tags = tags_of(client, "/login")

    assert not tags.find("script", src="/static/offline.js")


@pytest.fixture
def places_app(app: Flask) -> Flask:
    seed_demo_places(runtime(app).sessions)
    return app


def test_shelters_page_lists_every_shelter_by_area_and_the_routes(
    places_app: Flask,
) -> None:
    client = places_app.test_client()
    page = client.get("/shelters?lang=en").get_data(as_text=True)
    geojson = json.loads(SHELTERS_FILE.read_text(encoding="utf-8"))
    shelters = [f for f in geojson["features"] if f["geometry"]["type"] == "Point"]
    routes = [f for f in geojson["features"] if f["geometry"]["type"] != "Point"]
    first = shelters[0]["properties"]

    assert all(f["properties"]["name"] in page for f in shelters)
    assert all(f["properties"]["name"] in page for f in routes)
    assert f"Room for {first['capacity']} people" in page
    assert first["address"] in page
    assert all(facility in page for facility in first["facilities"])
    assert "Kecamatan Pesisir Utara" in page
    pesisir = page.index("Kecamatan Pesisir Utara</span></h2>")
    assert page.index(first["name"]) > pesisir


def test_shelters_page_is_linked_from_every_public_footer(client: FlaskClient) -> None:
    for path in ("/", "/drills", "/shelters"):
        assert tags_of(client, path).find("a", href="/shelters"), path
    english = tags_of(client, "/?lang=en")
    assert english.find("a", href="/shelters?lang=en")


def test_shelters_page_without_places_says_so(client: FlaskClient) -> None:
    page = client.get("/shelters?lang=en").get_data(as_text=True)

    assert "No shelter has been recorded yet" in page
