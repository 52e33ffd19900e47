"""Driving the console as a browser would: read the form's CSRF token from the
page, post it back with the fields, follow the answer."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from gateway.runtime import runtime
from tests.conftest import build_app
from tests.factories import PASSWORD, Caller, add_staff

TOKEN_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RULE_PART = re.compile(r"<(?:(\w+)(?:\((.*?)\))?:)?(\w+)>")
SAMPLE_VALUES = {
    "string": "0123456789abcdef0123456789abcdef",
    "path": "0123456789abcdef",
    "int": "1",
    "float": "1.0",
    "uuid": "01234567-89ab-cdef-0123-456789abcdef",
}
_serial = itertools.count(1)


def csrf_token(page: TestResponse) -> str:
    """The CSRF token of the first form on ``page``."""
    found = TOKEN_FIELD.search(page.get_data(as_text=True))
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(
    client: FlaskClient,
    email: str,
    password: str = PASSWORD,
    next_url: str | None = None,
) -> TestResponse:
    """Open the login page and send it filled in, as a person would."""
    query = {"next": next_url} if next_url is not None else {}
    page = client.get("/login", query_string=query)
    fields = {"csrf_token": csrf_token(page), "email": email, "password": password}
    if next_url is not None:
        fields["next"] = next_url
    return client.post("/login", data=fields)


def add_person(
    app: Flask, role: str = "author", name: str = "staff"
) -> tuple[str, Caller]:
    """A staff member: their email address and their API caller."""
    email = f"{name}.{role}.{next(_serial)}@padang.go.id"
    return email, add_staff(app, role, email=email)


def signed_in_client(app: Flask, role: str = "author") -> FlaskClient:
    email, _ = add_person(app, role, name="signed")
    client = app.test_client()
    answer = sign_in(client, email)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def sample_url(app: Flask, rule: Rule, method: str = "GET") -> str:
    """A URL that ``rule`` matches, with a plausible value for each part."""
    values = {}
    for converter, options, name in RULE_PART.findall(rule.rule):
        if converter == "any":
            values[name] = options.split(",")[0].strip(" '\"")
        else:
            values[name] = SAMPLE_VALUES.get(converter, SAMPLE_VALUES["string"])
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, method=method)


def page_text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


class AppBuilder:
    """Apps with overridden settings, closed when the test ends."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.built: list[Flask] = []

    def __call__(self, **overrides: object) -> Flask:
        app = build_app(self.database_url, self.tmp_path, **overrides)
        self.built.append(app)
        return app

    def close(self) -> None:
        for app in self.built:
            runtime(app).dispatcher.shutdown()
            runtime(app).engine.dispose()
