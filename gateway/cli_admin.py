"""The operator's side of ``kentongan``: the database schema and the audit log,
and the plumbing every administration command shares.

Each command builds the app for its settings and does its work in one
transaction; the account functions it calls write the audit rows (actor
``cli``). The account commands live in ``gateway.cli_accounts``; both sets
are registered on the ``kentongan`` group by ``gateway.cli``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from gateway import create_app
from gateway.accounts.errors import AccountError
from gateway.alerts import audit
from gateway.config import ConfigError
from gateway.db import transaction
from gateway.migrate import upgrade_database
from gateway.runtime import database_url, runtime

CLI_ACTOR = "cli"


class AdminGroup(click.Group):
    """A command group whose commands report refusals as ``error: ...``, exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (AccountError, ConfigError) as exc:
            fail(str(exc))
        except (OperationalError, ProgrammingError) as exc:
            fail(
                f"the database refused: {database_cause(exc)}. Check "
                "KENTONGAN_DATABASE_URL, and run 'kentongan db upgrade' if tables "
                "are missing"
            )


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def database_cause(exc: DBAPIError) -> str:
    """The first line of the driver's own message, without SQLAlchemy's notes."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


@contextmanager
def opened_app() -> Iterator[Flask]:
    """The app built from the settings; its database connections closed after."""
    app = create_app()
    try:
        yield app
    finally:
        runtime(app).engine.dispose()


@contextmanager
def in_transaction() -> Iterator[Session]:
    """A session on the configured database, committed when the block succeeds."""
    with opened_app() as app, transaction(runtime(app).sessions) as session:
        yield session


def echo_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], *, empty: str
) -> None:
    """Print ``rows`` in aligned columns, or the sentence ``empty`` if none."""
    cells = [list(headers)]
    cells += [["-" if value is None else str(value) for value in row] for row in rows]
    if len(cells) == 1:
        click.echo(empty)
        return

    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    for row in cells:
        padded = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(padded).rstrip())


@click.group(cls=AdminGroup)
def db() -> None:
    """Create and upgrade the database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to the configured database.

    The database is KENTONGAN_DATABASE_URL, or SQLite in the instance folder.
    Running it again changes nothing.
    """
    with opened_app() as app:
        url = database_url(app.config, app.instance_path)

    shown = make_url(url).render_as_string(hide_password=True)
    try:
        upgrade_database(url)
    except OperationalError as exc:
        fail(f"cannot upgrade the database {shown}: {database_cause(exc)}")
    click.echo(f"Database {shown} is up to date.")


@click.group("audit", cls=AdminGroup)
def audit_log() -> None:
    """Check the append-only audit log."""


@audit_log.command("verify")
def audit_verify() -> None:
    """Check that every audit row matches its hash and links to the one before.

    Exit status 0 when the chain is intact, 1 naming the first broken row.
    """
    # Known gap: nothing shows progress while the log is walked, because
    # find_broken_link offers no hook; on millions of rows it is silent a while.
    with in_transaction() as session:
        broken = audit.find_broken_link(session)
        rows = audit.count_entries(session)
        newest = audit.last_hash(session)

    if broken is not None:
        fail(
            f"the audit log is broken at seq {broken.seq}: {broken.reason} "
            f"(rows before seq {broken.seq} are intact)"
        )
    click.echo(f"{rows} rows, chain intact")
    click.echo(
        f"newest hash {newest}; keep it elsewhere, since rows cut from the end "
        "are found only by comparing it"
    )


ADMIN_GROUPS = (db, audit_log)
