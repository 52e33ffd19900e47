"""CAP 1.2 rules for an area: polygon, circle, altitude and ceiling.

Coordinates are WGS 84 ``latitude,longitude`` pairs of plain decimals (no
exponent, no NaN). Points are compared as decimals, so ``1.0,2`` closes a ring
opened by ``1,2.00``. One problem per polygon is reported for bad points, so a
ring written longitude-first does not flood the list.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from gateway.cap.coordinates import is_in_range as is_fast_in_range
from gateway.cap.coordinates import read_polygon_points
from gateway.cap.problems import Problem
from gateway.cap.rules_tree import child, children, error_at, shown, text_of

PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
MIN_POLYGON_POINTS = 4
LATITUDE_LIMIT = Decimal(90)
LONGITUDE_LIMIT = Decimal(180)
PAIR_EXAMPLE = "-0.95,100.35"

Point = tuple[Decimal, Decimal]


def area_problems(area: Any) -> list[Problem]:
    """Check one area block."""
    problems: list[Problem] = []
    for polygon in children(area, "polygon"):
        problems += _polygon_problems(polygon)
    for circle in children(area, "circle"):
        problems += _circle_problems(circle)
    problems += _altitude_problems(area)
    return problems


def read_point(text: str) -> Point | None:
    """A ``lat,lon`` pair of plain decimals, or None if it is not one."""
    parts = text.split(",")
    if len(parts) != 2 or not all(PLAIN_DECIMAL.fullmatch(part) for part in parts):
        return None
    return Decimal(parts[0]), Decimal(parts[1])


def is_in_range(point: Point) -> bool:
    lat, lon = point
    return abs(lat) <= LATITUDE_LIMIT and abs(lon) <= LONGITUDE_LIMIT


def _polygon_problems(polygon: Any) -> list[Problem]:
    text = text_of(polygon)
    if _is_clean_polygon(text):
        return []

    pairs = text.split()
    points = [read_point(pair) for pair in pairs]
    bad = [index for index, point in enumerate(points, start=1) if point is None]
    problems = []
    if bad:
        problems.append(
            error_at(
                polygon,
                "coordinate-format",
                f"Polygon point {_describe_points(bad, pairs)} is not a "
                f"latitude,longitude pair of plain decimals such as {PAIR_EXAMPLE}; "
                "separate pairs by spaces and put no space after the comma.",
            )
        )
    problems += _range_problems(polygon, "Polygon point", points, pairs)

    if len(pairs) < MIN_POLYGON_POINTS:
        problems.append(
            error_at(
                polygon,
                "polygon-too-few-points",
                f"The polygon has {len(pairs)} points; CAP 1.2 needs at least "
                f"{MIN_POLYGON_POINTS}, the last repeating the first.",
            )
        )
    elif points[0] is not None and points[-1] is not None and points[0] != points[-1]:
        problems.append(
            error_at(
                polygon,
                "polygon-not-closed",
                f"The polygon starts at {shown(pairs[0])} but ends at "
                f"{shown(pairs[-1])}; repeat the first point at the end to close it.",
            )
        )
    return problems


def _is_clean_polygon(text: str) -> bool:
    """The common case, checked fast: enough points, in range, closed as written.

    Anything else goes through the detailed checks, which say what is wrong.
    """
    pairs = text.split()
    if len(pairs) < MIN_POLYGON_POINTS or pairs[0] != pairs[-1]:
        return False
    points = read_polygon_points(text)
    return points is not None and all(map(is_fast_in_range, points))


def _circle_problems(circle: Any) -> list[Problem]:
    text = text_of(circle)
    parts = text.split()
    centre = read_point(parts[0]) if len(parts) == 2 else None
    if centre is None or not PLAIN_DECIMAL.fullmatch(parts[1]):
        return [
            error_at(
                circle,
                "circle-format",
                f"The circle {shown(text)} is not a centre and radius; write "
                f"latitude,longitude, a space and the radius in km, such as "
                f"{PAIR_EXAMPLE} 10.",
            )
        ]

    problems = _range_problems(circle, "Circle centre", [centre], parts[:1])
    if Decimal(parts[1]) < 0:
        problems.append(
            error_at(
                circle,
                "circle-radius-negative",
                f"The circle radius {parts[1]} is negative; give the radius in "
                "kilometres, 0 or more.",
            )
        )
    return problems


def _range_problems(
    element: Any, what: str, points: list[Point | None], texts: list[str]
) -> list[Problem]:
    outside = [
        index
        for index, point in enumerate(points, start=1)
        if point is not None and not is_in_range(point)
    ]
    if not outside:
        return []
    label = f"{what} {_describe_points(outside, texts)}" if len(texts) > 1 else what
    return [
        error_at(
            element,
            "coordinate-out-of-range",
            f"{label} is outside latitude -90..90 or longitude -180..180; write "
            f"latitude first, as in {PAIR_EXAMPLE}.",
        )
    ]


def _describe_points(indexes: list[int], texts: list[str]) -> str:
    first = indexes[0]
    described = f"{first} {shown(texts[first - 1])}"
    if len(indexes) > 1:
        described += f" (and {len(indexes) - 1} more)"
    return described


def _altitude_problems(area: Any) -> list[Problem]:
    ceiling = child(area, "ceiling")
    if ceiling is None:
        return []
    altitude = child(area, "altitude")
    if altitude is None:
        return [
            error_at(
                ceiling,
                "ceiling-without-altitude",
                "A ceiling is given without an altitude; add the altitude of the "
                "lower limit, or remove the ceiling.",
            )
        ]

    low, high = text_of(altitude), text_of(ceiling)
    if not (PLAIN_DECIMAL.fullmatch(low) and PLAIN_DECIMAL.fullmatch(high)):
        return []
    if Decimal(high) >= Decimal(low):
        return []
    return [
        error_at(
            ceiling,
            "ceiling-below-altitude",
            f"The ceiling {high} ft is below the altitude {low} ft; the ceiling "
            "is the upper limit, so make it at least the altitude.",
        )
    ]
