"""Leaflet is served from our own origin, cached, and nothing outside its
folder can be reached through the route."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_leaflet_script_and_style_are_served_from_our_origin(
    client: FlaskClient,
) -> None:
    script = client.get("/vendor/leaflet/leaflet.js")
    style = client.get("/vendor/leaflet/leaflet.css")

    assert script.status_code == 200
    assert b"Leaflet" in script.data[:400]
    assert script.headers["Cache-Control"] == "public, max-age=604800"
    assert style.status_code == 200
    assert style.mimetype == "text/css"


def test_paths_outside_the_leaflet_folder_are_not_found(client: FlaskClient) -> None:
    assert client.get("/vendor/leaflet/../__init__.py").status_code == 404
    assert client.get("/vendor/leaflet/%2e%2e/__init__.py").status_code == 404
    assert client.get("/vendor/leaflet/missing.js").status_code == 404
