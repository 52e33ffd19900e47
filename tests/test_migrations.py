"""Migrations: they build exactly the tables the models describe, run twice
safely, and the server refuses a database that is behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway.config import ConfigError
from gateway.db import Base, make_engine
from gateway.migrate import require_current_schema, upgrade_database


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert differences == []


def test_upgrade_runs_twice_and_leaves_a_current_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"

    upgrade_database(url)
    upgrade_database(url)

    require_current_schema(url)


def test_database_without_migrations_is_refused_with_the_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"

    with pytest.raises(ConfigError, match="kentongan db upgrade"):
        require_current_schema(url)
