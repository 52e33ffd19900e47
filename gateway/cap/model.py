"""The CAP 1.2 data dictionary as immutable dataclasses.

Field names follow the CAP element names in snake case (``msgType`` becomes
``msg_type``); repeated elements are tuples in document order. Every datetime
is timezone-aware: a naive one is refused when the object is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

CAP12_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP11_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.1"
CAP10_NAMESPACE = "http://www.incident.com/cap/1.0"
DEFAULT_LANGUAGE = "en-US"


class Status(StrEnum):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"
    ERROR = "Error"


class Scope(StrEnum):
    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


class Category(StrEnum):
    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class ResponseType(StrEnum):
    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


class Urgency(StrEnum):
    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Severity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


def _require_cap_time(name: str, value: datetime | None) -> None:
    """CAP times are aware, whole seconds, with an offset of whole minutes."""
    if value is None:
        return
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    if value.microsecond or offset.total_seconds() % 60:
        raise ValueError(
            f"{name} must be whole seconds with an offset of whole minutes, "
            f"got {value.isoformat()}"
        )


@dataclass(frozen=True, slots=True)
class NamedValue:
    """A ``valueName``/``value`` pair: an eventCode, parameter or geocode."""

    value_name: str
    value: str


class Point(NamedTuple):
    """A WGS 84 position in decimal degrees (a tuple: cheap in large polygons)."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Polygon:
    """A closed ring of points; the first point equals the last."""

    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Circle:
    """A centre point and a radius in kilometres."""

    center: Point
    radius_km: float


@dataclass(frozen=True, slots=True)
class Resource:
    resource_desc: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class Area:
    area_desc: str
    polygons: tuple[Polygon, ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[NamedValue, ...] = ()
    altitude: float | None = None
    ceiling: float | None = None


@dataclass(frozen=True, slots=True)
class Info:
    """One info block: the alert's content in one language."""

    categories: tuple[Category, ...]
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    language: str | None = None
    response_types: tuple[ResponseType, ...] = ()
    audience: str | None = None
    event_codes: tuple[NamedValue, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[NamedValue, ...] = ()
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()

    def __post_init__(self) -> None:
        _require_cap_time("effective", self.effective)
        _require_cap_time("onset", self.onset)
        _require_cap_time("expires", self.expires)

    @property
    def effective_language(self) -> str:
        """The language tag, or CAP's default ``en-US`` when none is given."""
        return self.language or DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Reference:
    """One earlier message named in ``references``: sender, identifier, sent."""

    sender: str
    identifier: str
    sent: datetime

    def __post_init__(self) -> None:
        _require_cap_time("sent", self.sent)


@dataclass(frozen=True, slots=True)
class Alert:
    """A CAP 1.2 alert message."""

    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    scope: Scope
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    codes: tuple[str, ...] = ()
    note: str | None = None
    references: str | None = None
    incidents: str | None = None
    infos: tuple[Info, ...] = field(default=())

    def __post_init__(self) -> None:
        _require_cap_time("sent", self.sent)
