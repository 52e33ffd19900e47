"""Browser-facing protections: the content security policy and the other
headers, no inline code in any page, and a CSRF check on every state change
of the site, found by walking the URL map so that pages added later are
covered without a new test."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gateway.web.forms import EXEMPT_ENDPOINTS
from tests.factories import draft_content
from tests.web.console import (
    AppBuilder,
    add_person,
    csrf_token,
    page_text,
    sample_url,
    signed_in_client,
)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN_AUTHENTICATED = ("/api/", "/receipts/")
DELIBERATELY_EXEMPT = {"unsubscribe.unsubscribe"}
EXPIRED = "The form has expired"


def policy_of(answer: TestResponse) -> dict[str, str]:
    header = answer.headers["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";"))
    return dict(directives)


def state_changes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) of every cookie-authenticated state change."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(TOKEN_AUTHENTICATED):
            continue
        for method in sorted(STATE_CHANGING & set(rule.methods or ())):
            found.append((rule.endpoint, method, sample_url(app, rule, method)))
    return found


def english_admin(app: Flask) -> FlaskClient:
    client = signed_in_client(app, "admin")
    client.set_cookie("kentongan_language", "en")
    return client


@pytest.mark.parametrize("path", ["/", "/login", "/console", "/console/alerts"])
def test_pages_forbid_inline_code_and_framing(app: Flask, path: str) -> None:
    client = english_admin(app) if path.startswith("/console") else app.test_client()
    answer = client.get(path)

    policy = policy_of(answer)
    assert answer.status_code == 200
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    header = answer.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_console_pages_hold_no_inline_script_or_style(app: Flask) -> None:
    _, author = add_person(app)
    app.test_client().post(
        "/api/v1/alerts",
        json=draft_content(status="Exercise"),
        headers=author.headers,
    )
    client = english_admin(app)

    pages = [client.get(path) for path in ("/console", "/console/alerts")]
    pages.append(app.test_client().get("/login"))
    pages.append(client.post("/logout"))  # no token: the expired-form page

    for answer in pages:
        html = page_text(answer).lower()
        assert "<main>" in html
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html
        assert " on" + "click=" not in html


def test_strict_transport_security_only_over_https(app: Flask) -> None:
    client = app.test_client()

    over_http = client.get("/login")
    over_https = client.get("/login", base_url="https://localhost")

    assert "Strict-Transport-Security" not in over_http.headers
    assert over_https.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_an_https_public_address_means_https_behind_a_proxy(
    make_app: AppBuilder,
) -> None:
    app = make_app(PUBLIC_URL="https://peringatan.padang.go.id")

    answer = app.test_client().get("/login")

    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert any(
        value.startswith("session=") and "Secure" in value
        for value in answer.headers.getlist("Set-Cookie")
    )


def test_state_changes_are_found_and_token_callers_left_out(app: Flask) -> None:
    found = {(endpoint, method) for endpoint, method, _ in state_changes(app)}

    assert {("login.login_page", "POST"), ("login.logout", "POST")} <= found
    assert ("language.choose_language", "POST") in found
    assert not any(endpoint.startswith(("api.", "receipts.")) for endpoint, _ in found)


def test_only_the_known_endpoints_skip_the_csrf_check() -> None:
    assert set(EXEMPT_ENDPOINTS) == DELIBERATELY_EXEMPT


def test_every_state_change_refuses_a_missing_csrf_token(app: Flask) -> None:
    client = english_admin(app)

    for endpoint, method, url in state_changes(app):
        if endpoint in DELIBERATELY_EXEMPT:
            continue
        answer = client.open(url, method=method, data={"language": "en"})
        assert answer.status_code == 400, (endpoint, method, answer.status_code)
        assert EXPIRED in page_text(answer), (endpoint, method)


def test_every_state_change_refuses_a_wrong_csrf_token(app: Flask) -> None:
    client = english_admin(app)
    someone_else = english_admin(app)
    foreign = csrf_token(someone_else.get("/console"))
    assert foreign != csrf_token(client.get("/console"))

    for endpoint, method, url in state_changes(app):
        if endpoint in DELIBERATELY_EXEMPT:
            continue
        for wrong in (foreign, "not-a-token", foreign[:-2] + "xx"):
            answer = client.open(url, method=method, data={"csrf_token": wrong})
            assert answer.status_code == 400, (endpoint, method, wrong)
            assert EXPIRED in page_text(answer), (endpoint, method, wrong)


def test_a_csrf_token_in_a_header_is_accepted_too(app: Flask) -> None:
    client = english_admin(app)
    token = csrf_token(client.get("/console"))

    answer = client.post(
        "/language", data={"language": "id"}, headers={"X-CSRFToken": token}
    )

    assert answer.status_code == 302


def test_the_right_csrf_token_is_accepted(app: Flask) -> None:
    client = english_admin(app)
    token = csrf_token(client.get("/console"))

    answer = client.post("/logout", data={"csrf_token": token})

    assert answer.status_code == 302
    assert client.get("/console").status_code == 302


@pytest.mark.parametrize(
    ("path", "language", "back", "words"),
    [
        ("/subscribe", "", "/subscribe", "Buka halamannya lagi"),
        ("/subscribe?lang=en", "en", "/subscribe", "Open the page again"),
        ("/s/1.aaaaaaaaaaaa/delete", "", "/s/1.aaaaaaaaaaaa", "Buka halamannya"),
    ],
)
def test_a_residents_expired_form_leads_back_without_sign_in(
    app: Flask, path: str, language: str, back: str, words: str
) -> None:
    answer = app.test_client().post(path, data={"address": "+6281234567890"})
    page = page_text(answer)

    assert answer.status_code == 400
    assert words in page
    assert f'href="{back}"' in page
    assert "/login" not in page
    assert f'<html lang="{language or "id"}">' in page
