"""The residents' Web Push API over Flask's test client, on SQLite and
PostgreSQL: the VAPID key, a browser's subscription stored as a verified
subscriber with its manage link, renewal, refusals at their fields, the
per-client count and the audit log of ids."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from gateway.alerts.audit import AuditEntry
from gateway.db import transaction
from gateway.demo import seed_places
from gateway.residents.manage_links import read_manage_token
from gateway.residents.models import Subscriber, SubscriberTag
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.residents.factories import push_key

ENDPOINT = "https://push.example.net/wpush/v2/resident-1"
DISTRICT = "1371010"
PROBLEM_TYPE = "application/problem+json"
PATH = "/api/v1/push-subscriptions"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def push_body(**overrides: Any) -> dict[str, Any]:
    """A browser in a demo district, in Indonesian; None drops a field."""
    body: dict[str, Any] = {
        "subscription": {
            "endpoint": ENDPOINT,
            "expirationTime": None,
            "keys": {"p256dh": push_key(65), "auth": push_key(16)},
        },
        "language": "id-ID",
        "area": DISTRICT,
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


@pytest.fixture
def vapid_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_app(
    database_url: str,
    tmp_path: Path,
    vapid: ec.EllipticCurvePrivateKey | None,
    **extra: Any,
) -> Flask:
    pem = (
        vapid.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        if vapid
        else None
    )
    built = build_app(
        database_url,
        tmp_path,
        WEBPUSH_VAPID_PRIVATE_KEY=pem,
        WEBPUSH_VAPID_SUBJECT="mailto:ops@bpbd.example",
        **extra,
    )
    seed_places(built)
    return built


@pytest.fixture
def push_app(
    database_url: str, tmp_path: Path, vapid_key: ec.EllipticCurvePrivateKey
) -> Iterator[Flask]:
    built = make_app(database_url, tmp_path, vapid_key)
    yield built
    runtime(built).engine.dispose()


@pytest.fixture
def client(push_app: Flask) -> FlaskClient:
    return push_app.test_client()


def stored(app: Flask) -> list[tuple[Subscriber, list[str]]]:
    with transaction(runtime(app).sessions) as session:
        rows = list(session.scalars(select(Subscriber).order_by(Subscriber.id)))
        tags = {
            row.id: [
                tag.value
                for tag in session.scalars(
                    select(SubscriberTag).where(SubscriberTag.subscriber_id == row.id)
                )
            ]
            for row in rows
        }
        session.expunge_all()
    return [(row, tags[row.id]) for row in rows]


def test_key_is_the_public_point_of_the_configured_private_key(
    client: FlaskClient, vapid_key: ec.EllipticCurvePrivateKey
) -> None:
    answer = client.get("/api/v1/push/key")

    point = vapid_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert answer.status_code == 200
    assert answer.get_json() == {"publicKey": b64url(point)}
    assert len(point) == 65


def test_without_web_push_both_endpoints_answer_not_configured(
    database_url: str, tmp_path: Path
) -> None:
    app = make_app(database_url, tmp_path, None)
    client = app.test_client()

    key = client.get("/api/v1/push/key")
    subscribed = client.post(PATH, json=push_body())

    assert key.status_code == 404
    assert key.mimetype == PROBLEM_TYPE
    assert key.get_json()["code"] == "webpush-not-configured"
    assert subscribed.status_code == 404
    assert stored(app) == []
    runtime(app).engine.dispose()


def test_a_subscription_becomes_a_verified_subscriber_with_a_manage_link(
    client: FlaskClient, push_app: Flask
) -> None:
    answer = client.post(PATH, json=push_body(language="en-us"))

    [(subscriber, areas)] = stored(push_app)
    manage = answer.get_json()["manageUrl"]
    token = manage.rpartition("/s/")[2]
    assert answer.status_code == 201
    assert manage.startswith(push_app.config["PUBLIC_URL"].rstrip("/") + "/s/")
    assert read_manage_token(push_app.config["SECRET_KEY"], token) == subscriber.id
    assert subscriber.channel == "webpush"
    assert subscriber.address == ENDPOINT
    assert subscriber.push_keys == {"p256dh": push_key(65), "auth": push_key(16)}
    assert subscriber.verified is True
    assert subscriber.language == "en-US"
    # The district, and the city it lies in, so a city-wide alert reaches it.
    assert sorted(areas) == ["1371", DISTRICT]


def test_a_point_alone_is_enough_and_language_defaults(
    client: FlaskClient, push_app: Flask
) -> None:
    body = push_body(area=None, language=None, lat=-0.95, lon=100.35)

    answer = client.post(PATH, json=body)

    [(subscriber, areas)] = stored(push_app)
    assert answer.status_code == 201
    assert (subscriber.lat, subscriber.lon) == (-0.95, 100.35)
    assert subscriber.language == push_app.config["DEFAULT_LANGUAGE"]
    assert areas == []


def test_the_same_endpoint_again_renews_and_opts_back_in(
    client: FlaskClient, push_app: Flask
) -> None:
    first = client.post(PATH, json=push_body())
    [(subscriber, _)] = stored(push_app)
    with transaction(runtime(push_app).sessions) as session:
        row = session.get(Subscriber, subscriber.id)
        assert row is not None
        row.opted_out_at = row.created_at
    renewed = push_body(area="1371020")
    renewed["subscription"]["keys"]["auth"] = push_key(16, fill=9)

    second = client.post(PATH, json=renewed)

    [(after, areas)] = stored(push_app)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json()
    assert after.id == subscriber.id
    assert after.opted_out_at is None
    assert after.push_keys is not None
    assert after.push_keys["auth"] == push_key(16, fill=9)
    assert sorted(areas) == ["1371", "1371020"]


@pytest.mark.parametrize(
    ("overrides", "code", "location"),
    [
        ({"subscription": None}, "invalid-webpush", "/subscription"),
        (
            {"subscription": {"endpoint": "http://push.example.net/x", "keys": {}}},
            "invalid-webpush",
            "/subscription",
        ),
        (
            {
                "subscription": {
                    "endpoint": "https://127.0.0.1:8443/x",
                    "keys": {"p256dh": push_key(65), "auth": push_key(16)},
                }
            },
            "private-webpush",
            "/subscription/endpoint",
        ),
        (
            {
                "subscription": {
                    "endpoint": ENDPOINT,
                    "keys": {"p256dh": push_key(64), "auth": push_key(16)},
                }
            },
            "invalid-webpush",
            "/subscription",
        ),
        ({"language": "not a language"}, "invalid-language", "/language"),
        ({"language": 7}, "invalid-language", "/language"),
        ({"area": "9999999"}, "unknown-area", "/area"),
        ({"area": None}, "no-place", "/"),
        ({"area": None, "lat": -0.9}, "incomplete-location", "/lon"),
        ({"area": None, "lat": "-0.9", "lon": 100.3}, "invalid-location", "/lat"),
        ({"area": None, "lat": 91.0, "lon": 100.3}, None, "/lat"),
        ({"colour": "red"}, "unknown-field", "/colour"),
    ],
    ids=[
        "no-subscription",
        "http-endpoint",
        "loopback-endpoint",
        "short-p256dh-key",
        "malformed-language",
        "language-not-text",
        "unknown-area",
        "no-place",
        "lat-without-lon",
        "lat-as-text",
        "lat-out-of-range",
        "unknown-field",
    ],
)
def test_refusals_name_the_field_at_fault(
    client: FlaskClient,
    push_app: Flask,
    overrides: dict[str, Any],
    code: str | None,
    location: str,
) -> None:
    body = push_body(**overrides)

    answer = client.post(PATH, json=body)

    problem = answer.get_json()
    assert answer.status_code == 422, problem
    assert answer.mimetype == PROBLEM_TYPE
    assert [item["location"] for item in problem["errors"]] == [location]
    if code is not None:
        assert problem["errors"][0]["code"] == code
    assert stored(push_app) == []


def test_every_problem_is_reported_at_once(client: FlaskClient) -> None:
    body = push_body(language="?", area="nowhere")
    body["subscription"]["endpoint"] = "ftp://push.example.net/x"

    problem = client.post(PATH, json=body).get_json()

    assert [item["location"] for item in problem["errors"]] == [
        "/subscription",
        "/language",
        "/area",
    ]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"{", "application/json", 400),
        (b"[]", "application/json", 422),
        (b"{}", "text/plain", 415),
        (json.dumps(push_body()).encode() + b" " * 20000, "application/json", 413),
    ],
    ids=["malformed-json", "not-an-object", "wrong-type", "too-large"],
)
def test_unreadable_bodies_are_problems(
    client: FlaskClient, data: bytes, content_type: str, status: int
) -> None:
    answer = client.post(PATH, data=data, content_type=content_type)

    assert answer.status_code == status
    assert answer.mimetype == PROBLEM_TYPE


def test_loopback_http_endpoints_pass_only_when_insecure_endpoints_are_allowed(
    database_url: str, tmp_path: Path, vapid_key: ec.EllipticCurvePrivateKey
) -> None:
    app = make_app(database_url, tmp_path, vapid_key, WEBPUSH_ALLOW_INSECURE=True)
    body = push_body()
    body["subscription"]["endpoint"] = "http://127.0.0.1:9/push/1"

    answer = app.test_client().post(PATH, json=body)

    [(subscriber, _)] = stored(app)
    assert answer.status_code == 201
    assert subscriber.address == "http://127.0.0.1:9/push/1"
    runtime(app).engine.dispose()


def test_a_client_is_refused_after_its_attempts(
    database_url: str, tmp_path: Path, vapid_key: ec.EllipticCurvePrivateKey
) -> None:
    app = make_app(
        database_url, tmp_path, vapid_key, SUBSCRIBE_CLIENT_LIMIT="2 per hour"
    )
    client = app.test_client()

    statuses = [client.post(PATH, json=push_body()).status_code for _ in range(3)]
    refused = client.post(PATH, json=push_body())

    assert statuses == [201, 200, 429]
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["code"] == "too-many-subscriptions"
    runtime(app).engine.dispose()


def test_the_audit_log_names_ids_never_the_endpoint(
    client: FlaskClient, push_app: Flask
) -> None:
    client.post(PATH, json=push_body())
    client.post(PATH, json=push_body(area="1371020"))
    [(subscriber, _)] = stored(push_app)

    with transaction(runtime(push_app).sessions) as session:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject == f"subscriber:{subscriber.id}")
                .order_by(AuditEntry.seq)
            )
        )
        found = [(row.action, row.actor, row.details) for row in rows]

    assert [action for action, _, _ in found] == [
        "subscriber.created",
        "subscriber.updated",
    ]
    assert {actor for _, actor, _ in found} == {"resident:webpush"}
    assert all("push.example.net" not in details for _, _, details in found)


PUSH_OPERATIONS = ["getPushKey", "createPushSubscription"]
# A body of the documented shape need not be a usable subscription or place,
# and a burst of them meets the per-client count.
PUSH_ANSWERS = ["2xx", "404", "422", "429"]


@pytest.mark.parametrize("operation_id", PUSH_OPERATIONS)
def test_push_operations_answer_as_documented(
    push_app: Flask, operation_id: str
) -> None:
    checks: dict[str, Any] = {
        "positive_data_acceptance": {"expected-statuses": PUSH_ANSWERS},
        "negative_data_rejection": {
            "expected-statuses": ["400", "404", "413", "415", "422", "429"]
        },
    }
    config = schemathesis.Config.from_dict({"checks": checks})
    schema = schemathesis.openapi.from_wsgi(
        "/api/openapi.json", push_app, config=config
    )
    operation = schema.find_operation_by_id(operation_id)
    statuses: set[int] = set()

    @given(
        case=operation.as_strategy(schemathesis.GenerationMode.POSITIVE)
        | operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)
    )
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def answers_as_documented(case: Any) -> None:
        statuses.add(case.call_and_validate().status_code)

    answers_as_documented()

    assert statuses, "no request was made"
    assert all(status < 500 for status in statuses)
