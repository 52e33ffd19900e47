"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway import create_app

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture
def app(tmp_path: Any) -> Flask:
    return create_app({"TESTING": True, "FEEDS_DIR": str(tmp_path / "feeds")})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
