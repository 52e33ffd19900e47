"""Schemathesis against the live OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from gateway.api.openapi import openapi_document
from gateway.runtime import runtime
from tests import databases
from tests.conftest import build_app
from tests.factories import (
    Caller,
    add_partner,
    add_staff,
    draft_content,
    partner_cap,
    post_cap,
    publish_draft,
)

UNLIMITED = "100000 per minute"
OPERATIONS = [
    op["operationId"]
    for path in openapi_document()["paths"].values()
    for op in path.values()
]


@pytest.fixture(params=["sqlite", "postgresql"])
def live_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    if request.param == "sqlite":
        url = databases.sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = request.getfixturevalue("postgres_database")
        databases.empty_postgres_database(url)
    app = build_app(url, tmp_path, API_RATE_LIMIT=UNLIMITED, AUTH_FAILURE_LIMIT=UNLIMITED)
    yield app
    runtime(app).engine.dispose()


def seed(app: Flask) -> list[str]:
    client = app.test_client()
    author = add_staff(app, "author")
    approver = add_staff(app, "approver")
    draft = client.post("/api/v1/alerts", json=draft_content(), headers=author.headers)
    pending = client.post("/api/v1/alerts", json=draft_content(), headers=author.headers)
    client.post(f"/api/v1/alerts/{pending.get_json()['id']}/submit", headers=author.headers)
    published = publish_draft(client, author, approver)
    partner = add_partner(app, "publish")
    posted = post_cap(client, partner, partner_cap())
    return [draft.get_json()["id"], pending.get_json()["id"], published["id"], posted.get_json()["id"]]


@pytest.mark.parametrize("mode", list(GenerationMode))
@pytest.mark.parametrize("caller_kind", ["approver", "key:publish"])
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_api_conforms_to_its_document(live_app: Flask, operation_id: str, caller_kind: str, mode: GenerationMode) -> None:
    ids = seed(live_app)
    caller = add_staff(live_app, "approver") if caller_kind == "approver" else add_partner(live_app, "publish")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", live_app)

    @schema.hook("before_generate_path_parameters")
    def real_ids(context: Any, strategy: Any) -> Any:
        return st.one_of(strategy, st.sampled_from(ids).map(lambda i: {"alert_id": i}))

    operation = schema.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        from schemathesis.specs.openapi.checks import positive_data_acceptance, negative_data_rejection
        case.call_and_validate(headers=caller.headers, excluded_checks=[positive_data_acceptance, negative_data_rejection])

    check()
