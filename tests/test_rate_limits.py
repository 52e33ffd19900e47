"""Rate limits: refused credentials per address, requests per caller, and
counts shared through Redis by every process of the gateway."""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Flask
from sqlalchemy import select

from gateway.alerts.audit import AuditEntry
from gateway.db import transaction
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.factories import add_staff
from tests.redis_keys import REDIS_URL

BAD_SECRET = "ktn_t_0123456789abcdef_" + "x" * 43


def refused_request(app: Flask) -> int:
    response = app.test_client().get(
        "/api/v1/alerts", headers={"Authorization": f"Bearer {BAD_SECRET}"}
    )
    return response.status_code


def test_repeated_refused_credentials_are_slowed_down(
    sqlite_url: str, tmp_path: Path
) -> None:
    app = build_app(sqlite_url, tmp_path, AUTH_FAILURE_LIMIT="3 per minute")

    statuses = [refused_request(app) for _ in range(4)]
    limited = app.test_client().get(
        "/api/v1/alerts", headers={"Authorization": f"Bearer {BAD_SECRET}"}
    )

    assert statuses == [401, 401, 401, 429]
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0


def test_failed_logins_are_audited_without_the_secret(
    sqlite_url: str, tmp_path: Path
) -> None:
    app = build_app(sqlite_url, tmp_path)
    refused_request(app)

    with transaction(runtime(app).sessions) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "login.failed")
        ).one()
    assert entry.subject == "credential-lookup:0123456789abcdef"
    assert BAD_SECRET not in entry.details


def test_api_requests_are_limited_per_caller(sqlite_url: str, tmp_path: Path) -> None:
    app = build_app(sqlite_url, tmp_path, API_RATE_LIMIT="5 per minute")
    first, second = add_staff(app), add_staff(app)
    client = app.test_client()

    statuses = [
        client.get("/api/v1/alerts", headers=first.headers).status_code
        for _ in range(6)
    ]
    other = client.get("/api/v1/alerts", headers=second.headers)

    assert statuses == [200] * 5 + [429]
    assert other.status_code == 200


def test_limits_are_shared_through_redis_by_every_process(
    sqlite_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    settings = {
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_PREFIX": redis_prefix,
        "AUTH_FAILURE_LIMIT": "4 per minute",
    }
    one = build_app(sqlite_url, tmp_path / "one", **settings)
    two = build_app(sqlite_url, tmp_path / "two", **settings)

    statuses = [refused_request(app) for app in (one, two, one, two, one)]

    assert statuses == [401, 401, 401, 401, 429]
    assert redis.Redis.from_url(REDIS_URL).keys(f"*{redis_prefix}*")
