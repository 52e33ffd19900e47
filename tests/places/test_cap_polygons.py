"""An area's outer ring as a CAP polygon: latitude first, closed, bounded in
points, and accepted by the gateway's own CAP 1.2 validation."""

from __future__ import annotations

import json
import math
import re

import pytest
import shapely

from gateway.cap import validate, write
from gateway.cap.reader import parse_polygon
from gateway.places.cap_polygons import cap_polygon_text, polygon_shape
from gateway.places.errors import InvalidTarget
from gateway.places.models import Area
from gateway.places.queries import area_cap_polygons
from tests.cap.factories import make_alert, make_area, make_info

NUMBER = r"-?\d+(?:\.\d+)?"
CAP_POLYGON = re.compile(rf"{NUMBER},{NUMBER}(?: {NUMBER},{NUMBER})+")


def stored_area(geometry: dict[str, object]) -> Area:
    """An area row as the importer would have written it (never saved)."""
    return Area(code="1371099", geometry=json.dumps(geometry))


def disc(
    points: int, lat: float = -0.9, lon: float = 100.4, radius: float = 0.05
) -> shapely.Polygon:
    """A regular polygon of ``points`` corners on a circle (degrees)."""
    angles = [2 * math.pi * step / points for step in range(points)]
    ring = [(lon + radius * math.cos(a), lat + radius * math.sin(a)) for a in angles]
    return shapely.Polygon(ring)


def test_a_ring_is_written_latitude_first_and_closed() -> None:
    area = stored_area(
        {
            "type": "Polygon",
            "coordinates": [
                [[100.36, -0.84], [100.38, -0.84], [100.38, -0.82], [100.36, -0.84]]
            ],
        }
    )

    assert area_cap_polygons(area) == [
        "-0.84,100.36 -0.84,100.38 -0.82,100.38 -0.84,100.36"
    ]


def test_holes_are_left_out_and_parts_come_largest_first() -> None:
    outer = [[100.0, -1.0], [100.2, -1.0], [100.2, -0.8], [100.0, -0.8], [100.0, -1.0]]
    hole = [[100.05, -0.95], [100.1, -0.95], [100.1, -0.9], [100.05, -0.95]]
    island = [[99.0, -1.0], [99.01, -1.0], [99.01, -0.99], [99.0, -1.0]]
    area = stored_area(
        {"type": "MultiPolygon", "coordinates": [[island], [outer, hole]]}
    )

    big, small = area_cap_polygons(area)

    assert big == "-1,100 -1,100.2 -0.8,100.2 -0.8,100 -1,100"
    assert small == "-1,99 -1,99.01 -0.99,99.01 -1,99"


def test_coordinates_are_rounded_to_six_decimals() -> None:
    polygon = shapely.Polygon([(100.1234567, -0.9), (100.2, -0.9), (100.2, -0.8)])

    assert cap_polygon_text(polygon).startswith("-0.9,100.123457 ")


@pytest.mark.parametrize("max_points", [100, 20, 5])
def test_a_long_ring_is_simplified_within_the_bound_and_stays_close(
    max_points: int,
) -> None:
    original = disc(1000)

    text = cap_polygon_text(original, max_points=max_points)

    pairs = text.split()
    assert CAP_POLYGON.fullmatch(text)
    assert 4 <= len(pairs) <= max_points
    assert pairs[0] == pairs[-1]
    written = polygon_shape(parse_polygon(text))
    # A polygon of n points inscribed in the circle strays by r(1 - cos(pi / n)).
    assert (
        written.hausdorff_distance(original)
        < 0.05 * (1 - math.cos(math.pi / (max_points / 2))) + 1e-6
    )


def test_a_ring_that_cannot_be_simplified_enough_becomes_its_enclosing_rectangle() -> (
    None
):
    pentagon = disc(5, radius=1.0)

    text = cap_polygon_text(pentagon, max_points=5)

    written = polygon_shape(parse_polygon(text))
    assert len(text.split()) == 5
    assert written.buffer(1e-6).contains(pentagon)


def test_fewer_than_five_points_cannot_be_asked_for() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        cap_polygon_text(disc(10), max_points=4)


def test_a_polygon_below_the_precision_is_refused() -> None:
    tiny = shapely.Polygon([(100.0, -0.9), (100.0000001, -0.9), (100.0, -0.8999999)])

    with pytest.raises(InvalidTarget, match="too small"):
        cap_polygon_text(tiny)


def test_the_polygon_passes_the_gateways_cap_validation() -> None:
    text = cap_polygon_text(disc(500), max_points=100)
    area = make_area(polygons=(parse_polygon(text),), circles=(), geocodes=())

    problems = validate(write(make_alert(infos=(make_info(areas=(area,)),))))

    assert [p for p in problems if p.is_error] == []
