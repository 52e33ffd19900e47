"""Queries of places on SQLite and PostgreSQL: areas by code and level, and the
shelters and routes of CAP polygons, circles and geocodes, with distances
checked against a haversine written apart from the gateway's."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gateway.cap.model import Area as CapArea
from gateway.cap.model import NamedValue, Point
from gateway.db import transaction
from gateway.places import queries
from gateway.places.errors import InvalidTarget
from gateway.places.importer import import_areas, import_shelters
from gateway.places.models import AreaLevel
from tests.places.factories import (
    DROP,
    area_feature,
    haversine_km,
    line,
    route_feature,
    shelter_feature,
    square,
)

SQUARE = "-0.84,100.36 -0.84,100.38 -0.82,100.38 -0.82,100.36 -0.84,100.36"
POSITIONS = {
    "IN": (-0.83, 100.37),
    "EDGE": (-0.83, 100.38),
    "EAST": (-0.83, 100.40),
    "NORTH": (-0.795, 100.37),
    "FAR": (-0.70, 100.37),
}
NAMES = {
    "IN": "A Shelter Dalam",
    "EDGE": "B Shelter Tepi",
    "EAST": "C Shelter Timur",
    "NORTH": "D Shelter Utara",
    "FAR": "E Shelter Jauh",
}
EAST_OF_EDGE_KM = haversine_km((-0.83, 100.38), POSITIONS["EAST"])
NORTH_OF_EDGE_KM = haversine_km((-0.82, 100.37), POSITIONS["NORTH"])


@pytest.fixture
def places(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The square as area 1371099 and five shelters in and around it."""
    areas = import_areas(
        sessions,
        [
            area_feature(square(-0.83, 100.37, 0.01), code="1371099"),
            area_feature(square(-0.5, 100.0), code="1371099", scheme="KEMENDAGRI"),
            area_feature(code="1371", name="Kota Uji", level="city"),
            area_feature(code="1371010", name="Kecamatan Zamrud"),
        ],
    )
    shelters = import_shelters(
        sessions,
        [
            shelter_feature(*position, id=key, name=NAMES[key])
            for key, position in POSITIONS.items()
        ]
        + [
            route_feature(
                line((-0.83, 100.35), (-0.83, 100.37)), id="R-IN", shelter=DROP
            ),
            route_feature(
                line((-0.70, 100.33), (-0.70, 100.37)), id="R-FAR", shelter="FAR"
            ),
            route_feature(
                line((-0.60, 100.30), (-0.60, 100.32)), id="R-NONE", shelter=DROP
            ),
            route_feature(
                line((-0.75, 100.44), (-0.75, 100.46)), id="R-CIRCLE", shelter=None
            ),
            route_feature(
                line((-0.7415, 100.455), (-0.7415, 100.47)),
                id="R-CORNER",
                shelter=DROP,
            ),
        ],
    )
    assert areas.rejections == shelters.rejections == []
    return sessions


def polygon_area() -> CapArea:
    return queries.target_area(polygons=[SQUARE])


def found(
    sessions: sessionmaker[Session],
    areas: list[CapArea],
    *,
    within_km: float = 0.0,
    origin: Point | None = None,
    limit: int | None = None,
) -> list[tuple[str, float, float]]:
    """(id, distance, distance from the areas) of each shelter found, in order."""
    with transaction(sessions) as session:
        matches = queries.shelters_near(
            session, areas, within_km=within_km, origin=origin, limit=limit
        )
    return [(m.shelter.external_id, m.distance_km, m.area_distance_km) for m in matches]


def test_shelters_inside_a_polygon_come_first_then_the_nearer_ones(
    places: sessionmaker[Session],
) -> None:
    result = found(places, [polygon_area()], within_km=3)

    assert [key for key, _, _ in result] == ["IN", "EDGE", "EAST", "NORTH"]
    assert [distance for _, distance, _ in result] == [
        0.0,
        0.0,
        pytest.approx(EAST_OF_EDGE_KM, rel=1e-3),
        pytest.approx(NORTH_OF_EDGE_KM, rel=1e-3),
    ]


