"""Build the CAP model from a CAP 1.2 element tree.

The reader checks every value it converts (enumerations, times, numbers,
geometry) and reports all the bad ones at once in one ``InvalidMessage``. A
bad value is replaced by a placeholder while reading goes on; the result is
then discarded. Order and cardinality are the schema's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from gateway.cap import model
from gateway.cap.coordinates import read_polygon_points
from gateway.cap.document import element_path
from gateway.cap.errors import InvalidMessage
from gateway.cap.problems import Problem, error
from gateway.cap.times import CapTimeError, parse_cap_time

NS = "{" + model.CAP12_NAMESPACE + "}"
DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
INTEGER = re.compile(r"[+-]?\d+")
PLACEHOLDER_TIME = datetime.fromisoformat("2000-01-01T00:00:00+00:00")

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def read_alert(root: Any) -> model.Alert:
    """Return the model of a CAP 1.2 ``alert`` element or raise ``InvalidMessage``."""
    reader = _Reader()
    alert = reader.alert(root)
    if reader.problems:
        first = reader.problems[0]
        raise InvalidMessage(
            f"The message has {len(reader.problems)} bad value(s); first: "
            f"{first.message}",
            code=first.code,
            location=first.location,
            line=first.line,
            problems=reader.problems,
        )
    return alert


def parse_decimal(text: str) -> float:
    """A plain decimal number (no exponent, no ``nan``), or ``ValueError``."""
    if not DECIMAL.fullmatch(text.strip()):
        raise ValueError(f"'{text}' is not a plain decimal number")
    return float(text)


def parse_integer(text: str) -> int:
    """A whole number, or ``ValueError``."""
    if not INTEGER.fullmatch(text.strip()):
        raise ValueError(f"'{text}' is not a whole number")
    return int(text)


def parse_point(text: str) -> model.Point:
    """``lat,lon`` in decimal degrees, or ``ValueError``."""
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError(f"'{text}' is not a 'latitude,longitude' pair")
    return model.Point(parse_decimal(parts[0]), parse_decimal(parts[1]))


def parse_polygon(text: str) -> model.Polygon:
    """Whitespace-separated ``lat,lon`` pairs, or ``ValueError``."""
    points = read_polygon_points(text.strip())
    if points is None:
        raise ValueError("it is not whitespace-separated 'latitude,longitude' pairs")
    return model.Polygon(points)


def parse_circle(text: str) -> model.Circle:
    """``lat,lon radius`` with the radius in kilometres, or ``ValueError``."""
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(f"'{text}' is not 'latitude,longitude radius'")
    return model.Circle(parse_point(parts[0]), parse_decimal(parts[1]))


class _Children:
    """An element's CAP children grouped by local name, built in one pass."""

    __slots__ = ("by_name", "element")

    def __init__(self, element: Any) -> None:
        self.element = element
        self.by_name: dict[str, list[Any]] = {}
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag.startswith(NS):
                self.by_name.setdefault(tag[len(NS) :], []).append(child)

    def first(self, name: str) -> Any | None:
        found = self.by_name.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[Any]:
        return self.by_name.get(name, [])


