"""Who a published alert reaches, and which of its info blocks each one gets.

A subscriber is reached by an info block when their point lies inside or on
the edge of one of its polygons or circles, or when one of their area codes
equals the value of one of its geocodes (the valueName is not compared).
Circles use the haversine distance on a sphere of the WGS 84 mean radius,
within about 0.5 % of the ellipsoid distance. Of the blocks that reach them a
subscriber gets the one in their language (the exact tag, then the same
primary language), else the office's default language, else the first.

Only Public Actual, Exercise and Test alerts of type Alert, Update or Cancel
reach anyone. Exercise and Test alerts reach only members of the drill groups
named by the ``drillGroup`` parameter of any info block (space-separated
names); without one they reach nobody. ``<addresses>`` is not used: CAP gives
it to Private alerts. Opted-out and unverified subscribers are never reached.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.cap.model import Alert, Area, Circle, Info, MsgType, Polygon, Scope, Status
from gateway.geodesy import KM_PER_DEGREE, haversine_km, wrap_degrees
from gateway.residents.models import Subscriber, SubscriberTag, TagKind

logger = logging.getLogger(__name__)

DRILL_GROUP_PARAMETER = "drillGroup"
DRILL_STATUSES = {Status.EXERCISE, Status.TEST}
TARGETED_STATUSES = {Status.ACTUAL, *DRILL_STATUSES}
TARGETED_TYPES = {MsgType.ALERT, MsgType.UPDATE, MsgType.CANCEL}
MAX_INFOS = 62

Mask = NDArray[np.bool_]
Floats = NDArray[np.float64]
Ids = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Population:
    """Eligible subscribers as parallel arrays, ordered by id.

    ``lats``/``lons`` are NaN for a subscriber without a point; ``language``
    indexes ``languages`` (``""`` for none given).
    """

    ids: Ids
    lats: Floats
    lons: Floats
    language: NDArray[np.intp]
    languages: tuple[str, ...]

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> Population:
        """From (id, lat, lon, language) rows; lat and lon may be None."""
        ids = np.fromiter((row[0] for row in rows), np.int64, len(rows))
        lats = np.fromiter((_nan(row[1]) for row in rows), np.float64, len(rows))
        lons = np.fromiter((_nan(row[2]) for row in rows), np.float64, len(rows))
        tags = np.array([row[3] or "" for row in rows], dtype=object)
        languages, language = np.unique(tags, return_inverse=True)
        return cls(ids, lats, lons, language, tuple(str(tag) for tag in languages))


@dataclass(frozen=True, slots=True)
class Selection:
    """The subscribers an alert reaches and, for each, the index of its info."""

    subscriber_ids: Ids
    info_indexes: NDArray[np.intp]

    def __len__(self) -> int:
        return len(self.subscriber_ids)

    def as_dict(self) -> dict[int, int]:
        return dict(
            zip(self.subscriber_ids.tolist(), self.info_indexes.tolist(), strict=True)
        )


def target_alert(session: Session, alert: Alert, *, default_language: str) -> Selection:
    """The subscribers ``alert`` reaches, read from the database once."""
    if not is_targeted(alert):
        return _nobody()
    groups = drill_groups(alert)
    if alert.status in DRILL_STATUSES and not groups:
        logger.info("drill names no drill group identifier=%s", alert.identifier)
        return _nobody()

    population = load_population(
        session, groups if alert.status in DRILL_STATUSES else None
    )
    coded = [_coded_subscribers(session, info) for info in alert.infos]
    selection = select_targets(population, alert, coded, default_language)
    logger.info(
        "alert targeted identifier=%s status=%s subscribers=%d",
        alert.identifier,
        alert.status,
        len(selection),
    )
    return selection


def is_targeted(alert: Alert) -> bool:
    """Whether ``alert`` is a public message meant to reach residents at all."""
    return (
        alert.scope is Scope.PUBLIC
        and alert.status in TARGETED_STATUSES
        and alert.msg_type in TARGETED_TYPES
    )


def drill_groups(alert: Alert) -> set[str]:
    """The drill groups named by the ``drillGroup`` parameters of ``alert``."""
    return {
        name
        for info in alert.infos
        for parameter in info.parameters
        if parameter.value_name == DRILL_GROUP_PARAMETER
        for name in parameter.value.split()
    }


def load_population(session: Session, groups: set[str] | None) -> Population:
    """Subscribers who may be reached; only members of ``groups`` when given."""
    query = select(
        Subscriber.id, Subscriber.lat, Subscriber.lon, Subscriber.language
    ).where(Subscriber.opted_out_at.is_(None), Subscriber.verified.is_(True))
    if groups is not None:
        members = select(SubscriberTag.subscriber_id).where(
            SubscriberTag.kind == TagKind.GROUP, SubscriberTag.value.in_(groups)
        )
        query = query.where(Subscriber.id.in_(members))
    # Known gap: reading a million rows through the driver takes seconds (the
    # geometry afterwards takes tens of milliseconds) — it bites a city-wide
    # alert; a per-process cache of the arrays, refreshed on change, would fix it.
    rows = session.connection().execute(query.order_by(Subscriber.id)).all()
    return Population.from_rows(rows)


def select_targets(
    population: Population,
    alert: Alert,
    coded: list[Ids],
    default_language: str,
) -> Selection:
    """Who of ``population`` the infos reach; ``coded[i]`` matched info i's codes.

    Infos with the same areas (one per language, usually) are located once.
    """
    # Known gap: infos past the 62nd are ignored (one bit each in an int64) —
    # bites only a message with more info blocks than any real alert carries.
    reached = np.zeros(len(population.ids), dtype=np.int64)
    located: dict[tuple[Area, ...], Mask] = {}
    for index, info in enumerate(alert.infos[:MAX_INFOS]):
        if info.areas not in located:
            located[info.areas] = points_inside_info(
                info, population.lats, population.lons
            )
        inside = located[info.areas].copy()
        if len(coded[index]):
            inside |= np.isin(population.ids, coded[index])
        reached |= inside.astype(np.int64) << index

    hit = np.flatnonzero(reached)
    combos = reached[hit] * len(population.languages) + population.language[hit]
    unique, inverse = np.unique(combos, return_inverse=True)
    choices = np.array(
        [
            choose_info(
                alert.infos,
                int(combo) // len(population.languages),
                population.languages[int(combo) % len(population.languages)],
                default_language,
            )
            for combo in unique
        ],
        dtype=np.intp,
    )
    return Selection(population.ids[hit], choices[inverse].reshape(-1))


def choose_info(
    infos: tuple[Info, ...], reached: int, language: str, default_language: str
) -> int:
    """The index of the info for a reader of ``language``; ``reached`` is a bitmask."""
    candidates = [index for index in range(len(infos)) if reached >> index & 1]
    for wanted in (language, default_language):
        if not wanted:
            continue
        for same in (_same_tag, _same_primary):
            for index in candidates:
                if same(infos[index].effective_language, wanted):
                    return index
    return candidates[0]


def points_inside_info(info: Info, lats: Floats, lons: Floats) -> Mask:
    inside = np.zeros(len(lats), dtype=np.bool_)
    for area in info.areas:
        inside |= points_inside_area(area, lats, lons)
    return inside


def points_inside_area(area: Area, lats: Floats, lons: Floats) -> Mask:
    """Which points lie inside or on any polygon or circle of ``area``."""
    inside = np.zeros(len(lats), dtype=np.bool_)
    for polygon in area.polygons:
        inside |= points_in_polygon(polygon, lats, lons)
    for circle in area.circles:
        inside |= points_in_circle(circle, lats, lons)
    return inside


def points_in_polygon(polygon: Polygon, lats: Floats, lons: Floats) -> Mask:
    """Inside or on the ring; the bounding box is checked first, cheaply."""
    # Known gap: a polygon crossing the antimeridian (±180°) is read as the
    # shape going the long way round — it bites only in the Pacific.
    shape = shapely.Polygon([(point.lon, point.lat) for point in polygon.points])
    shapely.prepare(shape)
    west, south, east, north = shape.bounds
    near = np.flatnonzero(
        (lats >= south) & (lats <= north) & (lons >= west) & (lons <= east)
    )
    inside = np.zeros(len(lats), dtype=np.bool_)
    inside[near] = shapely.intersects_xy(shape, lons[near], lats[near])
    return inside


def points_in_circle(circle: Circle, lats: Floats, lons: Floats) -> Mask:
    """Within ``radius_km`` by the haversine distance; a box is checked first."""
    centre_lat, centre_lon = circle.center
    reach = circle.radius_km / KM_PER_DEGREE
    east_west = wrap_degrees(lons - centre_lon)
    shrink = np.cos(np.radians(min(abs(centre_lat) + reach, 90.0)))
    box = np.abs(lats - centre_lat) <= reach
    if shrink > 1e-9:
        box &= np.abs(east_west) <= reach / shrink
    near = np.flatnonzero(box)

    inside = np.zeros(len(lats), dtype=np.bool_)
    inside[near] = haversine_km(centre_lat, centre_lon, lats[near], lons[near]) <= (
        circle.radius_km
    )
    return inside


def _coded_subscribers(session: Session, info: Info) -> Ids:
    codes = {geocode.value for area in info.areas for geocode in area.geocodes}
    if not codes:
        return np.zeros(0, dtype=np.int64)
    found = session.scalars(
        select(SubscriberTag.subscriber_id).where(
            SubscriberTag.kind == TagKind.AREA, SubscriberTag.value.in_(codes)
        )
    )
    return np.fromiter(found, np.int64)


def _same_tag(tag: str, wanted: str) -> bool:
    return tag.lower() == wanted.lower()


def _same_primary(tag: str, wanted: str) -> bool:
    return tag.lower().split("-")[0] == wanted.lower().split("-")[0]


def _nan(value: float | None) -> float:
    return np.nan if value is None else value


def _nobody() -> Selection:
    return Selection(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp))