def test_without_a_margin_only_shelters_inside_or_on_the_edge_are_found(
    places: sessionmaker[Session],
) -> None:
    assert [key for key, _, _ in found(places, [polygon_area()])] == ["IN", "EDGE"]


def test_distances_from_an_origin_order_the_shelters(
    places: sessionmaker[Session],
) -> None:
    origin = Point(*POSITIONS["EAST"])

    result = found(places, [polygon_area()], within_km=3, origin=origin)

    assert [key for key, _, _ in result] == ["EAST", "EDGE", "IN", "NORTH"]
    for key, distance, from_area in result:
        assert distance == pytest.approx(
            haversine_km(POSITIONS["EAST"], POSITIONS[key]), abs=1e-9
        )
        assert (from_area == 0.0) is (key in ("IN", "EDGE"))


def test_a_circle_finds_shelters_within_its_radius_and_margin(
    places: sessionmaker[Session],
) -> None:
    circle = queries.target_area(circles=["-0.83,100.37 2"])

    result = found(places, [circle], within_km=1.5)

    assert [key for key, _, _ in result] == ["IN", "EDGE", "EAST"]
    assert result[2][1] == pytest.approx(
        haversine_km(POSITIONS["IN"], POSITIONS["EAST"]) - 2, abs=1e-9
    )


def test_a_geocode_finds_the_same_shelters_as_its_polygon(
    places: sessionmaker[Session],
) -> None:
    by_code = queries.target_area(geocodes=["1371099"])

    by_polygon = found(places, [polygon_area()], within_km=3)

    assert found(places, [by_code], within_km=3) == [
        (key, pytest.approx(distance, abs=1e-6), pytest.approx(area, abs=1e-6))
        for key, distance, area in by_polygon
    ]


def test_the_value_name_picks_among_schemes_sharing_a_code(
    places: sessionmaker[Session],
) -> None:
    with transaction(places) as session:
        bps = queries.areas_for_geocodes(session, [NamedValue("bps", "1371099")])
        other = queries.areas_for_geocodes(session, [NamedValue("SAME", "1371099")])

    assert [area.scheme for area in bps] == ["BPS"]
    assert sorted(area.scheme for area in other) == ["BPS", "KEMENDAGRI"]


def test_unknown_geocodes_find_nothing_and_are_named(
    places: sessionmaker[Session],
) -> None:
    unknown = queries.target_area(geocodes=["9999"])

    with transaction(places) as session:
        region = queries.resolve_region(session, [unknown])

    assert region.unknown_codes == ("9999",)
    assert found(places, [unknown], within_km=50) == []


def test_a_limit_keeps_the_nearest(places: sessionmaker[Session]) -> None:
    result = found(places, [polygon_area()], within_km=3, limit=3)

    assert [key for key, _, _ in result] == ["IN", "EDGE", "EAST"]


@pytest.mark.parametrize(
    ("polygons", "circles"),
    [
        pytest.param(["-0.84,100.36 -0.84"], [], id="odd-polygon"),
        pytest.param([], ["-0.83,100.37"], id="circle-without-radius"),
        pytest.param(["-0.84,100.36 -0.84,100.36 -0.84,100.36"], [], id="one-point"),
        pytest.param([], ["-0.83,100.37 -2"], id="negative-radius"),
    ],
)
def test_unreadable_cap_areas_are_refused(
    places: sessionmaker[Session], polygons: list[str], circles: list[str]
) -> None:
    with pytest.raises(InvalidTarget), transaction(places) as session:
        queries.shelters_near(
            session, [queries.target_area(polygons=polygons, circles=circles)]
        )


@pytest.mark.parametrize("margin", [-1.0, math.nan, math.inf])
def test_a_margin_that_is_not_a_distance_is_refused(
    places: sessionmaker[Session], margin: float
) -> None:
    with pytest.raises(InvalidTarget, match="0 or more") as refused:
        found(places, [polygon_area()], within_km=margin)

    assert refused.value.code == "invalid-distance"


