"""Migration 0005 adds the places tables and takes them away again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from gateway.db import make_engine
from gateway.migrate import alembic_config, upgrade_database

PLACE_TABLES = {"areas", "shelters", "evacuation_routes"}


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_downgrade_removes_the_places_tables_and_upgrade_restores_them(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'places.db'}"
    upgrade_database(url)
    assert table_names(url) >= PLACE_TABLES

    command.downgrade(alembic_config(url), "0004")
    assert not PLACE_TABLES & table_names(url)
    assert "fanouts" in table_names(url)

    upgrade_database(url)
    assert table_names(url) >= PLACE_TABLES
