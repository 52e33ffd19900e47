"""Alert drafts: the JSON shape staff tools send, and its CAP model.

A draft is the content of a CAP alert with CAP's own field names
(``schemas/alert-draft.schema.json``); the gateway adds identifier, sender,
sent, msgType and references when it publishes. Checking a draft returns every
problem at once: the JSON schema first, then the CAP 1.2 rules on the message
the draft would become.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from gateway.cap import model, write
from gateway.cap.errors import CapError
from gateway.cap.problems import Problem, error
from gateway.cap.schema import schema_path
from gateway.cap.validation import inspect

DRAFT_SCHEMA_NAME = "alert-draft.schema.json"
PROVISIONAL_IDENTIFIER = "draft-check"
PROVISIONAL_SENDER = "draft-check@localhost"


def draft_schema() -> dict[str, Any]:
    """The JSON schema of a draft (also part of the OpenAPI document)."""
    return dict(_load_schema())


def check_draft(content: Any) -> list[Problem]:
    """Every problem of a draft: schema first, then the CAP 1.2 rules."""
    problems = [
        error("draft-schema", _pointer(found.absolute_path), _describe(found))
        for found in sorted(_validator().iter_errors(content), key=_error_order)
    ]
    if problems:
        return problems

    try:
        alert = alert_from_draft(
            content,
            identifier=PROVISIONAL_IDENTIFIER,
            sender=PROVISIONAL_SENDER,
            sent=datetime.now(UTC).replace(microsecond=0),
        )
        data = write(alert)
    except (ValueError, CapError) as exc:
        return [error("draft-value", "/", str(exc))]
    return inspect(data).problems


def content_hash(content: Any) -> str:
    """The SHA-256 of a draft's canonical JSON: what an approval is bound to."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def alert_from_draft(
    content: dict[str, Any],
    *,
    identifier: str,
    sender: str,
    sent: datetime,
    msg_type: model.MsgType = model.MsgType.ALERT,
    references: str | None = None,
) -> model.Alert:
    """The CAP alert a checked draft becomes."""
    return model.Alert(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=model.Status(content["status"]),
        msg_type=msg_type,
        scope=model.Scope(content["scope"]),
        source=content.get("source"),
        restriction=content.get("restriction"),
        addresses=content.get("addresses"),
        codes=tuple(content.get("codes", ())),
        note=content.get("note"),
        references=references,
        incidents=content.get("incidents"),
        infos=tuple(_info(info) for info in content["infos"]),
    )


def draft_from_alert(alert: model.Alert) -> dict[str, Any]:
    """The draft content of an alert, e.g. to start an Update from it."""
    content: dict[str, Any] = {
        "status": str(alert.status),
        "scope": str(alert.scope),
        "infos": [_info_content(info) for info in alert.infos],
    }
    _put(content, "source", alert.source)
    _put(content, "restriction", alert.restriction)
    _put(content, "addresses", alert.addresses)
    _put(content, "codes", list(alert.codes))
    _put(content, "note", alert.note)
    _put(content, "incidents", alert.incidents)
    return content


def latest_expiry(content: dict[str, Any]) -> datetime | None:
    """The latest ``expires`` of a draft's info blocks."""
    times = [_time(info["expires"]) for info in content["infos"] if "expires" in info]
    return max(times, default=None)


def _info(info: dict[str, Any]) -> model.Info:
    return model.Info(
        language=info.get("language"),
        categories=tuple(model.Category(name) for name in info["categories"]),
        event=info["event"],
        response_types=tuple(
            model.ResponseType(name) for name in info.get("responseTypes", ())
        ),
        urgency=model.Urgency(info["urgency"]),
        severity=model.Severity(info["severity"]),
        certainty=model.Certainty(info["certainty"]),
        audience=info.get("audience"),
        event_codes=_named_values(info.get("eventCodes", ())),
        effective=_optional_time(info.get("effective")),
        onset=_optional_time(info.get("onset")),
        expires=_optional_time(info.get("expires")),
        sender_name=info.get("senderName"),
        headline=info.get("headline"),
        description=info.get("description"),
        instruction=info.get("instruction"),
        web=info.get("web"),
        contact=info.get("contact"),
        parameters=_named_values(info.get("parameters", ())),
        resources=tuple(_resource(item) for item in info.get("resources", ())),
        areas=tuple(_area(area) for area in info.get("areas", ())),
    )