def routes(
    sessions: sessionmaker[Session], areas: list[CapArea], shelters: list[str]
) -> list[tuple[str, bool, bool]]:
    with transaction(sessions) as session:
        chosen = [
            m.shelter
            for m in queries.shelters_near(session, areas, within_km=50)
            if m.shelter.external_id in shelters
        ]
        matches = queries.routes_for(session, areas, shelters=chosen)
    return [(m.route.external_id, m.leads_to_shelter, m.crosses_area) for m in matches]


def test_routes_crossing_the_area_or_leading_to_its_shelters_are_found(
    places: sessionmaker[Session],
) -> None:
    assert routes(places, [polygon_area()], ["FAR"]) == [
        ("R-FAR", True, False),
        ("R-IN", False, True),
    ]


def test_routes_crossing_a_circle_are_found_and_those_beside_it_are_not(
    places: sessionmaker[Session],
) -> None:
    circle = queries.target_area(circles=["-0.75,100.45 1"])

    assert routes(places, [circle], []) == [("R-CIRCLE", False, True)]


def test_areas_are_found_by_code_in_the_order_asked(
    places: sessionmaker[Session],
) -> None:
    with transaction(places) as session:
        one = queries.area_by_code(session, "1371")
        other = queries.area_by_code(session, "1371099", scheme="KEMENDAGRI")
        several = queries.areas_by_codes(session, ["1371099", "0000", "1371", "1371"])
        missing = queries.area_by_code(session, "1371", scheme="KEMENDAGRI")

    assert one is not None
    assert one.name == "Kota Uji"
    assert other is not None
    assert other.min_lat == pytest.approx(-0.51)
    assert [(a.code, a.scheme) for a in several] == [
        ("1371099", "BPS"),
        ("1371", "BPS"),
    ]
    assert missing is None


def test_areas_of_a_level_come_by_name_and_all_areas_by_code(
    places: sessionmaker[Session],
) -> None:
    with transaction(places) as session:
        districts = queries.areas_of_level(session, AreaLevel.DISTRICT)
        bps = queries.areas_of_level(session, AreaLevel.DISTRICT, scheme="BPS")
        cities = queries.areas_of_level(session, AreaLevel.CITY)
        everything = queries.all_areas(session)

    assert [(a.name, a.scheme) for a in districts] == [
        ("Kecamatan Uji", "BPS"),
        ("Kecamatan Uji", "KEMENDAGRI"),
        ("Kecamatan Zamrud", "BPS"),
    ]
    assert len(bps) == 2
    assert [a.code for a in cities] == ["1371"]
    assert [a.code for a in everything] == ["1371", "1371010", "1371099", "1371099"]


def test_an_area_shape_is_its_geometry_longitude_first(
    places: sessionmaker[Session],
) -> None:
    with transaction(places) as session:
        area = queries.area_by_code(session, "1371099")
    assert area is not None

    shape = queries.area_shape(area)

    assert shape.geom_type == "Polygon"
    assert shape.bounds == pytest.approx((100.36, -0.84, 100.38, -0.82))


def test_an_area_names_the_areas_it_lies_in_up_to_the_largest(
    sessions: sessionmaker[Session],
) -> None:
    import_areas(
        sessions,
        [
            area_feature(code="13", name="Sumatera Barat", level="province"),
            area_feature(code="1371", name="Kota Uji", level="city", parent="13"),
            area_feature(code="1371010", name="Kecamatan Zamrud", parent="1371"),
            area_feature(
                code="1371010001",
                name="Kelurahan Intan",
                level="village",
                parent="1371010",
            ),
            area_feature(code="1371020", name="Kecamatan Yatim", parent="9999"),
        ],
    )

    with transaction(sessions) as session:
        village = queries.area_by_code(session, "1371010001")
        orphan = queries.area_by_code(session, "1371020")
        assert village is not None
        assert orphan is not None
        chain = queries.enclosing_codes(village, session)
        alone = queries.enclosing_codes(orphan, session)

    assert chain == ("1371010001", "1371010", "1371", "13")
    assert alone == ("1371020",)
