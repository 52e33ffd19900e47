"""GeoJSON features of areas, shelters and routes, with overridable defaults,
and snapshots of what the places tables hold."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import transaction
from gateway.places.models import Area, EvacuationRoute, Shelter

EARTH_RADIUS_KM = 6371.0088
DROP: Any = object()


def square(
    lat: float = -0.83, lon: float = 100.37, half: float = 0.01
) -> dict[str, Any]:
    """A Polygon geometry: a square of ``2 * half`` degrees around (lat, lon)."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def line(*positions: tuple[float, float]) -> dict[str, Any]:
    """A LineString through (lat, lon) positions."""
    return {
        "type": "LineString",
        "coordinates": [[lon, lat] for lat, lon in positions],
    }


def feature(geometry: Any, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def area_feature(geometry: Any = None, **overrides: Any) -> dict[str, Any]:
    """A district of the demo city unless overridden; ``DROP`` removes a property."""
    properties = {
        "code": "1371020",
        "name": "Kecamatan Uji",
        "level": "district",
        "parent": "1371",
    }
    return feature(geometry or square(), **_merged(properties, overrides))


def shelter_feature(
    lat: float = -0.83, lon: float = 100.37, **overrides: Any
) -> dict[str, Any]:
    properties = {
        "id": "SH-1",
        "name": "Shelter Masjid Uji",
        "capacity": 500,
        "facilities": ["toilet", "air bersih"],
        "address": "Jalan Uji 1",
        "area": "1371020",
    }
    return feature(point(lat, lon), **_merged(properties, overrides))


def route_feature(geometry: Any = None, **overrides: Any) -> dict[str, Any]:
    properties = {"id": "RT-1", "name": "Jalur Evakuasi Uji", "shelter": "SH-1"}
    default = line((-0.83, 100.33), (-0.83, 100.35), (-0.83, 100.37))
    return feature(geometry or default, **_merged(properties, overrides))


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def write_geojson(path: Path, *features: Any) -> Path:
    path.write_text(json.dumps(collection(*features)), encoding="utf-8")
    return path


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance, written apart from the gateway's own."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def stored_places(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    """Every column of every place row, ids and times included."""
    snapshot: list[tuple[Any, ...]] = []
    with transaction(sessions) as session:
        for model in (Area, Shelter, EvacuationRoute):
            for row in session.scalars(select(model).order_by(model.id)):
                columns = model.__table__.columns
                snapshot.append(
                    (model.__name__, *(getattr(row, c.key) for c in columns))
                )
    return snapshot


def _merged(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **overrides}
    return {name: value for name, value in merged.items() if value is not DROP}
