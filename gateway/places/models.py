"""The tables of places: administrative areas, shelters and evacuation routes.

Geometries are stored as GeoJSON text in WGS 84 (longitude first, as GeoJSON
has it), beside their bounding boxes in plain columns so a query can narrow
the rows with an index before shapely looks at any shape. Each row is known
by the key its file gives it: an area by (scheme, code), a shelter or route
by its external id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UtcDateTime, utc_now

DEFAULT_SCHEME = "BPS"
MAX_CODE_LENGTH = 50
MAX_SCHEME_LENGTH = 50
MAX_EXTERNAL_ID_LENGTH = 100
MAX_NAME_LENGTH = 200
MAX_ADDRESS_LENGTH = 500
MAX_SOURCE_LENGTH = 500


class AreaLevel(StrEnum):
    """Administrative levels of Indonesia, from the largest."""

    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    VILLAGE = "village"


class Area(Base):
    """A predefined administrative area; ``code`` is its CAP geocode value."""

    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("scheme", "code", name="uq_areas_code"),
        Index("ix_areas_code", "code"),
        Index("ix_areas_level", "level", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(MAX_SCHEME_LENGTH))
    code: Mapped[str] = mapped_column(String(MAX_CODE_LENGTH))
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(MAX_CODE_LENGTH))
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(MAX_SOURCE_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Shelter(Base):
    """A place residents go to: a temporary evacuation site, a mosque, a school."""

    __tablename__ = "shelters"
    __table_args__ = (
        UniqueConstraint("external_id", name="uq_shelters_external_id"),
        Index("ix_shelters_position", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(MAX_EXTERNAL_ID_LENGTH))
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    facilities: Mapped[list[str]] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(MAX_ADDRESS_LENGTH))
    description: Mapped[str | None] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(MAX_CODE_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class EvacuationRoute(Base):
    """A way from the danger towards safety, usually ending at a shelter."""

    __tablename__ = "evacuation_routes"
    __table_args__ = (
        UniqueConstraint("external_id", name="uq_evacuation_routes_external_id"),
        Index("ix_evacuation_routes_box", "min_lat", "max_lat", "min_lon", "max_lon"),
        Index("ix_evacuation_routes_shelter", "shelter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(MAX_EXTERNAL_ID_LENGTH))
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    shelter_id: Mapped[int | None] = mapped_column(
        ForeignKey("shelters.id", ondelete="SET NULL")
    )
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
