"""``kentongan areas`` and ``kentongan shelters``: the office's places, imported
from GeoJSON FeatureCollections.

An import prints what became of the features on standard output (added,
updated, unchanged, rejected) and each rejected feature on standard error
with its index in ``features`` and the reason; exit status 1 when any feature
was rejected or the file is unusable.
"""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli_admin import AdminGroup, echo_table, fail, in_transaction, opened_app
from gateway.places.errors import PlacesError
from gateway.places.features import LEVELS, parse_level
from gateway.places.importer import (
    ImportReport,
    import_areas_file,
    import_shelters_file,
)
from gateway.places.models import AreaLevel
from gateway.places.queries import all_areas, areas_of_level
from gateway.runtime import runtime

NO_AREAS = "No areas yet; add them with 'kentongan areas import FILE.geojson'."


def read_level(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> AreaLevel | None:
    """``--level`` by its English or Indonesian name, or a usage error."""
    if value is None:
        return None
    try:
        return parse_level(value)
    except PlacesError as exc:
        raise click.BadParameter(exc.message) from exc


LEVEL_OPTION = click.option(
    "--level",
    callback=read_level,
    metavar="LEVEL",
    help=f"One of {LEVELS} (kecamatan and kelurahan work too).",
)


@click.group(cls=AdminGroup)
def areas() -> None:
    """Administrative areas that alerts name by their CAP geocode."""


@areas.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@LEVEL_OPTION
def areas_import(file: str, level: AreaLevel | None) -> None:
    """Add or update the areas of FILE, a GeoJSON FeatureCollection of Polygon
    and MultiPolygon features with the properties code, name and level (and
    optionally scheme, default BPS, parent and source).

    With --level, features without a level get LEVEL and those naming another
    are rejected. Importing the same file again changes nothing.
    """
    with opened_app() as app:
        try:
            report = import_areas_file(runtime(app).sessions, Path(file), level=level)
        except PlacesError as exc:
            fail(f"{file}: {exc.message}")
    echo_report(report)


@areas.command("list")
@LEVEL_OPTION
def areas_list(level: AreaLevel | None) -> None:
    """Print the code, name and level of every area (or of one LEVEL)."""
    with in_transaction() as session:
        found = all_areas(session) if level is None else areas_of_level(session, level)
        rows = [(area.code, area.name, area.level) for area in found]
    echo_table(("code", "name", "level"), rows, empty=NO_AREAS)


@click.group(cls=AdminGroup)
def shelters() -> None:
    """Shelters and the evacuation routes that lead to them."""


@shelters.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def shelters_import(file: str) -> None:
    """Add or update the shelters and routes of FILE, a GeoJSON FeatureCollection.

    Point features are shelters (properties id and name; optionally capacity,
    facilities, address, description, area). LineString and MultiLineString
    features are evacuation routes (id and name; optionally shelter, the id
    of the shelter it leads to, and description). Importing the same file
    again changes nothing.
    """
    with opened_app() as app:
        try:
            report = import_shelters_file(runtime(app).sessions, Path(file))
        except PlacesError as exc:
            fail(f"{file}: {exc.message}")
    echo_report(report)


def echo_report(report: ImportReport) -> None:
    """Counts on standard output, rejections on standard error; exit 1 if any."""
    for rejection in report.rejections:
        named = f" ({rejection.key})" if rejection.key else ""
        click.echo(
            f"feature {rejection.index}{named}: {rejection.reason} [{rejection.code}]",
            err=True,
        )
    for kind, counts in report.counts.items():
        click.echo(
            f"{kind}: {counts.added} added, {counts.updated} updated, "
            f"{counts.unchanged} unchanged"
        )
    click.echo(f"{report.rejected} of {report.read} features rejected.")
    if report.rejected:
        raise SystemExit(1)


PLACE_GROUPS = (areas, shelters)
