"""Importing areas, shelters and routes from GeoJSON FeatureCollections.

Every feature is checked before anything is written; the accepted ones are
then stored in one transaction, upserted by their key (an area by scheme and
code, a shelter or route by its ``id``), so importing the same file again
changes nothing and an edited file updates its rows in place. A row whose
values did not change keeps its ``updated_at``. Rows missing from a file are
left alone: a file adds and corrects, it never deletes. Every feature ends up
counted as added, updated, unchanged or rejected, a rejection with the
feature's index in ``features`` (from 0) and what to fix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import transaction
from gateway.places.errors import InvalidFeature, PlacesError
from gateway.places.features import (
    ROUTE_GEOMETRIES,
    SHELTER_GEOMETRIES,
    RouteRow,
    geometry_type,
    read_area,
    read_route,
    read_shelter,
)
from gateway.places.files import read_features_file
from gateway.places.models import AreaLevel
from gateway.places.upserts import (
    AREAS,
    LINKED_ROUTES,
    SHELTERS,
    Counts,
    LinkedRoute,
    store_rows,
)

logger = logging.getLogger(__name__)

MAX_SHOWN_KEY = 60

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class Rejection:
    """A feature left out: its index in ``features``, its key if known, why."""

    index: int
    code: str
    reason: str
    key: str | None = None


@dataclass(slots=True)
class ImportReport:
    """What became of every feature: ``read`` is stored plus rejected."""

    read: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def count(self, kind: str) -> Counts:
        return self.counts.setdefault(kind, Counts())

    def reject(self, index: int, exc: PlacesError, key: str | None = None) -> None:
        self.rejections.append(Rejection(index, exc.code, exc.message, key))


def import_areas_file(
    sessions: sessionmaker[Session], path: Path, *, level: AreaLevel | None = None
) -> ImportReport:
    """Import the areas of a GeoJSON file; ``InvalidPlacesFile`` if unusable."""
    return import_areas(sessions, read_features_file(path), level=level)


def import_shelters_file(sessions: sessionmaker[Session], path: Path) -> ImportReport:
    """Import the shelters and routes of a GeoJSON file."""
    return import_shelters(sessions, read_features_file(path))


def import_areas(
    sessions: sessionmaker[Session],
    features: Sequence[Any],
    *,
    level: AreaLevel | None = None,
) -> ImportReport:
    """Check ``features`` as areas and store the accepted ones.

    ``level`` is the level of every area: features without one get it, and a
    feature naming another is rejected.
    """
    report = ImportReport(read=len(features))
    rows = _accepted(
        report,
        list(enumerate(features)),
        lambda feature: read_area(feature, level=level),
        AREAS.key,
        "area",
    )
    with _storing(sessions) as session:
        store_rows(session, report.count("areas"), [row for _, row in rows], AREAS)
    _log("areas", report)
    return report


def import_shelters(
    sessions: sessionmaker[Session], features: Sequence[Any]
) -> ImportReport:
    """Check ``features``: Points are shelters, lines are evacuation routes."""
    report = ImportReport(read=len(features))
    shelter_features, route_features = _split_by_kind(report, features)
    shelters = _accepted(
        report, shelter_features, read_shelter, SHELTERS.key, "shelter"
    )
    routes = _accepted(report, route_features, read_route, _route_key, "route")

    with _storing(sessions) as session:
        shelter_rows = [row for _, row in shelters]
        store_rows(session, report.count("shelters"), shelter_rows, SHELTERS)
        linked = _link_routes(session, report, routes)
        store_rows(session, report.count("routes"), linked, LINKED_ROUTES)
    report.rejections.sort(key=lambda rejection: rejection.index)
    _log("shelters and routes", report)
    return report


def _split_by_kind(
    report: ImportReport, features: Sequence[Any]
) -> tuple[list[tuple[int, Any]], list[tuple[int, Any]]]:
    """Lines are routes; Points, and features whose geometry says nothing, shelters."""
    shelters: list[tuple[int, Any]] = []
    routes: list[tuple[int, Any]] = []
    for index, feature in enumerate(features):
        kind = geometry_type(feature)
        if kind in ROUTE_GEOMETRIES:
            routes.append((index, feature))
        elif kind in SHELTER_GEOMETRIES or kind is None:
            shelters.append((index, feature))
        else:
            report.reject(
                index,
                InvalidFeature(
                    f"The geometry is a {kind[:40]}; a shelters file holds Point "
                    "features (shelters) and LineString or MultiLineString "
                    "features (evacuation routes). Import areas with "
                    "'kentongan areas import'.",
                    code="wrong-geometry-type",
                ),
                _claimed_key(feature),
            )
    return shelters, routes


def _accepted(
    report: ImportReport,
    features: list[tuple[int, Any]],
    read: Callable[[Any], Row],
    key_of: Callable[[Row], str],
    what: str,
) -> list[tuple[int, Row]]:
    """The features ``read`` accepts with their indexes, each key once (the first)."""
    rows: list[tuple[int, Row]] = []
    first: dict[str, int] = {}
    for index, feature in features:
        try:
            row = read(feature)
        except InvalidFeature as exc:
            report.reject(index, exc, _claimed_key(feature))
            continue
        key = key_of(row)
        if key in first:
            report.reject(index, _duplicate(what, key, first[key]), key)
            continue
        first[key] = index
        rows.append((index, row))
    return rows


def _link_routes(
    session: Session, report: ImportReport, routes: list[tuple[int, RouteRow]]
) -> list[LinkedRoute]:
    """Each route with its shelter's id; one naming an unknown shelter is rejected."""
    wanted = sorted({row.shelter for _, row in routes if row.shelter is not None})
    ids = {
        key: shelter.id for key, shelter in SHELTERS.existing(session, wanted).items()
    }
    linked = []
    for index, row in routes:
        if row.shelter is not None and row.shelter not in ids:
            report.reject(index, _unknown_shelter(row.shelter), row.external_id)
            continue
        linked.append(LinkedRoute(row, ids.get(row.shelter or "")))
    return linked


