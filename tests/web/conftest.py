"""Fixtures of the console tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.console import AppBuilder


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[AppBuilder]:
    """Build apps on the test's database with settings of the test's own."""
    builder = AppBuilder(database_url, tmp_path)
    yield builder
    builder.close()
