"""The shelters and evacuation routes an alert's page lists, and the same as
a GeoJSON FeatureCollection for apps and the page's map; and every shelter
and route of the city, grouped by area, for the shelters page.

Shelters are those inside the alert's areas or within ``NEAR_KM`` of them,
nearest first; routes are those leading to one of them or crossing the
areas. The GeoJSON also carries the alert's areas (``kind`` ``area``), so a
map needs one file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.cap.model import Area as CapArea
from gateway.places.models import Area, EvacuationRoute, Shelter
from gateway.places.queries import (
    RouteMatch,
    ShelterMatch,
    areas_for_geocodes,
    routes_for,
    shelters_near,
)

NEAR_KM = 5.0
SHELTER_LIMIT = 10


@dataclass(frozen=True, slots=True)
class NearbyRoute:
    name: str
    description: str | None
    shelter_name: str | None
    geometry: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Nearby:
    """Shelters nearest first, then routes by name, read inside one session."""

    shelters: list[ShelterMatch]
    routes: list[NearbyRoute]
    areas: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ShelterGroup:
    """The shelters of one area (``area_name`` None: of no known area)."""

    area_code: str | None
    area_name: str | None
    shelters: list[Shelter]


@dataclass(frozen=True, slots=True)
class CityPlaces:
    """Every shelter, grouped by area by name, and every route by name."""

    groups: list[ShelterGroup]
    routes: list[NearbyRoute]


def city_places(session: Session) -> CityPlaces:
    """All shelters and routes, read inside one session."""
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.name)))
    by_id = {shelter.id: shelter for shelter in shelters}
    routes = session.scalars(select(EvacuationRoute).order_by(EvacuationRoute.name))
    return CityPlaces(
        _grouped(session, shelters),
        [_route_view(route, by_id) for route in routes],
    )


def _grouped(session: Session, shelters: list[Shelter]) -> list[ShelterGroup]:
    codes = {shelter.area_code for shelter in shelters if shelter.area_code}
    rows = session.execute(select(Area.code, Area.name).where(Area.code.in_(codes)))
    names: dict[str, str] = dict(rows.all())
    groups: dict[str | None, list[Shelter]] = {}
    for shelter in shelters:
        code = shelter.area_code if shelter.area_code in names else None
        groups.setdefault(code, []).append(shelter)
    found = [
        ShelterGroup(code, names.get(code) if code else None, members)
        for code, members in groups.items()
    ]
    # Named areas by name, then the shelters of no known area.
    return sorted(
        found, key=lambda group: (group.area_name is None, group.area_name or "")
    )


def nearby_places(session: Session, areas: Sequence[CapArea]) -> Nearby:
    """What lies in or near ``areas``; nothing when they name no known place."""
    if not areas:
        return Nearby([], [], [])
    shelters = shelters_near(session, areas, within_km=NEAR_KM, limit=SHELTER_LIMIT)
    found = {match.shelter.id: match.shelter for match in shelters}
    routes = [
        _route(match, found)
        for match in routes_for(session, areas, shelters=found.values())
    ]
    return Nearby(shelters, routes, area_features(session, areas))


def nearby_geojson(nearby: Nearby) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (longitude first): areas, shelters, routes."""
    features = [
        *nearby.areas,
        *(_shelter_feature(match) for match in nearby.shelters),
        *(_route_feature(route) for route in nearby.routes),
    ]
    return {"type": "FeatureCollection", "features": features}


def _route(match: RouteMatch, shelters: dict[int, Shelter]) -> NearbyRoute:
    return _route_view(match.route, shelters)


def _route_view(route: EvacuationRoute, shelters: dict[int, Shelter]) -> NearbyRoute:
    shelter = shelters.get(route.shelter_id) if route.shelter_id else None
    return NearbyRoute(
        route.name,
        route.description,
        shelter.name if shelter else None,
        json.loads(route.geometry),
    )


def _shelter_feature(match: ShelterMatch) -> dict[str, Any]:
    shelter = match.shelter
    return {
        "type": "Feature",
        "id": shelter.external_id,
        "geometry": {"type": "Point", "coordinates": [shelter.lon, shelter.lat]},
        "properties": {
            "kind": "shelter",
            "name": shelter.name,
            "capacity": shelter.capacity,
            "facilities": list(shelter.facilities or []),
            "address": shelter.address,
            "distanceKm": round(match.distance_km, 2),
            "insideArea": match.is_inside,
        },
    }


def _route_feature(route: NearbyRoute) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": route.geometry,
        "properties": {
            "kind": "route",
            "name": route.name,
            "description": route.description,
            "shelter": route.shelter_name,
        },
    }


def area_features(session: Session, areas: Sequence[CapArea]) -> list[dict[str, Any]]:
    """Each polygon, circle and known geocoded area of ``areas``."""
    features = []
    for area in areas:
        for polygon in area.polygons:
            ring = [[point.lon, point.lat] for point in polygon.points]
            geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [ring]}
            features.append(_area_feature(area.area_desc, geometry))
        for circle in area.circles:
            centre = [circle.center.lon, circle.center.lat]
            point: dict[str, Any] = {"type": "Point", "coordinates": centre}
            features.append(
                _area_feature(area.area_desc, point, radiusKm=circle.radius_km)
            )
        for known in areas_for_geocodes(session, area.geocodes):
            features.append(_area_feature(known.name, json.loads(known.geometry)))
    return features


def _area_feature(
    name: str, geometry: dict[str, Any], **extra: float
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"kind": "area", "name": name, **extra},
    }
