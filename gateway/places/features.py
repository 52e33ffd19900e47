"""Features of a places file, read into the rows they describe.

An area is a Polygon or MultiPolygon feature with ``code``, ``name`` and
``level`` (and optionally ``scheme``, ``parent``, ``source``); a shelter is a
Point feature with ``id`` and ``name`` (and optionally ``capacity``,
``facilities``, ``address``, ``description``, ``area``); an evacuation route
is a LineString or MultiLineString feature with ``id`` and ``name`` (and
optionally ``shelter``, the id of the shelter it leads to, and
``description``). Each reader returns a complete row or raises
``InvalidFeature``; there is no partial row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.places.errors import InvalidFeature
from gateway.places.geometry import check_geometry
from gateway.places.models import (
    DEFAULT_SCHEME,
    MAX_ADDRESS_LENGTH,
    MAX_CODE_LENGTH,
    MAX_EXTERNAL_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SCHEME_LENGTH,
    MAX_SOURCE_LENGTH,
    AreaLevel,
)
from gateway.places.properties import (
    Properties,
    read_code,
    read_count,
    read_text,
    read_words,
    require_code,
    require_text,
)

MAX_DESCRIPTION_LENGTH = 2000
MAX_LEVEL_LENGTH = 20
MAX_CAPACITY = 1_000_000
MAX_FACILITY_LENGTH = 40
MAX_FACILITIES = 30
AREA_GEOMETRIES = ("Polygon", "MultiPolygon")
SHELTER_GEOMETRIES = ("Point",)
ROUTE_GEOMETRIES = ("LineString", "MultiLineString")
LEVEL_NAMES = {
    **{str(level): level for level in AreaLevel},
    "provinsi": AreaLevel.PROVINCE,
    "kota": AreaLevel.CITY,
    "kabupaten": AreaLevel.CITY,
    "regency": AreaLevel.CITY,
    "kecamatan": AreaLevel.DISTRICT,
    "kelurahan": AreaLevel.VILLAGE,
    "desa": AreaLevel.VILLAGE,
}
LEVELS = ", ".join(str(level) for level in AreaLevel)


@dataclass(frozen=True, slots=True)
class AreaRow:
    scheme: str
    code: str
    name: str
    level: AreaLevel
    parent_code: str | None
    geometry: str
    bounds: tuple[float, float, float, float]
    source: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.scheme, self.code)


@dataclass(frozen=True, slots=True)
class ShelterRow:
    external_id: str
    name: str
    lat: float
    lon: float
    capacity: int | None
    facilities: list[str]
    address: str | None
    description: str | None
    area_code: str | None


@dataclass(frozen=True, slots=True)
class RouteRow:
    external_id: str
    name: str
    geometry: str
    bounds: tuple[float, float, float, float]
    shelter: str | None
    description: str | None


def parse_level(raw: str) -> AreaLevel:
    """A level by its name, in English or Indonesian, or ``InvalidFeature``."""
    level = LEVEL_NAMES.get(raw.strip().lower())
    if level is None:
        raise InvalidFeature(
            f"The level {raw[:40]!r} is not one of {LEVELS} (kecamatan and "
            "kelurahan are understood too).",
            code="invalid-level",
        )
    return level


def geometry_type(feature: Any) -> str | None:
    """The geometry type a feature claims, if it claims one as text."""
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        return None
    kind = feature["geometry"].get("type")
    return kind if isinstance(kind, str) else None


def read_area(feature: Any, *, level: AreaLevel | None = None) -> AreaRow:
    """The area a feature describes; ``level`` is the one the file must have."""
    properties = _properties(feature)
    code = require_code(properties, "code", limit=MAX_CODE_LENGTH)
    name = require_text(properties, "name", limit=MAX_NAME_LENGTH)
    scheme = read_text(properties, "scheme", limit=MAX_SCHEME_LENGTH)
    own_level = _read_level(properties, level)
    parent = read_code(properties, "parent", limit=MAX_CODE_LENGTH)
    source = read_text(properties, "source", limit=MAX_SOURCE_LENGTH)
    geometry = check_geometry(feature.get("geometry"), AREA_GEOMETRIES)
    return AreaRow(
        scheme=scheme or DEFAULT_SCHEME,
        code=code,
        name=name,
        level=own_level,
        parent_code=parent,
        geometry=geometry.text,
        bounds=geometry.bounds,
        source=source,
    )


def read_shelter(feature: Any) -> ShelterRow:
    properties = _properties(feature)
    external_id = _read_id(properties)
    name = require_text(properties, "name", limit=MAX_NAME_LENGTH)
    capacity = read_count(properties, "capacity", limit=MAX_CAPACITY)
    facilities = read_words(
        properties, "facilities", each=MAX_FACILITY_LENGTH, most=MAX_FACILITIES
    )
    address = read_text(properties, "address", limit=MAX_ADDRESS_LENGTH)
    description = _read_description(properties)
    area = read_code(properties, "area", limit=MAX_CODE_LENGTH)
    geometry = check_geometry(feature.get("geometry"), SHELTER_GEOMETRIES)
    lon, lat = geometry.shape.coords[0][:2]
    return ShelterRow(
        external_id=external_id,
        name=name,
        lat=lat,
        lon=lon,
        capacity=capacity,
        facilities=facilities,
        address=address,
        description=description,
        area_code=area,
    )


def read_route(feature: Any) -> RouteRow:
    properties = _properties(feature)
    external_id = _read_id(properties)
    name = require_text(properties, "name", limit=MAX_NAME_LENGTH)
    shelter = read_code(properties, "shelter", limit=MAX_EXTERNAL_ID_LENGTH)
    description = _read_description(properties)
    geometry = check_geometry(feature.get("geometry"), ROUTE_GEOMETRIES)
    return RouteRow(
        external_id=external_id,
        name=name,
        geometry=geometry.text,
        bounds=geometry.bounds,
        shelter=shelter,
        description=description,
    )


def _properties(feature: Any) -> Properties:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidFeature(
            'This item is not a GeoJSON Feature; each item of "features" is an '
            'object with "type": "Feature", "geometry" and "properties".',
            code="not-a-feature",
        )
    properties = feature.get("properties")
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise InvalidFeature(
            'The feature\'s "properties" must be an object of names and values.',
            code="invalid-properties",
        )
    return properties


def _read_level(properties: Properties, wanted: AreaLevel | None) -> AreaLevel:
    text = read_text(properties, "level", limit=MAX_LEVEL_LENGTH)
    if text is None and wanted is not None:
        return wanted
    level = parse_level(require_text(properties, "level", limit=MAX_LEVEL_LENGTH))
    if wanted is not None and level is not wanted:
        raise InvalidFeature(
            f"The feature's level is {level}, but the file is imported as "
            f'{wanted} areas; correct its "level", or import it as {level}.',
            code="level-mismatch",
        )
    return level


def _read_id(properties: Properties) -> str:
    return require_code(properties, "id", limit=MAX_EXTERNAL_ID_LENGTH)


def _read_description(properties: Properties) -> str | None:
    return read_text(
        properties, "description", limit=MAX_DESCRIPTION_LENGTH, prose=True
    )