class _Reader:
    """Walks the tree once, collecting every value problem it meets."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def alert(self, element: Any) -> model.Alert:
        el = _Children(element)
        return model.Alert(
            identifier=self.required(el, "identifier"),
            sender=self.required(el, "sender"),
            sent=self.time(el, "sent") or self.missing(el, "sent", PLACEHOLDER_TIME),
            status=self.enum(el, "status", model.Status),
            msg_type=self.enum(el, "msgType", model.MsgType),
            scope=self.enum(el, "scope", model.Scope),
            source=self.text(el, "source"),
            restriction=self.text(el, "restriction"),
            addresses=self.text(el, "addresses"),
            codes=self.texts(el, "code"),
            note=self.text(el, "note"),
            references=self.text(el, "references"),
            incidents=self.text(el, "incidents"),
            infos=tuple(self.info(child) for child in el.all("info")),
        )

    def info(self, element: Any) -> model.Info:
        el = _Children(element)
        return model.Info(
            categories=self.enums(el, "category", model.Category),
            event=self.required(el, "event"),
            urgency=self.enum(el, "urgency", model.Urgency),
            severity=self.enum(el, "severity", model.Severity),
            certainty=self.enum(el, "certainty", model.Certainty),
            language=self.text(el, "language"),
            response_types=self.enums(el, "responseType", model.ResponseType),
            audience=self.text(el, "audience"),
            event_codes=self.pairs(el, "eventCode"),
            effective=self.time(el, "effective"),
            onset=self.time(el, "onset"),
            expires=self.time(el, "expires"),
            sender_name=self.text(el, "senderName"),
            headline=self.text(el, "headline"),
            description=self.text(el, "description"),
            instruction=self.text(el, "instruction"),
            web=self.text(el, "web"),
            contact=self.text(el, "contact"),
            parameters=self.pairs(el, "parameter"),
            resources=tuple(self.resource(r) for r in el.all("resource")),
            areas=tuple(self.area(a) for a in el.all("area")),
        )

    def resource(self, element: Any) -> model.Resource:
        el = _Children(element)
        return model.Resource(
            resource_desc=self.required(el, "resourceDesc"),
            mime_type=self.required(el, "mimeType"),
            size=self.converted(el, "size", parse_integer),
            uri=self.text(el, "uri"),
            deref_uri=self.text(el, "derefUri"),
            digest=self.text(el, "digest"),
        )

    def area(self, element: Any) -> model.Area:
        el = _Children(element)
        return model.Area(
            area_desc=self.required(el, "areaDesc"),
            polygons=self.shapes(el, "polygon", parse_polygon),
            circles=self.shapes(el, "circle", parse_circle),
            geocodes=self.pairs(el, "geocode"),
            altitude=self.converted(el, "altitude", parse_decimal),
            ceiling=self.converted(el, "ceiling", parse_decimal),
        )

    def text(self, parent: _Children, name: str) -> str | None:
        el = parent.first(name)
        return None if el is None else (el.text or "")

    def texts(self, parent: _Children, name: str) -> tuple[str, ...]:
        return tuple(el.text or "" for el in parent.all(name))

    def required(self, parent: _Children, name: str) -> str:
        value = self.text(parent, name)
        return self.missing(parent, name, "") if value is None else value

    def missing(self, parent: _Children, name: str, placeholder: T) -> T:
        where = parent.element
        self.report(
            where, "missing-element", f"<{name}> is required in <{_local(where)}>"
        )
        return placeholder

    def pairs(self, parent: _Children, name: str) -> tuple[model.NamedValue, ...]:
        pairs = []
        for element in parent.all(name):
            el = _Children(element)
            pairs.append(
                model.NamedValue(
                    self.required(el, "valueName"), self.required(el, "value")
                )
            )
        return tuple(pairs)

    def enum(self, parent: _Children, name: str, kind: type[E]) -> E:
        el = parent.first(name)
        if el is None:
            return self.missing(parent, name, next(iter(kind)))
        return self.enum_value(el, kind)

    def enums(self, parent: _Children, name: str, kind: type[E]) -> tuple[E, ...]:
        return tuple(self.enum_value(el, kind) for el in parent.all(name))

    def enum_value(self, el: Any, kind: type[E]) -> E:
        text = el.text or ""
        try:
            return kind(text)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            self.report(
                el,
                "bad-enumeration",
                f"<{_local(el)}> is '{text}'; use one of: {allowed}",
            )
            return next(iter(kind))

    def time(self, parent: _Children, name: str) -> datetime | None:
        el = parent.first(name)
        if el is None:
            return None
        try:
            return parse_cap_time(el.text or "")
        except CapTimeError as exc:
            self.report(el, "bad-datetime", f"<{name}>: {exc}")
            return PLACEHOLDER_TIME

    def converted(
        self, parent: _Children, name: str, parse: Callable[[str], T]
    ) -> T | None:
        el = parent.first(name)
        if el is None:
            return None
        try:
            return parse(el.text or "")
        except ValueError as exc:
            self.report(el, "bad-number", f"<{name}>: {exc}")
            return None

    def shapes(
        self, parent: _Children, name: str, parse: Callable[[str], T]
    ) -> tuple[T, ...]:
        shapes = []
        for el in parent.all(name):
            try:
                shapes.append(parse(el.text or ""))
            except ValueError as exc:
                self.report(el, f"bad-{name}", f"<{name}>: {exc}")
        return tuple(shapes)

    def report(self, el: Any, code: str, message: str) -> None:
        self.problems.append(error(code, element_path(el), message, el.sourceline))


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else "?"