@contextmanager
def _storing(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction; a key taken meanwhile by another import is a refusal."""
    try:
        with transaction(sessions) as session:
            yield session
    except IntegrityError as exc:
        raise PlacesError(
            "Another import stored some of the same places at the same time; "
            "run this import again.",
            code="concurrent-import",
        ) from exc


def _route_key(row: RouteRow) -> str:
    return row.external_id


def _duplicate(what: str, key: str, first: int) -> InvalidFeature:
    return InvalidFeature(
        f"Feature {first} of this file already gives the {what} {key}; give each "
        f"{what} once, or change this one's "
        f"{'code' if what == 'area' else 'id'}.",
        code="duplicate-key",
    )


def _unknown_shelter(shelter: str) -> InvalidFeature:
    return InvalidFeature(
        f'The route leads to shelter "{shelter}", which is neither stored nor an '
        "accepted shelter of this file; import that shelter first, or correct "
        'the route\'s "shelter".',
        code="unknown-shelter",
    )


def _claimed_key(feature: Any) -> str | None:
    """The code or id a feature gives, for the report, if it is plain text."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(properties, dict):
        return None
    for name in ("code", "id"):
        value = properties.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value) if abs(value) < 10**20 else None
        if isinstance(value, str) and value.isprintable() and value.strip():
            return value.strip()[:MAX_SHOWN_KEY]
    return None


def _log(kind: str, report: ImportReport) -> None:
    for name, counts in report.counts.items():
        logger.info(
            "places imported kind=%s added=%d updated=%d unchanged=%d",
            name,
            counts.added,
            counts.updated,
            counts.unchanged,
        )
    logger.info(
        "places file imported contents=%s read=%d rejected=%d",
        kind,
        report.read,
        report.rejected,
    )