def _area(area: dict[str, Any]) -> model.Area:
    return model.Area(
        area_desc=area["areaDesc"],
        polygons=tuple(
            model.Polygon(
                tuple(model.Point(float(lat), float(lon)) for lat, lon in ring)
            )
            for ring in area.get("polygons", ())
        ),
        circles=tuple(
            model.Circle(
                model.Point(float(circle["lat"]), float(circle["lon"])),
                float(circle["radiusKm"]),
            )
            for circle in area.get("circles", ())
        ),
        geocodes=_named_values(area.get("geocodes", ())),
        altitude=_optional_float(area.get("altitude")),
        ceiling=_optional_float(area.get("ceiling")),
    )


def _resource(item: dict[str, Any]) -> model.Resource:
    return model.Resource(
        resource_desc=item["resourceDesc"],
        mime_type=item["mimeType"],
        size=item.get("size"),
        uri=item.get("uri"),
        digest=item.get("digest"),
    )


def _info_content(info: model.Info) -> dict[str, Any]:
    content: dict[str, Any] = {
        "categories": [str(name) for name in info.categories],
        "event": info.event,
        "urgency": str(info.urgency),
        "severity": str(info.severity),
        "certainty": str(info.certainty),
    }
    _put(content, "language", info.language)
    _put(content, "responseTypes", [str(name) for name in info.response_types])
    _put(content, "audience", info.audience)
    _put(content, "eventCodes", _named_value_content(info.event_codes))
    for name in ("effective", "onset", "expires"):
        moment = getattr(info, name)
        _put(content, name, moment.isoformat() if moment else None)
    _put(content, "senderName", info.sender_name)
    _put(content, "headline", info.headline)
    _put(content, "description", info.description)
    _put(content, "instruction", info.instruction)
    _put(content, "web", info.web)
    _put(content, "contact", info.contact)
    _put(content, "parameters", _named_value_content(info.parameters))
    _put(content, "resources", [_resource_content(item) for item in info.resources])
    _put(content, "areas", [_area_content(area) for area in info.areas])
    return content


def _area_content(area: model.Area) -> dict[str, Any]:
    content: dict[str, Any] = {"areaDesc": area.area_desc}
    _put(
        content,
        "polygons",
        [[[point.lat, point.lon] for point in ring.points] for ring in area.polygons],
    )
    _put(
        content,
        "circles",
        [
            {"lat": c.center.lat, "lon": c.center.lon, "radiusKm": c.radius_km}
            for c in area.circles
        ],
    )
    _put(content, "geocodes", _named_value_content(area.geocodes))
    _put(content, "altitude", area.altitude)
    _put(content, "ceiling", area.ceiling)
    return content


def _resource_content(item: model.Resource) -> dict[str, Any]:
    content: dict[str, Any] = {
        "resourceDesc": item.resource_desc,
        "mimeType": item.mime_type,
    }
    _put(content, "size", item.size)
    _put(content, "uri", item.uri)
    _put(content, "digest", item.digest)
    return content


def _named_values(items: Iterable[dict[str, str]]) -> tuple[model.NamedValue, ...]:
    return tuple(model.NamedValue(item["valueName"], item["value"]) for item in items)


def _named_value_content(items: Iterable[model.NamedValue]) -> list[dict[str, str]]:
    return [{"valueName": item.value_name, "value": item.value} for item in items]


def _put(content: dict[str, Any], name: str, value: Any) -> None:
    if value is not None and value != []:
        content[name] = value


def _optional_time(text: str | None) -> datetime | None:
    return _time(text) if text is not None else None


def _time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"Time '{text}' is not a real date and time: {exc}") from exc
    if moment.utcoffset() is None:
        raise ValueError(f"Time '{text}' needs an offset such as +07:00")
    try:
        moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(
            f"Time '{text}' does not exist in UTC; keep it within the years "
            "0001 to 9999 there"
        ) from exc
    return moment


def _optional_float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _pointer(path: Iterable[Any]) -> str:
    return "/" + "/".join(str(part) for part in path)


def _describe(found: Any) -> str:
    where = _pointer(found.absolute_path)
    if found.validator == "additionalProperties":
        return f"{found.message}; remove it or check its spelling (at {where})"
    if found.validator == "required":
        return f"{found.message} (at {where}); add it"
    return f"{found.message} (at {where})"


def _error_order(found: Any) -> tuple[str, ...]:
    return tuple(str(part) for part in found.absolute_path)


@cache
def _load_schema() -> dict[str, Any]:
    path: Path = schema_path().parent / DRAFT_SCHEMA_NAME
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_load_schema())
