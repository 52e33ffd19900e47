"""``kentongan subscribers``: the residents and partners who receive alerts.

``import`` reads a CSV in batches with a progress bar on standard error; each
rejected row is reported there with its row number and the reason, and the
count of rows read, accepted and rejected goes to standard output.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TextIO

import click
import phonenumbers
from sqlalchemy.orm import Session, sessionmaker

from gateway.cli_admin import AdminGroup, fail, opened_app
from gateway.residents.errors import ResidentError
from gateway.residents.importer import (
    COLUMNS,
    ImportReport,
    Rejection,
    count_rows,
    import_subscribers,
    read_rows,
)
from gateway.runtime import runtime


@click.group(cls=AdminGroup)
def subscribers() -> None:
    """Residents and partner systems who receive alerts."""


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the rejected rows to this CSV, with row and reason columns.",
)
@click.option(
    "--allow-loopback-webhooks",
    is_flag=True,
    help="Accept webhook URLs on this machine (127.0.0.1, localhost), e.g. tests.",
)
def subscribers_import(
    file: str, rejects: str | None, allow_loopback_webhooks: bool
) -> None:
    """Add or update the subscribers listed in FILE, a CSV with the header
    channel,address,language,lat,lon,areas,groups.

    Importing the same file again changes nothing. Phone numbers without a
    country code are read in KENTONGAN_DEFAULT_REGION (default ID). Exit
    status 1 when any row was rejected.
    """
    with opened_app() as app:
        region = app.config["DEFAULT_REGION"]
        if region not in phonenumbers.SUPPORTED_REGIONS:
            fail(
                f"KENTONGAN_DEFAULT_REGION '{region}' is not a country code "
                "phonenumbers knows; use an ISO 3166 code such as ID"
            )
        try:
            report = run_import(
                Path(file), runtime(app).sessions, region, allow_loopback_webhooks
            )
        except (ResidentError, UnicodeDecodeError, csv.Error) as exc:
            fail(f"{file}: {exc}")

    echo_rejections(report.rejections)
    if rejects:
        write_rejections(Path(rejects), report.rejections)
    click.echo(
        f"{report.read} rows read: {report.accepted} accepted ({report.added} added, "
        f"{report.updated} updated, {report.duplicates} repeating an earlier row), "
        f"{report.rejected} rejected."
    )
    if report.rejected:
        raise SystemExit(1)


def run_import(
    path: Path, sessions: sessionmaker[Session], region: str, allow_loopback: bool
) -> ImportReport:
    """Import ``path`` behind a progress bar on standard error."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        total = count_rows(stream)
        with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
            done = 0

            def advance(read: int) -> None:
                nonlocal done
                bar.update(read - done)
                done = read

            return import_subscribers(
                sessions,
                read_rows(stream),
                region=region,
                allow_loopback=allow_loopback,
                on_progress=advance,
            )


def echo_rejections(rejections: list[Rejection]) -> None:
    for rejection in rejections:
        click.echo(
            f"row {rejection.row}: {rejection.reason} [{rejection.code}]", err=True
        )


def write_rejections(path: Path, rejections: list[Rejection]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        write_rejection_rows(stream, rejections)


def write_rejection_rows(stream: TextIO, rejections: list[Rejection]) -> None:
    writer = csv.writer(stream)
    writer.writerow(("row", *COLUMNS, "reason"))
    for rejection in rejections:
        values = (rejection.values[name] for name in COLUMNS)
        writer.writerow((rejection.row, *values, rejection.reason))


RESIDENT_GROUPS = (subscribers,)
