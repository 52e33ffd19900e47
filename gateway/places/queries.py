"""Questions asked of the places library: areas for pick lists and geocodes,
an area's CAP polygons, and the shelters and evacuation routes of an alert's
areas.

An alert's area is read as CAP has it: its polygons and circles, and each
geocode resolved through the areas table by its value. As in targeting the
valueName does not have to match; it only picks among areas of several
schemes that share the code. Unknown codes add nothing, and are listed in the
``Region``. Distances follow ``gateway.places.distances``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from gateway.cap.model import Area as CapArea
from gateway.cap.model import Circle, NamedValue, Point
from gateway.cap.reader import parse_circle, parse_polygon
from gateway.geodesy import haversine_km
from gateway.places.cap_polygons import (
    DEFAULT_MAX_POINTS,
    cap_polygon_text,
    polygon_shape,
)
from gateway.places.distances import (
    Floats,
    LocalPlane,
    degrees_for_km,
    distances_to_shape_km,
)
from gateway.places.errors import InvalidTarget
from gateway.places.geometry import shape_from_text
from gateway.places.models import (
    DEFAULT_SCHEME,
    Area,
    AreaLevel,
    EvacuationRoute,
    Shelter,
)

logger = logging.getLogger(__name__)

# Points on a shape's edge come out a hair above 0 after projection.
ON_EDGE_KM = 1e-9

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Region:
    """The places an alert's areas name: shapes in lon/lat, and circles."""

    shapes: tuple[BaseGeometry, ...]
    circles: tuple[Circle, ...]
    unknown_codes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.shapes and not self.circles

    def boxes(self, margin_km: float = 0.0) -> list[Box]:
        """(south, west, north, east) of each part, widened by ``margin_km``."""
        boxes = []
        for shape in self.shapes:
            west, south, east, north = shape.bounds
            lat_pad, lon_pad = degrees_for_km(margin_km, max(abs(south), abs(north)))
            boxes.append(
                (south - lat_pad, west - lon_pad, north + lat_pad, east + lon_pad)
            )
        for circle in self.circles:
            lat, lon = circle.center
            lat_pad, lon_pad = degrees_for_km(circle.radius_km + margin_km, lat)
            boxes.append((lat - lat_pad, lon - lon_pad, lat + lat_pad, lon + lon_pad))
        return boxes

    def distances_km(self, lats: Floats, lons: Floats) -> Floats:
        """How far each point is from the region; 0 inside or on an edge."""
        nearest = np.full(len(lats), np.inf)
        for shape in self.shapes:
            nearest = np.minimum(nearest, distances_to_shape_km(shape, lats, lons))
        for circle in self.circles:
            lat, lon = circle.center
            beyond = haversine_km(lat, lon, lats, lons) - circle.radius_km
            nearest = np.minimum(nearest, np.maximum(beyond, 0.0))
        nearest[nearest <= ON_EDGE_KM] = 0.0
        return nearest


@dataclass(frozen=True, slots=True)
class ShelterMatch:
    """A shelter found for a region.

    ``distance_km`` is from the origin given, else equal to
    ``area_distance_km``, the distance from the region (0 inside it).
    """

    shelter: Shelter
    distance_km: float
    area_distance_km: float

    @property
    def is_inside(self) -> bool:
        return self.area_distance_km == 0.0


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A route found for a region, and why."""

    route: EvacuationRoute
    leads_to_shelter: bool
    crosses_area: bool


def area_by_code(
    session: Session, code: str, *, scheme: str = DEFAULT_SCHEME
) -> Area | None:
    return session.scalar(select(Area).where(Area.scheme == scheme, Area.code == code))


def enclosing_codes(area: Area, session: Session) -> tuple[str, ...]:
    """``area``'s code, then the codes of the areas it lies in, up to the
    largest: a subscriber of a village is reached by an alert for its district
    or city as well."""
    codes = [area.code]
    while area.parent_code and area.parent_code not in codes:
        parent = area_by_code(session, area.parent_code, scheme=area.scheme)
        if parent is None:
            break
        area = parent
        codes.append(area.code)
    return tuple(codes)


def areas_by_codes(
    session: Session, codes: Iterable[str], *, scheme: str = DEFAULT_SCHEME
) -> list[Area]:
    """The areas of ``codes`` in the order given, each once; unknown ones left out."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    found = session.scalars(
        select(Area).where(Area.scheme == scheme, Area.code.in_(wanted))
    )
    by_code = {area.code: area for area in found}
    return [by_code[code] for code in wanted if code in by_code]


