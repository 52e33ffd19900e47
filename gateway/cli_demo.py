"""``kentongan demo seed``: fill a laptop's gateway with made-up data to try.

Each step prints what it did as it finishes; the demo accounts and where to
sign in come last, on every run, so ``make run`` shows them above the server's
log. Refused with ``KENTONGAN_ENV=production`` unless ``--force``.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask

from gateway import demo
from gateway.cli_admin import AdminGroup, fail, opened_app
from gateway.places.errors import PlacesError
from gateway.places.importer import ImportReport as PlacesReport
from gateway.residents.importer import ImportReport as SubscribersReport
from gateway.runtime import runtime


@click.group("demo", cls=AdminGroup)
def demo_group() -> None:
    """Made-up data for trying the gateway; never for production."""


@demo_group.command("seed")
@click.option(
    "--accounts-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the demo passwords are kept (default: instance/demo-accounts.txt).",
)
@click.option("--force", is_flag=True, help="Seed even with KENTONGAN_ENV=production.")
def demo_seed(accounts_file: Path | None, force: bool) -> None:
    """Add demo staff, places, subscribers and one published demo alert.

    Running it again changes nothing and prints the same accounts. The
    passwords are generated on the first run and kept, readable by you only,
    in the accounts file.
    """
    if os.environ.get("KENTONGAN_ENV") == "production" and not force:
        fail(
            "KENTONGAN_ENV is production: demo data does not belong there. "
            "Use --force only on a throwaway copy"
        )
    with opened_app() as app:
        try:
            seed_all(app, accounts_file or demo.default_accounts_file(app), force)
        except (demo.DemoError, PlacesError, OSError) as exc:
            fail(str(exc))
        finally:
            runtime(app).dispatcher.shutdown()


def seed_all(app: Flask, accounts_file: Path, force: bool) -> None:
    """Run each step, saying what it did, then print the banner."""
    demo.refuse_production(app, force=force)
    click.echo("Kentongan demo data (made up: no real people, places or alerts)")
    accounts = demo.seed_accounts(app, accounts_file)
    click.echo(f"  staff: {_added(len(accounts.added), len(accounts.accounts))}")
    echo_places(demo.seed_places(app))
    echo_subscribers(demo.seed_subscribers(app))
    alert = demo.seed_alert(app, accounts.accounts)
    echo_alert(alert, app)
    echo_banner(app, accounts)


def echo_places(reports: list[PlacesReport]) -> None:
    for report in reports:
        for kind, counts in report.counts.items():
            total = counts.added + counts.updated + counts.unchanged
            click.echo(f"  {kind}: {_added(counts.added, total)}")
        if report.rejected:
            click.echo(f"  {report.rejected} demo places rejected (see the log)")


def echo_subscribers(report: SubscribersReport) -> None:
    click.echo(
        f"  subscribers: {_added(report.added, report.accepted)} "
        "(SMS +62 812 0000 xxxx and @example.org, Indonesian and English)"
    )
    if report.rejected:
        first = report.rejections[0]
        click.echo(f"  {report.rejected} rejected, first: {first.reason}")


def echo_alert(alert: demo.AlertOutcome, app: Flask) -> None:
    how = "published now" if alert.published_now else "already on air"
    click.echo(f"  demo alert {alert.alert_id}, {how}: {alert.headline}")
    if alert.published_now:
        waiting = "" if alert.fan_out_finished else " (still sending)"
        outbox = app.config.get("OUTBOX_DIR") or Path(app.instance_path) / "outbox"
        click.echo(f"  its messages to residents are in {outbox}{waiting}")


def echo_banner(app: Flask, outcome: demo.AccountsOutcome) -> None:
    url = str(app.config["PUBLIC_URL"]).rstrip("/")
    click.echo("")
    click.echo(f"  Public page:   {url}/")
    click.echo(f"  Staff console: {url}/console")
    click.echo(f"  Demo accounts (kept in {outcome.file}):")
    width = max(len(account.email) for account in outcome.accounts)
    for account in outcome.accounts:
        click.echo(
            f"    {account.role:<9} {account.email:<{width}}  {account.password}"
        )
    for email in outcome.changed_elsewhere:
        click.echo(
            f"  note: the password of {email} was changed since; the one above "
            "no longer works"
        )
    click.echo("")


def _added(added: int, total: int) -> str:
    return f"{total} ({added} added)"


DEMO_GROUPS = (demo_group,)
