"""Fixtures shared by the whole suite.

``app`` runs each test that uses it on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import gateway.accounts.models
import gateway.alerts.audit
import gateway.alerts.models
import gateway.dispatch.models
import gateway.places.models
import gateway.protocols.models
import gateway.residents.models  # noqa: F401  (every table is known to Base)
from gateway import create_app
from gateway.runtime import runtime
from tests import databases

IN_CI = os.environ.get("CI") == "true"
pytest_plugins = ["tests.redis_keys"]
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database(url)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        return databases.sqlite_copy(template, tmp_path)
    url: str = request.getfixturevalue("postgres_database")
    databases.empty_postgres_database(url)
    return url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return databases.sqlite_copy(sqlite_template, tmp_path)


def build_app(database_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "FEEDS_DIR": str(tmp_path / "feeds"),
        "SENDER": "bpbd@padang.go.id",
        "RATE_LIMIT_PREFIX": f"kentongan-test:{os.getpid()}:{tmp_path.name}",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    built = build_app(database_url, tmp_path)
    yield built
    runtime(built).dispatcher.shutdown()
    runtime(built).engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
