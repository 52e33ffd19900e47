from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from gateway import create_app
from gateway.config import DEVELOPMENT_SECRET, ConfigError


def test_health_check_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_front_page_says_what_the_gateway_is(client: FlaskClient) -> None:
    response = client.get("/")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Common Alerting Protocol" in page
    assert 'href="/schemas/cap-1.2.xsd"' in page
    assert 'href="/healthz"' in page


def test_cap_schema_is_served_for_partners(client: FlaskClient) -> None:
    response = client.get("/schemas/cap-1.2.xsd")

    assert response.status_code == 200
    assert b"urn:oasis:names:tc:emergency:cap:1.2" in response.data


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENTONGAN_SENDER", "bpbd@padang.go.id")
    monkeypatch.setenv("KENTONGAN_MAX_MESSAGE_BYTES", "2048")

    app = create_app()

    assert app.config["SENDER"] == "bpbd@padang.go.id"
    assert app.config["MAX_MESSAGE_BYTES"] == 2048
    assert app.config["SECRET_KEY"] == DEVELOPMENT_SECRET


def test_a_test_mapping_overrides_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KENTONGAN_SENDER", "from-env@padang.go.id")

    app = create_app({"SENDER": "from-test@padang.go.id"})

    assert app.config["SENDER"] == "from-test@padang.go.id"


def test_production_without_secrets_stops_naming_the_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KENTONGAN_ENV", "production")
    monkeypatch.delenv("KENTONGAN_SECRET_KEY", raising=False)
    monkeypatch.delenv("KENTONGAN_SENDER", raising=False)

    with pytest.raises(ConfigError) as caught:
        create_app()

    assert "KENTONGAN_SECRET_KEY" in str(caught.value)
    assert "KENTONGAN_SENDER" in str(caught.value)


def test_malformed_number_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENTONGAN_MAX_MESSAGE_BYTES", "1MB")

    with pytest.raises(ConfigError, match="KENTONGAN_MAX_MESSAGE_BYTES"):
        create_app()
