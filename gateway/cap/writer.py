"""Write the CAP model as CAP 1.2 XML bytes, in the schema's element order.

Output is UTF-8 with an XML declaration. Times carry an explicit offset, UTC
as ``-00:00``; numbers are plain decimals, never exponents.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from gateway.cap import model
from gateway.cap.errors import InvalidMessage
from gateway.cap.times import format_cap_time

NS = "{" + model.CAP12_NAMESPACE + "}"
Value = str | datetime | float | int | None


def write(alert: model.Alert) -> bytes:
    """Serialise an alert as CAP 1.2 XML bytes."""
    try:
        root = build_alert(alert)
    except ValueError as exc:
        raise InvalidMessage(
            f"The alert cannot be written as XML: {exc}", code="unwritable"
        ) from exc
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def build_alert(alert: model.Alert) -> Any:
    """The ``alert`` element tree for an alert."""
    root = etree.Element(NS + "alert", nsmap={None: model.CAP12_NAMESPACE})
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", alert.sent)
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "source", alert.source)
    _add(root, "scope", alert.scope)
    _add(root, "restriction", alert.restriction)
    _add(root, "addresses", alert.addresses)
    _add_all(root, "code", alert.codes)
    _add(root, "note", alert.note)
    _add(root, "references", alert.references)
    _add(root, "incidents", alert.incidents)
    for info in alert.infos:
        _add_info(root, info)
    return root


def format_number(value: float) -> str:
    """A finite number as a plain decimal that reads back as the same float."""
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def format_point(point: model.Point) -> str:
    return f"{format_number(point.lat)},{format_number(point.lon)}"


def format_polygon(polygon: model.Polygon) -> str:
    return " ".join(format_point(point) for point in polygon.points)


def format_circle(circle: model.Circle) -> str:
    return f"{format_point(circle.center)} {format_number(circle.radius_km)}"


def _add_info(parent: Any, info: model.Info) -> None:
    el = etree.SubElement(parent, NS + "info")
    _add(el, "language", info.language)
    _add_all(el, "category", info.categories)
    _add(el, "event", info.event)
    _add_all(el, "responseType", info.response_types)
    _add(el, "urgency", info.urgency)
    _add(el, "severity", info.severity)
    _add(el, "certainty", info.certainty)
    _add(el, "audience", info.audience)
    _add_pairs(el, "eventCode", info.event_codes)
    _add(el, "effective", info.effective)
    _add(el, "onset", info.onset)
    _add(el, "expires", info.expires)
    _add(el, "senderName", info.sender_name)
    _add(el, "headline", info.headline)
    _add(el, "description", info.description)
    _add(el, "instruction", info.instruction)
    _add(el, "web", info.web)
    _add(el, "contact", info.contact)
    _add_pairs(el, "parameter", info.parameters)
    for resource in info.resources:
        _add_resource(el, resource)
    for area in info.areas:
        _add_area(el, area)


def _add_resource(parent: Any, resource: model.Resource) -> None:
    el = etree.SubElement(parent, NS + "resource")
    _add(el, "resourceDesc", resource.resource_desc)
    _add(el, "mimeType", resource.mime_type)
    _add(el, "size", resource.size)
    _add(el, "uri", resource.uri)
    _add(el, "derefUri", resource.deref_uri)
    _add(el, "digest", resource.digest)


def _add_area(parent: Any, area: model.Area) -> None:
    el = etree.SubElement(parent, NS + "area")
    _add(el, "areaDesc", area.area_desc)
    _add_all(el, "polygon", [format_polygon(p) for p in area.polygons])
    _add_all(el, "circle", [format_circle(c) for c in area.circles])
    _add_pairs(el, "geocode", area.geocodes)
    _add(el, "altitude", area.altitude)
    _add(el, "ceiling", area.ceiling)


def _add_pairs(parent: Any, name: str, pairs: Iterable[model.NamedValue]) -> None:
    for pair in pairs:
        el = etree.SubElement(parent, NS + name)
        _add(el, "valueName", pair.value_name)
        _add(el, "value", pair.value)


def _add_all(parent: Any, name: str, values: Iterable[Value]) -> None:
    for value in values:
        _add(parent, name, value)


def _add(parent: Any, name: str, value: Value) -> None:
    if value is None:
        return
    etree.SubElement(parent, NS + name).text = _to_text(value)


def _to_text(value: Value) -> str:
    if isinstance(value, datetime):
        return format_cap_time(value)
    if isinstance(value, bool):
        raise ValueError("booleans have no CAP form")
    if isinstance(value, float):
        return format_number(value)
    return str(value)
