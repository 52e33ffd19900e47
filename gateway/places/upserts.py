"""Rows of each kind of place: keyed, looked up and written in place.

A row that exists is changed only when one of its values differs, and only
then gets a new ``updated_at``; that is what makes a re-import a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db import Base, utc_now
from gateway.places.features import AreaRow, RouteRow, ShelterRow
from gateway.places.models import Area, EvacuationRoute, Shelter

CHUNK = 500

Row = TypeVar("Row")
Model = TypeVar("Model", bound=Base)


@dataclass(slots=True)
class Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def stored(self) -> int:
        return self.added + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class LinkedRoute:
    """A route with the database id of the shelter it leads to."""

    row: RouteRow
    shelter_id: int | None


class Kind(Generic[Row, Model]):
    """How the rows of one kind are keyed, found and written."""

    model: type[Model]

    def key(self, row: Row) -> str:
        raise NotImplementedError

    def values(self, row: Row) -> dict[str, Any]:
        raise NotImplementedError

    def existing(self, session: Session, keys: list[str]) -> dict[str, Model]:
        raise NotImplementedError


class Areas(Kind[AreaRow, Area]):
    model = Area

    def key(self, row: AreaRow) -> str:
        return f"{row.scheme} {row.code}"

    def values(self, row: AreaRow) -> dict[str, Any]:
        min_lon, min_lat, max_lon, max_lat = row.bounds
        return {
            "scheme": row.scheme,
            "code": row.code,
            "name": row.name,
            "level": str(row.level),
            "parent_code": row.parent_code,
            "geometry": row.geometry,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "source": row.source,
        }

    def existing(self, session: Session, keys: list[str]) -> dict[str, Area]:
        codes = sorted({key.rpartition(" ")[2] for key in keys})
        found: dict[str, Area] = {}
        for chunk in chunks(codes):
            for area in session.scalars(select(Area).where(Area.code.in_(chunk))):
                found[f"{area.scheme} {area.code}"] = area
        return found


class Shelters(Kind[ShelterRow, Shelter]):
    model = Shelter

    def key(self, row: ShelterRow) -> str:
        return row.external_id

    def values(self, row: ShelterRow) -> dict[str, Any]:
        return {
            "external_id": row.external_id,
            "name": row.name,
            "lat": row.lat,
            "lon": row.lon,
            "capacity": row.capacity,
            "facilities": row.facilities,
            "address": row.address,
            "description": row.description,
            "area_code": row.area_code,
        }

    def existing(self, session: Session, keys: list[str]) -> dict[str, Shelter]:
        found: dict[str, Shelter] = {}
        for chunk in chunks(keys):
            query = select(Shelter).where(Shelter.external_id.in_(chunk))
            found.update((row.external_id, row) for row in session.scalars(query))
        return found


class LinkedRoutes(Kind[LinkedRoute, EvacuationRoute]):
    model = EvacuationRoute

    def key(self, row: LinkedRoute) -> str:
        return row.row.external_id

    def values(self, row: LinkedRoute) -> dict[str, Any]:
        route = row.row
        min_lon, min_lat, max_lon, max_lat = route.bounds
        return {
            "external_id": route.external_id,
            "name": route.name,
            "geometry": route.geometry,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "shelter_id": row.shelter_id,
            "description": route.description,
        }

    def existing(self, session: Session, keys: list[str]) -> dict[str, EvacuationRoute]:
        found: dict[str, EvacuationRoute] = {}
        for chunk in chunks(keys):
            query = select(EvacuationRoute).where(
                EvacuationRoute.external_id.in_(chunk)
            )
            found.update((row.external_id, row) for row in session.scalars(query))
        return found


AREAS = Areas()
SHELTERS = Shelters()
LINKED_ROUTES = LinkedRoutes()


def store_rows(
    session: Session, counts: Counts, rows: Sequence[Row], kind: Kind[Row, Any]
) -> None:
    """Add the new rows and change the changed ones; count what happened."""
    existing = kind.existing(session, [kind.key(row) for row in rows])
    now = utc_now()
    for row in rows:
        values = kind.values(row)
        found = existing.get(kind.key(row))
        if found is None:
            session.add(kind.model(**values, updated_at=now))
            counts.added += 1
        elif all(getattr(found, name) == value for name, value in values.items()):
            counts.unchanged += 1
        else:
            for name, value in values.items():
                setattr(found, name, value)
            setattr(found, "updated_at", now)  # noqa: B010  (every place has one)
            counts.updated += 1
    session.flush()


def chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
