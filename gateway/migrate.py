"""Bringing a database to the newest schema with Alembic."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from gateway.config import ConfigError
from gateway.db import make_engine

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply every migration up to ``revision``; safe to run again."""
    command.upgrade(alembic_config(url), revision)
    logger.info("database upgraded revision=%s", revision)


def require_current_schema(url: str) -> None:
    """Raise ``ConfigError`` unless the database has every migration applied."""
    config = alembic_config(url)
    newest = ScriptDirectory.from_config(config).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            applied = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    if applied != newest:
        raise ConfigError(
            f"The database is at revision {applied or 'none'}, not {newest}; "
            "run 'kentongan db upgrade' first"
        )
