"""GeoJSON geometries of places: checked, brought to one canonical text, and
turned into shapely shapes.

A geometry is accepted as written or refused with the reason; nothing is
repaired, because a silently "fixed" boundary could leave out a street. The
canonical text keeps longitude and latitude of every position (an altitude
is dropped) in compact JSON, so the same file always gives the same text and
a re-import can tell "unchanged" from "changed".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from gateway.places.errors import InvalidFeature

MAX_POSITIONS = 100_000
LAT_LIMIT = 90.0
LON_LIMIT = 180.0
MIN_RING_POSITIONS = 4
MIN_LINE_POSITIONS = 2
FIX_HINT = (
    "fix it in a GIS tool (QGIS: Vector > Geometry Tools > Fix Geometries) and "
    "import the file again"
)
SHAPES = {
    "Point": "a [longitude, latitude] position",
    "LineString": "a list of [longitude, latitude] positions",
    "MultiLineString": "a list of lines, each a list of [longitude, latitude] "
    "positions",
    "Polygon": "a list of rings, each a list of [longitude, latitude] positions",
    "MultiPolygon": "a list of polygons, each a list of rings of [longitude, "
    "latitude] positions",
}

GEOS_REASON = re.compile(r"([A-Za-z -]+)\[(\S+) (\S+)\]")

Position = list[float]


@dataclass(frozen=True, slots=True)
class Geometry:
    """A checked geometry: its canonical GeoJSON text and its shapely shape."""

    kind: str
    text: str
    shape: BaseGeometry

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat)."""
        west, south, east, north = self.shape.bounds
        return (west, south, east, north)


def check_geometry(raw: Any, allowed: Collection[str]) -> Geometry:
    """The geometry ``raw`` describes if its type is one of ``allowed``."""
    kinds = " or ".join(allowed)
    if raw is None:
        raise InvalidFeature(
            f"The feature has no geometry; give it a {kinds}.", code="missing-geometry"
        )
    found = raw.get("type") if isinstance(raw, dict) else None
    if not isinstance(found, str) or found not in allowed:
        shown = f"'{found}'" if isinstance(found, str) else "no type"
        raise InvalidFeature(
            f"The geometry has {shown[:60]}; this file takes {kinds} geometries.",
            code="wrong-geometry-type",
        )

    kind = found
    reader = _Reader(kind)
    coordinates = reader.read(raw.get("coordinates"))
    shape = _build_shape(kind, coordinates)
    _refuse_unusable(kind, shape)
    text = json.dumps({"type": kind, "coordinates": coordinates}, separators=(",", ":"))
    return Geometry(kind, text, shape)


def shape_from_text(text: str) -> BaseGeometry:
    """The shapely shape of a stored canonical GeoJSON text."""
    document = json.loads(text)
    return _build_shape(document["type"], document["coordinates"])


