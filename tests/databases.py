"""Test databases: a migrated SQLite file per test, and one PostgreSQL database
per test run emptied between tests.

PostgreSQL is found at ``KENTONGAN_TEST_POSTGRES_URL`` (default: the ``test``
database on 127.0.0.1:5432). Without a server the PostgreSQL cases skip with
the reason, except in CI, where they fail.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from gateway.db import Base
from gateway.migrate import upgrade_database

IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get(
    "KENTONGAN_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"
)


def migrated_sqlite_template(directory: Path) -> Path:
    """A SQLite file with every migration applied, to copy for each test."""
    path = directory / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    path = directory / "kentongan.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def create_postgres_database() -> str:
    """A new, migrated PostgreSQL database; its URL."""
    server = make_url(POSTGRES_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"kentongan_test_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        reason = f"PostgreSQL is not reachable at {server.render_as_string()}: {exc}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def empty_postgres_database(url: str) -> None:
    """Remove every row (the audit log's guard triggers do not see TRUNCATE)."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
