"""CAP polygons and shapely shapes, both ways.

CAP writes a polygon as ``lat,lon`` pairs (latitude first, unlike GeoJSON),
the last pair repeating the first, with no holes. A ring with more points
than a receiver takes (100 by default, the limit of several national alert
systems) is simplified with Douglas-Peucker (``shapely.simplify``, topology
kept) at the smallest tolerance of 0.00005° (about 5.5 m) times a power of
two that fits, so the edge moves by at most that tolerance. A ring that
still does not fit at 0.05° is replaced by its smallest enclosing rectangle,
which covers the whole area. Coordinates are rounded to 6 decimals (0.1 m).
"""

from __future__ import annotations

import logging

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gateway.cap.model import Polygon as CapPolygon
from gateway.places.errors import InvalidTarget

logger = logging.getLogger(__name__)

DEFAULT_MAX_POINTS = 100
# The enclosing rectangle of the last resort takes five points, closed.
MIN_MAX_POINTS = 5
MIN_DISTINCT_POINTS = 3
START_TOLERANCE = 0.00005
MAX_TOLERANCE = 0.05
DECIMALS = 6


def cap_polygon_text(
    polygon: shapely.Polygon, *, max_points: int = DEFAULT_MAX_POINTS
) -> str:
    """The outer ring of ``polygon`` (lon/lat) as CAP polygon text, closed."""
    if max_points < MIN_MAX_POINTS:
        raise ValueError(f"max_points must be at least {MIN_MAX_POINTS}")
    if polygon.is_empty:
        raise ValueError("an empty polygon has no CAP form")

    pairs: list[str] = []
    for lon, lat in _fitting_ring(shapely.Polygon(polygon.exterior), max_points):
        pair = f"{_decimal(lat)},{_decimal(lon)}"
        if not pairs or pairs[-1] != pair:
            pairs.append(pair)
    if len(pairs) < MIN_DISTINCT_POINTS + 1:
        raise InvalidTarget(
            f"The polygon is too small to write with {DECIMALS} decimals (about "
            "0.1 m); use a circle for it instead.",
            code="polygon-too-small",
        )
    return " ".join(pairs)


def polygon_shape(polygon: CapPolygon) -> BaseGeometry:
    """A CAP polygon as a shapely shape (lon/lat) to query with.

    A ring that crosses itself is made valid (``shapely.make_valid``), so each
    part it encloses counts as inside.
    """
    points = [(point.lon, point.lat) for point in polygon.points]
    if len(set(points)) < MIN_DISTINCT_POINTS:
        raise InvalidTarget(
            f"The polygon has {len(set(points))} distinct points; a CAP polygon "
            "needs at least 3, with the first repeated at the end.",
            code="invalid-target",
        )
    if any(abs(lat) > 90 or abs(lon) > 180 for lon, lat in points):
        raise InvalidTarget(
            "A polygon point is outside latitude -90..90 or longitude -180..180; "
            "CAP writes latitude first.",
            code="invalid-target",
        )
    shape = shapely.Polygon(points)
    return shape if shape.is_valid else shapely.make_valid(shape)


def _fitting_ring(outline: shapely.Polygon, max_points: int) -> NDArray[np.float64]:
    ring = shapely.get_coordinates(outline.exterior)
    tolerance, used = START_TOLERANCE, 0.0
    while len(ring) > max_points and tolerance <= MAX_TOLERANCE:
        simpler = shapely.simplify(outline, tolerance, preserve_topology=True)
        ring = shapely.get_coordinates(simpler.exterior)
        tolerance, used = tolerance * 2, tolerance
    if len(ring) > max_points:
        ring = shapely.get_coordinates(shapely.oriented_envelope(outline))
        used = float("inf")
    logger.debug("cap polygon points=%d tolerance_degrees=%g", len(ring), used)
    return ring


def _decimal(value: float) -> str:
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