def areas_of_level(
    session: Session, level: AreaLevel, *, scheme: str | None = None
) -> list[Area]:
    """Every area of ``level`` by name, for a pick list."""
    query = select(Area).where(Area.level == str(level))
    if scheme is not None:
        query = query.where(Area.scheme == scheme)
    return list(session.scalars(query.order_by(Area.name, Area.code, Area.scheme)))


def all_areas(session: Session) -> list[Area]:
    """Every area by code, so each one follows the area it lies in."""
    return list(session.scalars(select(Area).order_by(Area.code, Area.scheme)))


def areas_for_geocodes(session: Session, geocodes: Iterable[NamedValue]) -> list[Area]:
    """The areas CAP geocodes name, matched on value (see the module docstring)."""
    wanted = {geocode.value: geocode.value_name for geocode in geocodes}
    if not wanted:
        return []
    candidates: dict[str, list[Area]] = {}
    for area in session.scalars(
        select(Area).where(Area.code.in_(wanted)).order_by(Area.code, Area.scheme)
    ):
        candidates.setdefault(area.code, []).append(area)

    chosen: list[Area] = []
    for code, areas in candidates.items():
        same = [area for area in areas if area.scheme.lower() == wanted[code].lower()]
        chosen += same or areas
    return chosen


def area_shape(area: Area) -> BaseGeometry:
    """The area's Polygon or MultiPolygon, longitude first."""
    return shape_from_text(area.geometry)


def area_cap_polygons(area: Area, *, max_points: int = DEFAULT_MAX_POINTS) -> list[str]:
    """The area's outer ring(s) as CAP polygon texts, largest part first.

    Holes are left out (CAP polygons have none), so an enclave counts as part
    of the area; see ``gateway.places.cap_polygons`` for the simplification.
    """
    shape = area_shape(area)
    parts = list(getattr(shape, "geoms", [shape]))
    parts.sort(key=lambda part: -part.area)
    return [cap_polygon_text(part, max_points=max_points) for part in parts]


def route_shape(route: EvacuationRoute) -> BaseGeometry:
    """The route's LineString or MultiLineString, longitude first."""
    return shape_from_text(route.geometry)


def target_area(
    *,
    polygons: Iterable[str] = (),
    circles: Iterable[str] = (),
    geocodes: Iterable[str] = (),
    scheme: str = DEFAULT_SCHEME,
    description: str = "",
) -> CapArea:
    """A CAP area from CAP texts: ``"lat,lon lat,lon …"`` polygons, ``"lat,lon
    radius_km"`` circles and geocode values; ``InvalidTarget`` if one is bad."""
    try:
        read_polygons = tuple(parse_polygon(text) for text in polygons)
        read_circles = tuple(parse_circle(text) for text in circles)
    except ValueError as exc:
        raise InvalidTarget(
            f"A polygon or circle cannot be read: {exc}; write polygons as "
            "'lat,lon lat,lon …' and circles as 'lat,lon radius_km'.",
            code="invalid-target",
        ) from exc
    return CapArea(
        description,
        polygons=read_polygons,
        circles=read_circles,
        geocodes=tuple(NamedValue(scheme, code) for code in geocodes),
    )


def resolve_region(session: Session, areas: Sequence[CapArea]) -> Region:
    """The shapes and circles of CAP ``areas``, geocodes looked up."""
    shapes = [polygon_shape(polygon) for area in areas for polygon in area.polygons]
    circles = tuple(circle for area in areas for circle in area.circles)
    for circle in circles:
        _check_circle(circle)
    geocodes = [geocode for area in areas for geocode in area.geocodes]
    found = areas_for_geocodes(session, geocodes)
    shapes += [area_shape(area) for area in found]
    known = {area.code for area in found}
    unknown = tuple(sorted({g.value for g in geocodes} - known))
    return Region(tuple(shapes), circles, unknown)


