"""Importing areas, shelters and routes from GeoJSON on SQLite and PostgreSQL:
idempotent, updated in place, and every feature accounted for."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import transaction
from gateway.places.errors import InvalidPlacesFile
from gateway.places.files import MAX_FILE_BYTES, parse_features, read_features_file
from gateway.places.geometry import MAX_POSITIONS
from gateway.places.importer import import_areas, import_shelters
from gateway.places.models import Area, AreaLevel, EvacuationRoute, Shelter
from tests.places.factories import (
    DROP,
    area_feature,
    collection,
    feature,
    line,
    point,
    route_feature,
    shelter_feature,
    square,
    stored_places,
)

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def stored_area(sessions: sessionmaker[Session], code: str) -> Area:
    with transaction(sessions) as session:
        found = session.scalar(select(Area).where(Area.code == code))
    assert found is not None
    return found


def test_areas_are_stored_with_their_geometry_and_box(
    sessions: sessionmaker[Session],
) -> None:
    report = import_areas(
        sessions,
        [
            area_feature(code="1371", name="Kota Uji", level="kota", parent="13"),
            area_feature(square(-0.9, 100.4, 0.02), scheme="KEMENDAGRI"),
        ],
    )

    assert (report.count("areas").added, report.rejected) == (2, 0)
    city = stored_area(sessions, "1371")
    assert (city.scheme, city.name, city.level, city.parent_code) == (
        "BPS",
        "Kota Uji",
        "city",
        "13",
    )
    district = stored_area(sessions, "1371020")
    assert district.scheme == "KEMENDAGRI"
    assert (district.min_lon, district.min_lat, district.max_lon, district.max_lat) == (
        pytest.approx(100.38),
        pytest.approx(-0.92),
        pytest.approx(100.42),
        pytest.approx(-0.88),
    )
    assert json.loads(district.geometry) == square(-0.9, 100.4, 0.02)


def test_shelters_and_routes_are_stored_and_linked(
    sessions: sessionmaker[Session],
) -> None:
    report = import_shelters(
        sessions,
        [route_feature(), shelter_feature(facilities=["toilet", "toilet", " P3K "])],
    )

    assert report.count("shelters").added == 1
    assert report.count("routes").added == 1
    with transaction(sessions) as session:
        shelter = session.scalars(select(Shelter)).one()
        route = session.scalars(select(EvacuationRoute)).one()
    assert (shelter.external_id, shelter.lat, shelter.lon, shelter.capacity) == (
        "SH-1",
        -0.83,
        100.37,
        500,
    )
    assert shelter.facilities == ["toilet", "P3K"]
    assert shelter.area_code == "1371020"
    assert route.shelter_id == shelter.id
    assert json.loads(route.geometry)["type"] == "LineString"


def test_the_same_file_imported_again_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    areas = [area_feature(), area_feature(code="1371030")]
    places = [shelter_feature(), route_feature()]
    import_areas(sessions, areas)
    import_shelters(sessions, places)
    before = stored_places(sessions)

    again = import_areas(sessions, areas)
    places_again = import_shelters(sessions, places)

    assert stored_places(sessions) == before
    assert (again.count("areas").unchanged, again.count("areas").added) == (2, 0)
    assert places_again.count("shelters").unchanged == 1
    assert places_again.count("routes").unchanged == 1
    assert places_again.count("routes").updated == 0


def test_an_edited_file_updates_rows_in_place(sessions: sessionmaker[Session]) -> None:
    import_areas(sessions, [area_feature(), area_feature(code="1371030")])
    import_shelters(sessions, [shelter_feature(), route_feature()])
    with transaction(sessions) as session:
        session.execute(update(Area).values(updated_at=LONG_AGO))
    old = stored_area(sessions, "1371020")

    areas = import_areas(
        sessions,
        [
            area_feature(square(-0.85, 100.39), name="Kecamatan Baru"),
            area_feature(code="1371030"),
        ],
    )
    places = import_shelters(
        sessions, [shelter_feature(capacity=900), route_feature(shelter=DROP)]
    )

    assert (areas.count("areas").updated, areas.count("areas").unchanged) == (1, 1)
    new = stored_area(sessions, "1371020")
    assert (new.id, new.name, new.min_lat) == (old.id, "Kecamatan Baru", -0.86)
    assert new.updated_at > LONG_AGO
    assert stored_area(sessions, "1371030").updated_at == LONG_AGO
    assert places.count("shelters").updated == 1
    with transaction(sessions) as session:
        assert session.scalars(select(Shelter.capacity)).all() == [900]
        assert session.scalars(select(EvacuationRoute.shelter_id)).all() == [None]


def test_a_route_may_lead_to_a_shelter_imported_before(
    sessions: sessionmaker[Session],
) -> None:
    import_shelters(sessions, [shelter_feature(id="SH-OLD")])

    report = import_shelters(sessions, [route_feature(shelter="SH-OLD")])

    assert (report.count("routes").added, report.rejected) == (1, 0)


def test_level_given_for_the_file_fills_features_without_one(
    sessions: sessionmaker[Session],
) -> None:
    report = import_areas(sessions, [area_feature(level=DROP)], level=AreaLevel.VILLAGE)

    assert report.rejected == 0
    assert stored_area(sessions, "1371020").level == "village"


def bowtie() -> dict[str, Any]:
    ring = [[100.3, -0.8], [100.4, -0.9], [100.4, -0.8], [100.3, -0.9], [100.3, -0.8]]
    return {"type": "Polygon", "coordinates": [ring]}


def open_ring() -> dict[str, Any]:
    ring = [[100.3, -0.8], [100.4, -0.8], [100.4, -0.9], [100.3, -0.9]]
    return {"type": "Polygon", "coordinates": [ring]}


def long_ring() -> dict[str, Any]:
    ring = [[100.3 + i * 1e-7, -0.8] for i in range(MAX_POSITIONS + 1)]
    return {"type": "Polygon", "coordinates": [ring]}


AREA_REJECTIONS = [
    pytest.param(area_feature(code=DROP), "missing-property", '"code"', id="no-code"),
    pytest.param(area_feature(name="  "), "missing-property", '"name"', id="no-name"),
    pytest.param(
        area_feature(level=DROP), "missing-property", '"level"', id="no-level"
    ),
    pytest.param(
        area_feature(level="county"), "invalid-level", "province", id="bad-level"
    ),
    pytest.param(area_feature(code="13 71"), "invalid-code", "digits", id="bad-code"),
    pytest.param(
        area_feature(name="Kecamatan\x00Uji"),
        "control-character",
        "NUL",
        id="nul-in-name",
    ),
    pytest.param(
        area_feature(name="x" * 201), "property-too-long", "at most 200", id="long"
    ),
    pytest.param(area_feature(name=1371), "invalid-property", "text", id="number"),
    pytest.param(
        area_feature(name="Uji \ud800"), "invalid-text", "UTF-8", id="surrogate"
    ),
    pytest.param(["not", "a", "feature"], "not-a-feature", "Feature", id="list"),
    pytest.param(
        {**area_feature(), "type": "Thing"}, "not-a-feature", "Feature", id="type"
    ),
    pytest.param(
        {**area_feature(), "properties": ["code"]},
        "invalid-properties",
        "object",
        id="bad-properties",
    ),
    pytest.param(
        {**area_feature(), "geometry": None},
        "missing-geometry",
        "Polygon",
        id="no-geometry",
    ),
    pytest.param(
        area_feature(point(-0.83, 100.37)),
        "wrong-geometry-type",
        "'Point'",
        id="point",
    ),
    pytest.param(
        area_feature({"type": "Polygon", "coordinates": [[100.3, -0.8]]}),
        "malformed-coordinates",
        "list of rings",
        id="one-level-short",
    ),
    pytest.param(
        area_feature({"type": "Polygon", "coordinates": [[["100.3", -0.8]] * 4]}),
        "invalid-coordinates",
        "two numbers",
        id="text-coordinate",
    ),
    pytest.param(
        area_feature({"type": "Polygon", "coordinates": [[[100.3, float("nan")]] * 4]}),
        "invalid-coordinates",
        "two numbers",
        id="nan",
    ),
    pytest.param(
        area_feature(square(95.0, 100.0)),
        "coordinates-out-of-range",
        "latitude -90..90",
        id="out-of-range",
    ),
    pytest.param(
        area_feature(square(100.37, -0.83)),
        "coordinates-out-of-range",
        "longitude first",
        id="swapped",
    ),
    pytest.param(
        area_feature({"type": "Polygon", "coordinates": [[[100.3, -0.8]] * 3]}),
        "ring-too-short",
        "at least 4",
        id="short-ring",
    ),
    pytest.param(area_feature(open_ring()), "ring-not-closed", "repeat", id="open"),
    pytest.param(
        area_feature(bowtie()),
        "invalid-geometry",
        "self-intersection near longitude",
        id="bowtie",
    ),
    pytest.param(
        area_feature({"type": "MultiPolygon", "coordinates": []}),
        "empty-geometry",
        "no positions",
        id="empty",
    ),
    pytest.param(
        area_feature(long_ring()), "too-many-positions", "simplify", id="too-many"
    ),
]


@pytest.mark.parametrize(("bad", "code", "fragment"), AREA_REJECTIONS)
def test_a_bad_area_is_rejected_with_its_index_and_reason(
    sessions: sessionmaker[Session], bad: Any, code: str, fragment: str
) -> None:
    report = import_areas(sessions, [area_feature(code="1371"), bad])

    assert [(r.index, r.code) for r in report.rejections] == [(1, code)]
    assert fragment in report.rejections[0].reason
    assert report.count("areas").added == 1
    assert [area.code for area in all_stored(sessions, Area)] == ["1371"]


def test_an_area_of_another_level_than_the_file_is_rejected(
    sessions: sessionmaker[Session],
) -> None:
    report = import_areas(sessions, [area_feature()], level=AreaLevel.CITY)

    assert [r.code for r in report.rejections] == ["level-mismatch"]
    assert "district" in report.rejections[0].reason


def test_a_code_given_twice_keeps_the_first_and_rejects_the_second(
    sessions: sessionmaker[Session],
) -> None:
    report = import_areas(
        sessions, [area_feature(name="Pertama"), area_feature(name="Kedua")]
    )

    assert [(r.index, r.code, r.key) for r in report.rejections] == [
        (1, "duplicate-key", "BPS 1371020")
    ]
    assert "Feature 0" in report.rejections[0].reason
    assert stored_area(sessions, "1371020").name == "Pertama"


SHELTER_REJECTIONS = [
    pytest.param(shelter_feature(capacity=-1), "invalid-number", "0 to", id="negative"),
    pytest.param(
        shelter_feature(capacity=1.5), "invalid-number", "whole", id="fraction"
    ),
    pytest.param(
        shelter_feature(capacity=True), "invalid-number", "whole", id="boolean"
    ),
    pytest.param(
        shelter_feature(capacity="banyak"), "invalid-number", "whole", id="text"
    ),
    pytest.param(
        shelter_feature(facilities="toilet"),
        "invalid-property",
        "list of texts",
        id="facilities-text",
    ),
    pytest.param(
        shelter_feature(facilities=["x" * 41]),
        "property-too-long",
        "at most 40",
        id="facility-long",
    ),
    pytest.param(
        shelter_feature(facilities=[f"f{n}" for n in range(31)]),
        "property-too-long",
        "at most 30",
        id="facilities-many",
    ),
    pytest.param(
        shelter_feature(id=DROP), "missing-property", '"id"', id="shelter-no-id"
    ),
    pytest.param(
        shelter_feature(description="a\x00b"),
        "control-character",
        '"description"',
        id="nul-description",
    ),
    pytest.param(
        feature(square(), id="SH-9", name="Lapangan"),
        "wrong-geometry-type",
        "areas import",
        id="polygon",
    ),
    pytest.param(
        route_feature(shelter="SH-NONE"),
        "unknown-shelter",
        "SH-NONE",
        id="unknown-shelter",
    ),
    pytest.param(
        route_feature({"type": "LineString", "coordinates": [[100.3, -0.8]]}),
        "line-too-short",
        "at least 2",
        id="short-line",
    ),
    pytest.param(
        route_feature(line((-0.8, 100.3), (-0.8, 100.3))),
        "invalid-geometry",
        "too few points",
        id="zero-length",
    ),
    pytest.param(
        route_feature({"type": "MultiLineString", "coordinates": [[]]}),
        "line-too-short",
        "line 1",
        id="empty-branch",
    ),
    pytest.param(shelter_feature(id="SH-1"), "duplicate-key", "SH-1", id="dup"),
]


@pytest.mark.parametrize(("bad", "code", "fragment"), SHELTER_REJECTIONS)
def test_a_bad_shelter_or_route_is_rejected_with_its_index_and_reason(
    sessions: sessionmaker[Session], bad: Any, code: str, fragment: str
) -> None:
    report = import_shelters(sessions, [shelter_feature(), bad])

    assert [(r.index, r.code) for r in report.rejections] == [(1, code)]
    assert fragment in report.rejections[0].reason
    assert [s.external_id for s in all_stored(sessions, Shelter)] == ["SH-1"]
    assert all_stored(sessions, EvacuationRoute) == []


def test_a_route_to_a_rejected_shelter_is_rejected_too(
    sessions: sessionmaker[Session],
) -> None:
    report = import_shelters(sessions, [route_feature(), shelter_feature(capacity=-5)])

    assert [(r.index, r.code) for r in report.rejections] == [
        (0, "unknown-shelter"),
        (1, "invalid-number"),
    ]
    assert all_stored(sessions, EvacuationRoute) == []


def all_stored(sessions: sessionmaker[Session], model: Any) -> list[Any]:
    with transaction(sessions) as session:
        return list(session.scalars(select(model).order_by(model.id)))


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "places.geojson"
    path.write_bytes(content)
    return path


MALFORMED_FILES = [
    pytest.param(b"", "not-json", "line 1, column 1", id="empty"),
    pytest.param(b"<kml/>", "not-json", "not JSON", id="xml"),
    pytest.param(b'{"type": "Feat', "not-json", "line 1", id="cut-short"),
    pytest.param(b"\xff\xfe{}", "not-utf8", "UTF-8", id="utf-16"),
    pytest.param(b"[" * 100_000, "not-json", "nests too deeply", id="deep"),
    pytest.param(b"1" * 5000, "not-json", "number too long", id="long-number"),
    pytest.param(b"[]", "not-a-feature-collection", "FeatureCollection", id="list"),
    pytest.param(
        json.dumps(area_feature()).encode(),
        "not-a-feature-collection",
        "FeatureCollection",
        id="one-feature",
    ),
    pytest.param(
        b'{"type": "FeatureCollection", "features": {}}',
        "not-a-feature-collection",
        '"features" list',
        id="features-object",
    ),
]


@pytest.mark.parametrize(("content", "code", "fragment"), MALFORMED_FILES)
def test_an_unusable_file_is_one_clear_error(
    tmp_path: Path, content: bytes, code: str, fragment: str
) -> None:
    with pytest.raises(InvalidPlacesFile) as refused:
        read_features_file(write(tmp_path, content))

    assert refused.value.code == code
    assert fragment in refused.value.message


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, b" " * MAX_FILE_BYTES + b"[]")

    with pytest.raises(InvalidPlacesFile, match="larger than 50 MB") as refused:
        read_features_file(path)

    assert refused.value.code == "file-too-large"


def test_a_file_at_the_size_cap_is_read(tmp_path: Path) -> None:
    body = json.dumps(collection(area_feature())).encode()
    path = write(tmp_path, body + b" " * (MAX_FILE_BYTES - len(body)))

    assert len(read_features_file(path)) == 1


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidPlacesFile, match="cannot be read") as refused:
        read_features_file(tmp_path / "absent.geojson")

    assert refused.value.code == "unreadable-file"


def test_a_byte_order_mark_is_allowed() -> None:
    body = json.dumps(collection(area_feature())).encode()

    assert parse_features(b"\xef\xbb\xbf" + body) == [area_feature()]
