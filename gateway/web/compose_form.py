"""The compose form's values and the alert draft they stand for.

The form edits two language columns (Indonesian and English), the fields all
info blocks share, and the areas. Whatever else a draft holds (a note, other
parameters, a third language) rides along in the hidden ``base`` field as
JSON and comes back untouched, so editing in the console loses nothing the
form does not show. Only what a form alone can get wrong is checked here
(unreadable times and shapes, missing choices); every rule of the draft
itself stays with ``check_draft`` and the lifecycle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from werkzeug.datastructures import MultiDict

from gateway.cap.reader import parse_circle, parse_polygon
from gateway.places.models import Area
from gateway.places.queries import area_cap_polygons
from gateway.residents.targeting import DRILL_GROUP_PARAMETER

COLUMNS = (("id", "id-ID"), ("en", "en-US"))
TEXT_FIELDS = ("event", "headline", "description", "instruction", "contact", "web")
DRILL_STATUSES = ("Exercise", "Test")
STATUSES = ("Actual", "Exercise", "Test")
AREA_PLACEHOLDER = "{area}"
TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class FormProblem:
    """Something the form cannot turn into a draft; ``field`` is a form name."""

    field: str
    code: str


@dataclass(slots=True)
class ComposeValues:
    """Every value of the compose form, as text, exactly as typed."""

    status: str = "Actual"
    drill_group: str = ""
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    response_types: list[str] = field(default_factory=list)
    urgency: str = ""
    severity: str = ""
    certainty: str = ""
    expires: str = ""
    areas: list[str] = field(default_factory=list)
    drawn_name: str = ""
    polygons: str = ""
    circles: str = ""
    kept_areas: str = "[]"
    kept: list[str] = field(default_factory=list)
    base: str = "{}"

    @property
    def is_drill(self) -> bool:
        return self.status in DRILL_STATUSES

    def text(self, column: str, name: str) -> str:
        return self.texts.get(column, {}).get(name, "")

    def kept_area_list(self) -> list[dict[str, Any]]:
        """Areas of the draft that are neither predefined nor drawn here (a
        geocode the places library does not know), shown to keep or drop."""
        try:
            found = json.loads(self.kept_areas or "[]")
        except ValueError:
            return []
        if not isinstance(found, list):
            return []
        return [area for area in found if isinstance(area, dict) and "areaDesc" in area]


@dataclass(slots=True)
class BuiltDraft:
    """The draft of a form, which info block came from which column, and where
    the drawn shapes went (to point problems back at the right field)."""

    content: dict[str, Any]
    columns: list[str | None]
    drawn_area: int | None
    problems: list[FormProblem]


def area_key(area: Area) -> str:
    """How the form names a predefined area: ``scheme:code``."""
    return f"{area.scheme}:{area.code}"


def values_from_form(form: MultiDict[str, str]) -> ComposeValues:
    """The values a person sent, whitespace kept as typed."""
    return ComposeValues(
        status=form.get("status", "Actual"),
        drill_group=form.get("drill_group", ""),
        texts={
            column: {name: form.get(f"{column}-{name}", "") for name in TEXT_FIELDS}
            for column, _ in COLUMNS
        },
        languages={
            column: form.get(f"{column}-language", "") or tag for column, tag in COLUMNS
        },
        categories=form.getlist("categories"),
        response_types=form.getlist("response_types"),
        urgency=form.get("urgency", ""),
        severity=form.get("severity", ""),
        certainty=form.get("certainty", ""),
        expires=form.get("expires", ""),
        areas=form.getlist("areas"),
        drawn_name=form.get("drawn_name", ""),
        polygons=form.get("polygons", ""),
        circles=form.get("circles", ""),
        kept_areas=form.get("kept_areas", "[]"),
        kept=form.getlist("kept"),
        base=form.get("base", "{}"),
    )


def values_from_draft(
    content: Mapping[str, Any], known_areas: set[str], zone: tzinfo
) -> ComposeValues:
    """The form showing a draft; areas the places library knows are ticked."""
    infos = [info for info in content.get("infos", []) if isinstance(info, dict)]
    first = infos[0] if infos else {}
    values = ComposeValues(
        status=str(content.get("status", "Actual")),
        drill_group=_drill_group(infos),
        categories=list(first.get("categories", [])),
        response_types=list(first.get("responseTypes", [])),
        urgency=str(first.get("urgency", "")),
        severity=str(first.get("severity", "")),
        certainty=str(first.get("certainty", "")),
        expires=_local_time(first.get("expires"), zone),
        base=json.dumps(_base_of(content), ensure_ascii=False),
    )
    for column, tag in COLUMNS:
        info = _info_of(infos, column) or {}
        values.languages[column] = str(info.get("language", tag))
        values.texts[column] = {name: str(info.get(name, "")) for name in TEXT_FIELDS}
    _put_areas(values, first.get("areas", []), known_areas)
    return values


def build_content(
    values: ComposeValues,
    chosen: Sequence[Area],
    zone: tzinfo,
    now: datetime,
    drawn_name: str,
) -> BuiltDraft:
    """The draft the form's values make, and what the form itself got wrong;
    ``drawn_name`` names a drawn shape its author left unnamed."""
    problems: list[FormProblem] = []
    shared = _shared_fields(values, zone, now, problems)
    areas, drawn_area = _areas(values, chosen, drawn_name, problems)
    if not areas:
        problems.append(FormProblem("areas", "area-required"))
    if values.is_drill and not values.drill_group.strip():
        problems.append(FormProblem("drill_group", "drill-group-required"))

    base = _read_base(values.base)
    base_infos = [info for info in base.get("infos", []) if isinstance(info, dict)]
    names = ", ".join(area["areaDesc"] for area in areas)
    infos: list[dict[str, Any]] = []
    columns: list[str | None] = []
    for column, _ in COLUMNS:
        texts = {name: values.text(column, name).strip() for name in TEXT_FIELDS}
        if column != COLUMNS[0][0] and not any(texts.values()):
            continue
        if not texts["event"]:
            problems.append(FormProblem(f"{column}-event", "required"))
        info = dict(_info_of(base_infos, column) or {})
        info["language"] = values.languages.get(column) or dict(COLUMNS)[column]
        for name, text in texts.items():
            _set(info, name, text.replace(AREA_PLACEHOLDER, names) if names else text)
        infos.append(info)
        columns.append(column)
    for info in base_infos:
        if _column_of(info) is None:
            infos.append(dict(info))
            columns.append(None)
    for info in infos:
        info.update(shared)
        info["areas"] = areas
        _set_drill_group(info, values.drill_group.strip() if values.is_drill else "")

    content = {key: value for key, value in base.items() if key != "infos"}
    content.update(status=values.status, infos=infos)
    content.setdefault("scope", "Public")
    return BuiltDraft(content, columns, drawn_area, problems)


def _shared_fields(
    values: ComposeValues, zone: tzinfo, now: datetime, problems: list[FormProblem]
) -> dict[str, Any]:
    shared: dict[str, Any] = {
        "categories": list(dict.fromkeys(values.categories)),
        "urgency": values.urgency,
        "severity": values.severity,
        "certainty": values.certainty,
    }
    if not values.categories:
        problems.append(FormProblem("categories", "category-required"))
    if values.response_types:
        shared["responseTypes"] = list(dict.fromkeys(values.response_types))
    expires = _read_time(values.expires, zone)
    if not values.expires.strip():
        problems.append(FormProblem("expires", "expires-required"))
    elif expires is None:
        problems.append(FormProblem("expires", "expires-format"))
    else:
        shared["expires"] = expires.isoformat()
        if expires <= now:
            problems.append(FormProblem("expires", "expires-past"))
    return shared


# Known gap: every drawn polygon and circle goes into one area with one name —
# an alert needing two differently named drawn areas is made through the API.
def _areas(
    values: ComposeValues,
    chosen: Sequence[Area],
    drawn_name: str,
    problems: list[FormProblem],
) -> tuple[list[dict[str, Any]], int | None]:
    areas: list[dict[str, Any]] = [
        {
            "areaDesc": area.name,
            "polygons": [_points(text) for text in area_cap_polygons(area)],
            "geocodes": [{"valueName": area.scheme, "value": area.code}],
        }
        for area in chosen
    ]
    areas += [
        area
        for index, area in enumerate(values.kept_area_list())
        if str(index) in values.kept
    ]
    drawn: dict[str, Any] = {}
    polygons = _shapes(values.polygons, _points, "polygons", problems)
    circles = _shapes(values.circles, _circle, "circles", problems)
    if polygons:
        drawn["polygons"] = polygons
    if circles:
        drawn["circles"] = circles
    if not drawn:
        return areas, None
    areas.append({"areaDesc": values.drawn_name.strip() or drawn_name, **drawn})
    return areas, len(areas) - 1


def _shapes(text: str, read: Any, name: str, problems: list[FormProblem]) -> list[Any]:
    shapes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            shapes.append(read(line))
        except ValueError:
            problems.append(FormProblem(name, f"{name[:-1]}-format"))
            return []
    return shapes


def _points(text: str) -> list[list[float]]:
    return [[point.lat, point.lon] for point in parse_polygon(text).points]


def _circle(text: str) -> dict[str, float]:
    circle = parse_circle(text)
    return {
        "lat": circle.center.lat,
        "lon": circle.center.lon,
        "radiusKm": circle.radius_km,
    }


def _put_areas(
    values: ComposeValues, areas: Sequence[Any], known_areas: set[str]
) -> None:
    polygons, circles, kept = [], [], []
    for area in areas:
        keys = [
            f"{code.get('valueName')}:{code.get('value')}"
            for code in area.get("geocodes", [])
        ]
        if keys and all(key in known_areas for key in keys):
            values.areas += keys
            continue
        if keys:
            kept.append(area)
            continue
        values.drawn_name = values.drawn_name or str(area.get("areaDesc", ""))
        polygons += [
            " ".join(f"{lat},{lon}" for lat, lon in ring)
            for ring in area.get("polygons", [])
        ]
        circles += [
            f"{c['lat']},{c['lon']} {c['radiusKm']}" for c in area.get("circles", [])
        ]
    values.polygons = "\n".join(polygons)
    values.circles = "\n".join(circles)
    values.kept_areas = json.dumps(kept, ensure_ascii=False)
    values.kept = [str(index) for index in range(len(kept))]


def _drill_group(infos: Sequence[dict[str, Any]]) -> str:
    for info in infos:
        for parameter in info.get("parameters", []):
            if parameter.get("valueName") == DRILL_GROUP_PARAMETER:
                return str(parameter.get("value", ""))
    return ""


def _set_drill_group(info: dict[str, Any], group: str) -> None:
    kept = [
        parameter
        for parameter in info.get("parameters", [])
        if parameter.get("valueName") != DRILL_GROUP_PARAMETER
    ]
    if group:
        kept.append({"valueName": DRILL_GROUP_PARAMETER, "value": group})
    _set(info, "parameters", kept)


def _info_of(infos: Sequence[dict[str, Any]], column: str) -> dict[str, Any] | None:
    return next((info for info in infos if _column_of(info) == column), None)


def _column_of(info: Mapping[str, Any]) -> str | None:
    language = str(info.get("language") or COLUMNS[0][1]).lower()
    return next(
        (column for column, _ in COLUMNS if language.split("-")[0] == column), None
    )


def _base_of(content: Mapping[str, Any]) -> dict[str, Any]:
    """The draft without what the form shows, so the hidden field stays small."""
    shown = {"areas", "language", *TEXT_FIELDS}
    infos = [
        {key: value for key, value in info.items() if key not in shown}
        | {"language": info.get("language") or COLUMNS[0][1]}
        for info in content.get("infos", [])
        if isinstance(info, dict)
    ]
    others = [
        info
        for info in content.get("infos", [])
        if isinstance(info, dict) and _column_of(info) is None
    ]
    kept = [info for info in infos if _column_of(info) is not None] + others
    rest = {key: value for key, value in content.items() if key != "infos"}
    return {**rest, "infos": kept}


def _read_base(text: str) -> dict[str, Any]:
    try:
        base = json.loads(text or "{}")
    except ValueError:
        return {}
    return base if isinstance(base, dict) else {}


def _read_time(text: str, zone: tzinfo) -> datetime | None:
    for shape in TIME_FORMATS:
        try:
            moment = datetime.strptime(text.strip(), shape)  # noqa: DTZ007
        except ValueError:
            continue
        return moment.replace(tzinfo=zone)
    return None


def _local_time(text: Any, zone: tzinfo) -> str:
    if not isinstance(text, str):
        return ""
    try:
        moment = datetime.fromisoformat(text).astimezone(zone)
    except (ValueError, OverflowError):
        return ""
    shape = TIME_FORMATS[1] if moment.second else TIME_FORMATS[0]
    return moment.strftime(shape)


def _set(info: dict[str, Any], name: str, value: Any) -> None:
    if value:
        info[name] = value
    else:
        info.pop(name, None)