def shelters_near(
    session: Session,
    areas: Sequence[CapArea],
    *,
    within_km: float = 0.0,
    origin: Point | None = None,
    limit: int | None = None,
) -> list[ShelterMatch]:
    """Shelters inside the areas or within ``within_km`` of them, nearest first.

    Nearest to ``origin`` when it is given (a resident's position), else to
    the areas; ties are broken by name and id.
    """
    if not (math.isfinite(within_km) and within_km >= 0):
        raise InvalidTarget(
            f"The distance {within_km} km is not a number of kilometres, 0 or more.",
            code="invalid-distance",
        )
    region = resolve_region(session, areas)
    if region.is_empty:
        return []

    boxes = region.boxes(within_km)
    shelters = list(session.scalars(select(Shelter).where(_shelter_in_boxes(boxes))))
    lats = np.array([shelter.lat for shelter in shelters], dtype=np.float64)
    lons = np.array([shelter.lon for shelter in shelters], dtype=np.float64)
    from_area = region.distances_km(lats, lons)
    near = from_area <= within_km
    distance = from_area if origin is None else haversine_km(*origin, lats, lons)

    matches = [
        ShelterMatch(shelter, float(distance[index]), float(from_area[index]))
        for index, shelter in enumerate(shelters)
        if near[index]
    ]
    matches.sort(key=lambda m: (m.distance_km, m.shelter.name, m.shelter.external_id))
    logger.debug(
        "shelters found candidates=%d near=%d within_km=%g",
        len(shelters),
        len(matches),
        within_km,
    )
    return matches[:limit]


def routes_for(
    session: Session,
    areas: Sequence[CapArea],
    *,
    shelters: Iterable[Shelter] = (),
) -> list[RouteMatch]:
    """Routes that lead to one of ``shelters`` or cross the areas, by name."""
    shelter_ids = {shelter.id for shelter in shelters}
    region = resolve_region(session, areas)
    leads = EvacuationRoute.shelter_id.in_(shelter_ids) if shelter_ids else false()
    query = select(EvacuationRoute).where(or_(leads, _route_in_boxes(region.boxes())))
    routes = list(session.scalars(query))
    if not routes:
        return []

    crossing = _crossing(region, [route_shape(route) for route in routes])
    matches = [
        RouteMatch(route, route.shelter_id in shelter_ids, bool(crossing[index]))
        for index, route in enumerate(routes)
        if crossing[index] or route.shelter_id in shelter_ids
    ]
    matches.sort(key=lambda m: (m.route.name, m.route.external_id))
    return matches


def _crossing(region: Region, lines: list[BaseGeometry]) -> NDArray[np.bool_]:
    """Which of ``lines`` touch a shape or circle of the region."""
    shapes = np.array(lines, dtype=object)
    hit = np.zeros(len(lines), dtype=np.bool_)
    for shape in region.shapes:
        shapely.prepare(shape)
        hit |= shapely.intersects(shape, shapes)
    for circle in region.circles:
        projected = LocalPlane(*circle.center).project_shapes(shapes)
        hit |= shapely.distance(shapely.Point(0, 0), projected) <= circle.radius_km
    return hit


def _shelter_in_boxes(boxes: list[Box]) -> ColumnElement[bool]:
    # Known gap: a box crossing the antimeridian (±180°) finds nothing on its
    # far side — it bites only in the Pacific.
    return or_(
        false(),
        *(
            and_(Shelter.lat.between(south, north), Shelter.lon.between(west, east))
            for south, west, north, east in boxes
        ),
    )


def _route_in_boxes(boxes: list[Box]) -> ColumnElement[bool]:
    return or_(
        false(),
        *(
            and_(
                EvacuationRoute.min_lat <= north,
                EvacuationRoute.max_lat >= south,
                EvacuationRoute.min_lon <= east,
                EvacuationRoute.max_lon >= west,
            )
            for south, west, north, east in boxes
        ),
    )


def _check_circle(circle: Circle) -> None:
    lat, lon = circle.center
    if not (abs(lat) <= 90 and abs(lon) <= 180 and 0 <= circle.radius_km < 20_000):
        raise InvalidTarget(
            f"The circle {lat},{lon} {circle.radius_km} is outside latitude "
            "-90..90, longitude -180..180 or a radius of 0 to 20000 km.",
            code="invalid-target",
        )
