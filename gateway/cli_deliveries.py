"""``kentongan deliveries``: how an alert's fan-out went."""

from __future__ import annotations

import json

import click

from gateway.alerts.models import AlertRecord
from gateway.cli_admin import AdminGroup, fail, in_transaction
from gateway.dispatch.summary import summarise


@click.group(cls=AdminGroup)
def deliveries() -> None:
    """Deliveries of alerts to residents and partner systems."""


@deliveries.command("summary")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("alert_id")
def deliveries_summary(alert_id: str, as_json: bool) -> None:
    """Counts by channel and status, first and last send, time to 50/90/99%."""
    with in_transaction() as session:
        record = session.get(AlertRecord, alert_id)
        if record is None:
            fail(f"no alert has the id {alert_id}; list them with the API")
        summary = summarise(session, record)

    if as_json:
        click.echo(json.dumps(summary.as_dict()))
        return
    click.echo(f"Alert {alert_id}: {summary.total} deliveries")
    for channel, statuses in sorted(summary.counts.items()):
        parts = ", ".join(
            f"{status} {count}" for status, count in sorted(statuses.items())
        )
        click.echo(f"  {channel}: {parts}")
    click.echo(
        f"  first sent {summary.first_sent or '-'}, last {summary.last_sent or '-'}"
    )
    timings = ", ".join(
        f"{percent}% after {seconds:.1f} s" if seconds is not None else f"{percent}% -"
        for percent, seconds in summary.seconds_to.items()
    )
    click.echo(f"  {timings}")


DELIVERY_GROUPS = (deliveries,)
