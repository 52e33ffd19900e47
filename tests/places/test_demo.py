"""The demo city's places: they import with no rejection, again without change,
and fit together (shelters in their districts, routes ending at shelters)."""

from __future__ import annotations

import json

import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import transaction
from gateway.places import queries
from gateway.places.demo import AREAS_FILE, SHELTERS_FILE, seed_demo_places
from gateway.places.models import AreaLevel, EvacuationRoute, Shelter
from tests.cap.factories import make_area
from tests.places.factories import stored_places


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    reports = seed_demo_places(sessions)
    assert [report.rejections for report in reports] == [[], []]
    return sessions


def test_the_demo_imports_every_feature_and_again_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    first = seed_demo_places(sessions)
    before = stored_places(sessions)

    second = seed_demo_places(sessions)

    assert [(r.read, r.rejected) for r in first] == [(6, 0), (12, 0)]
    assert first[0].count("areas").added == 6
    assert first[1].count("shelters").added == 8
    assert first[1].count("routes").added == 4
    assert [c.unchanged for r in second for c in r.counts.values()] == [6, 8, 4]
    assert stored_places(sessions) == before


def test_every_demo_feature_says_it_is_fictional() -> None:
    for path in (AREAS_FILE, SHELTERS_FILE):
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        assert all("fictional" in f["properties"]["source"] for f in features)


def test_the_city_holds_five_districts(demo: sessionmaker[Session]) -> None:
    with transaction(demo) as session:
        city = queries.area_by_code(session, "1371")
        districts = queries.areas_of_level(session, AreaLevel.DISTRICT)
    assert city is not None

    city_shape = queries.area_shape(city)
    assert len(districts) == 5
    assert {d.parent_code for d in districts} == {"1371"}
    for district in districts:
        assert city_shape.buffer(1e-9).contains(queries.area_shape(district))
    union = shapely.union_all([queries.area_shape(d) for d in districts])
    assert union.symmetric_difference(city_shape).area < 1e-9


def test_each_shelter_lies_in_the_district_it_names(
    demo: sessionmaker[Session],
) -> None:
    with transaction(demo) as session:
        shelters = list(session.scalars(select(Shelter)))
        for shelter in shelters:
            assert shelter.area_code is not None
            district = queries.area_by_code(session, shelter.area_code)
            assert district is not None
            assert queries.area_shape(district).contains(
                shapely.Point(shelter.lon, shelter.lat)
            ), shelter.external_id
    assert len(shelters) == 8


def test_each_route_ends_at_its_shelter(demo: sessionmaker[Session]) -> None:
    with transaction(demo) as session:
        routes = list(session.scalars(select(EvacuationRoute)))
        for route in routes:
            shelter = session.get(Shelter, route.shelter_id)
            assert shelter is not None
            end = shapely.Point(shelter.lon, shelter.lat)
            assert queries.route_shape(route).distance(end) < 1e-9
    assert len(routes) == 4


def test_the_test_alerts_area_finds_demo_shelters_and_a_route(
    demo: sessionmaker[Session],
) -> None:
    alert_area = make_area(circles=(), geocodes=())
    city = queries.target_area(geocodes=["1371"])

    with transaction(demo) as session:
        near = queries.shelters_near(session, [alert_area], within_km=2)
        routes = queries.routes_for(
            session, [alert_area], shelters=[m.shelter for m in near]
        )
        everywhere = queries.shelters_near(session, [city])

    assert [m.shelter.external_id for m in near] == ["PDG-SH-04", "PDG-SH-03"]
    assert [(m.route.external_id, m.leads_to_shelter) for m in routes] == [
        ("PDG-JE-02", True)
    ]
    assert len(everywhere) == 8