class _Reader:
    """Walks the coordinates of one geometry, counting positions as it goes."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.positions = 0

    def read(self, raw: Any) -> Any:
        if self.kind == "Point":
            return self.position(raw, "the point")
        if self.kind == "LineString":
            return self.line(raw, "the line")
        if self.kind == "MultiLineString":
            return [
                self.line(part, f"line {index}")
                for index, part in enumerate(self.items(raw), start=1)
            ]
        if self.kind == "Polygon":
            return self.polygon(raw, "")
        return [
            self.polygon(part, f"polygon {index}, ")
            for index, part in enumerate(self.items(raw), start=1)
        ]

    def polygon(self, raw: Any, where: str) -> list[list[Position]]:
        if self.items(raw) == []:
            raise InvalidFeature(
                f"The {where.rstrip(', ') or 'polygon'} has no rings; give at "
                "least its outer ring.",
                code="empty-geometry",
            )
        rings = []
        for index, ring in enumerate(self.items(raw), start=1):
            name = "outer ring" if index == 1 else f"ring {index} (a hole)"
            rings.append(self.ring(ring, f"{where}{name}"))
        return rings

    def ring(self, raw: Any, where: str) -> list[Position]:
        positions = self.line(raw, where)
        if len(positions) < MIN_RING_POSITIONS:
            raise InvalidFeature(
                f"The {where} has {len(positions)} positions; a ring needs at "
                f"least {MIN_RING_POSITIONS}, the last repeating the first.",
                code="ring-too-short",
            )
        if positions[0] != positions[-1]:
            raise InvalidFeature(
                f"The {where} is not closed: it starts at {_shown(positions[0])} "
                f"but ends at {_shown(positions[-1])}; repeat the first position "
                "at the end.",
                code="ring-not-closed",
            )
        return positions

    def line(self, raw: Any, where: str) -> list[Position]:
        positions = [
            self.position(item, f"position {index} of {where}")
            for index, item in enumerate(self.items(raw), start=1)
        ]
        if self.kind in ("LineString", "MultiLineString") and (
            len(positions) < MIN_LINE_POSITIONS
        ):
            raise InvalidFeature(
                f"The {where} has {len(positions)} position(s); a line needs at "
                f"least {MIN_LINE_POSITIONS}.",
                code="line-too-short",
            )
        return positions

    def items(self, raw: Any) -> list[Any]:
        if not isinstance(raw, list):
            raise self.malformed()
        return raw

    def position(self, raw: Any, where: str) -> Position:
        self.positions += 1
        if self.positions > MAX_POSITIONS:
            raise InvalidFeature(
                f"The geometry has more than {MAX_POSITIONS} positions; simplify "
                "it (QGIS: Vector > Geometry Tools > Simplify) to a few metres.",
                code="too-many-positions",
            )
        if not isinstance(raw, list) or len(raw) not in (2, 3):
            raise self.malformed()
        if not all(_is_number(value) for value in raw):
            raise InvalidFeature(
                f"The {where} holds {_shown(raw)}; each position is two numbers, "
                "[longitude, latitude].",
                code="invalid-coordinates",
            )
        lon, lat = raw[0], raw[1]
        if abs(lon) > LON_LIMIT or abs(lat) > LAT_LIMIT:
            swapped = abs(lon) <= LAT_LIMIT < abs(lat) <= LON_LIMIT
            hint = " (GeoJSON writes longitude first)" if swapped else ""
            raise InvalidFeature(
                f"The {where} {_shown(raw)} is outside longitude -180..180 or "
                f"latitude -90..90{hint}.",
                code="coordinates-out-of-range",
            )
        return [float(lon), float(lat)]

    def malformed(self) -> InvalidFeature:
        return InvalidFeature(
            f"The {self.kind} coordinates must be {SHAPES[self.kind]}.",
            code="malformed-coordinates",
        )


def _build_shape(kind: str, coordinates: Any) -> BaseGeometry:
    if kind == "Point":
        return shapely.Point(coordinates)
    if kind == "LineString":
        return shapely.LineString(coordinates)
    if kind == "MultiLineString":
        return shapely.MultiLineString(coordinates)
    if kind == "Polygon":
        return _polygon(coordinates)
    return shapely.MultiPolygon([_polygon(part) for part in coordinates])


def _polygon(rings: list[list[Position]]) -> shapely.Polygon:
    if not rings:
        return shapely.Polygon()
    return shapely.Polygon(rings[0], rings[1:])


def _refuse_unusable(kind: str, shape: BaseGeometry) -> None:
    if shape.is_empty:
        raise InvalidFeature(
            f"The {kind} has no positions; give its coordinates.",
            code="empty-geometry",
        )
    if not shapely.is_valid(shape):
        raise InvalidFeature(
            f"The {kind} is not a valid shape: {_described(shape)}; {FIX_HINT}.",
            code="invalid-geometry",
        )


def _described(shape: BaseGeometry) -> str:
    """GEOS's reason, ``Self-intersection[100.5 -0.9]``, in a person's words."""
    reason = str(shapely.is_valid_reason(shape))
    found = GEOS_REASON.fullmatch(reason)
    if found is None:
        return reason[:120]
    what, lon, lat = found.groups()
    return f"{what.lower()} near longitude {lon}, latitude {lat}"


def _is_number(value: Any) -> bool:
    """A finite JSON number (true and false are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return "a value that is not JSON"
    return text if len(text) <= 60 else f"{text[:60]}…"
