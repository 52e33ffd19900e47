"""Arbitrary JSON and mutated features fed to the importers: nothing escapes but
the documented file error, every feature is counted, each stored row is the
whole feature, and a second import of the same input changes nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import transaction
from gateway.places.errors import InvalidPlacesFile
from gateway.places.features import read_area, read_route, read_shelter
from gateway.places.files import parse_features
from gateway.places.geometry import shape_from_text
from gateway.places.importer import ImportReport, import_areas, import_shelters
from gateway.places.models import Area, EvacuationRoute, Shelter
from tests.places.factories import (
    area_feature,
    route_feature,
    shelter_feature,
    stored_places,
)

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Letters, digits, spaces and punctuation, with control characters and lone
# surrogates among them (which JSON can carry and a database cannot store).
ODD_TEXT = st.lists(
    st.sampled_from(["\ud800", "\udfff", "\x00", "\x1f", "\x85", " ", "."])
    | st.text(max_size=3),
    max_size=5,
).map("".join)
WORDS = [
    "Feature",
    "FeatureCollection",
    "Polygon",
    "MultiPolygon",
    "Point",
    "LineString",
    "MultiLineString",
    "district",
    "kelurahan",
    "1371",
    "SH-1",
    "",
    " ",
    "\x00",
    "\ud800",
    "Masjid\u00a0Raya",
]
PROPERTY_NAMES = st.sampled_from(
    [
        "code",
        "name",
        "level",
        "scheme",
        "parent",
        "source",
        "id",
        "capacity",
        "facilities",
        "address",
        "shelter",
        "area",
        "description",
    ]
)
KEYS = (
    st.sampled_from(["type", "geometry", "coordinates", "properties"])
    | PROPERTY_NAMES
    | st.text(max_size=6)
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(WORDS)
    | ODD_TEXT
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5)
    ),
    max_leaves=25,
)
FILE_ERRORS = {"not-json", "not-utf8", "not-a-feature-collection"}
VALID = [
    area_feature(),
    area_feature(code="1371", level="city"),
    shelter_feature(),
    shelter_feature(id="SH-2", lat=-0.9, lon=100.4),
    route_feature(),
]


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A valid feature with one value somewhere replaced or removed."""
    document = copy.deepcopy(draw(st.sampled_from(VALID)))
    parent: Any = document
    while True:
        keys = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
        if not keys:
            return document
        key = draw(st.sampled_from(keys))
        child = parent[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            parent = child
            continue
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(JSONISH)
        return document


@st.composite
def with_odd_property(draw: st.DrawFn) -> Any:
    """A valid feature with one property set to anything."""
    document = copy.deepcopy(draw(st.sampled_from(VALID)))
    value = ODD_TEXT | st.lists(ODD_TEXT) | JSONISH
    document["properties"][draw(PROPERTY_NAMES)] = draw(value)
    return document


FEATURES = st.lists(
    st.one_of(mutated(), with_odd_property(), JSONISH, st.sampled_from(VALID)),
    max_size=6,
)


def check_accounting(report: ImportReport, features: list[Any]) -> None:
    indexes = [rejection.index for rejection in report.rejections]
    stored = sum(counts.stored for counts in report.counts.values())
    assert report.read == len(features)
    assert stored + report.rejected == report.read
    assert len(set(indexes)) == len(indexes)
    assert all(0 <= index < len(features) for index in indexes)
    assert all(r.reason and r.code for r in report.rejections)


def accepted(report: ImportReport, features: list[Any]) -> list[Any]:
    rejected = {rejection.index for rejection in report.rejections}
    return [f for index, f in enumerate(features) if index not in rejected]


def check_whole_areas(session: Session, features: list[Any]) -> None:
    for feature in features:
        row = read_area(feature)
        area = session.scalar(
            select(Area).where(Area.scheme == row.scheme, Area.code == row.code)
        )
        assert area is not None
        assert (area.name, area.level, area.geometry) == (
            row.name,
            row.level,
            row.geometry,
        )
        shape = shape_from_text(area.geometry)
        assert shape.is_valid
        assert not shape.is_empty
        assert shape.bounds == (area.min_lon, area.min_lat, area.max_lon, area.max_lat)


def check_whole_places(session: Session, features: list[Any]) -> None:
    for feature in features:
        if feature["geometry"]["type"] == "Point":
            shelter = read_shelter(feature)
            found = session.scalar(
                select(Shelter).where(Shelter.external_id == shelter.external_id)
            )
            assert found is not None
            assert (found.name, found.lat, found.lon, found.facilities) == (
                shelter.name,
                shelter.lat,
                shelter.lon,
                shelter.facilities,
            )
            continue
        route = read_route(feature)
        stored = session.scalar(
            select(EvacuationRoute).where(
                EvacuationRoute.external_id == route.external_id
            )
        )
        assert stored is not None
        assert (stored.name, stored.geometry) == (route.name, route.geometry)
        assert shape_from_text(stored.geometry).is_valid


@FUZZ
@given(features=FEATURES)
def test_area_import_of_anything_accounts_for_every_feature(
    sessions: sessionmaker[Session], features: list[Any]
) -> None:
    report = import_areas(sessions, features)
    check_accounting(report, features)
    with transaction(sessions) as session:
        check_whole_areas(session, accepted(report, features))
    before = stored_places(sessions)

    again = import_areas(sessions, features)

    assert (again.count("areas").added, again.count("areas").updated) == (0, 0)
    assert stored_places(sessions) == before


@FUZZ
@given(features=FEATURES)
def test_shelter_import_of_anything_accounts_for_every_feature(
    sessions: sessionmaker[Session], features: list[Any]
) -> None:
    report = import_shelters(sessions, features)
    check_accounting(report, features)
    with transaction(sessions) as session:
        check_whole_places(session, accepted(report, features))
    before = stored_places(sessions)

    again = import_shelters(sessions, features)

    for kind in ("shelters", "routes"):
        assert (again.count(kind).added, again.count(kind).updated) == (0, 0)
    assert stored_places(sessions) == before


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=200)
    | JSONISH.map(lambda value: json.dumps(value).encode())
    | st.lists(JSONISH, max_size=4).map(
        lambda items: json.dumps(
            {"type": "FeatureCollection", "features": items}
        ).encode()
    )
)
def test_reading_any_bytes_gives_features_or_the_file_error(data: bytes) -> None:
    outcome: list[Any] | InvalidPlacesFile
    try:
        outcome = parse_features(data)
    except InvalidPlacesFile as exc:
        outcome = exc

    if isinstance(outcome, InvalidPlacesFile):
        assert outcome.code in FILE_ERRORS
        assert outcome.message.endswith(".")
    else:
        assert isinstance(outcome, list)
