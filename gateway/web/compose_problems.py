"""Problems of a composed alert, put next to the form field they concern and
said in the reader's language.

A draft's problems carry a JSON pointer (``/infos/1/headline``) from the
schema, or a CAP path (``/alert/info[2]/headline``) from the CAP rules; both
name an info block, which the form knows as a language column. Common codes
have a sentence of ours in the catalogue; any other keeps the English
sentence of the check that found it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext

from gateway.cap.problems import Problem
from gateway.web.compose_form import TEXT_FIELDS, BuiltDraft, FormProblem

POINTER_INFO = re.compile(r"^/infos/(\d+)(?:/([A-Za-z]+))?(?:/(\d+)/([A-Za-z]+))?")
CAP_INFO = re.compile(
    r"^/alert/info(?:\[(\d+)\])?(?:/([A-Za-z]+))?(?:\[\d+\])?(?:/([A-Za-z]+))?"
)
REQUIRED_PROPERTY = re.compile(r"'(\w+)' is a required property")
SHARED_FIELDS = {
    "categories": "categories",
    "category": "categories",
    "responseTypes": "response_types",
    "responseType": "response_types",
    "urgency": "urgency",
    "severity": "severity",
    "certainty": "certainty",
    "expires": "expires",
    "parameters": "drill_group",
    "parameter": "drill_group",
}
SHAPE_FIELDS = {
    "polygons": "polygons",
    "polygon": "polygons",
    "circles": "circles",
    "circle": "circles",
}
LONG_TEXTS = ("description", "instruction")
TEXT_LIMIT, LONG_TEXT_LIMIT = 2000, 20000
MESSAGES = {
    "required": lazy_gettext("Fill this in; the alert cannot go out without it."),
    "category-required": lazy_gettext("Choose at least one category."),
    "area-required": lazy_gettext(
        "Choose at least one area from the list, or draw or type a polygon or a circle."
    ),
    "expires-required": lazy_gettext(
        "Give the date and time the alert stops being valid."
    ),
    "expires-format": lazy_gettext(
        "Write the expiry as a date and time, such as 2026-12-04T18:00."
    ),
    "expires-past": lazy_gettext(
        "The expiry is in the past; choose a later date and time."
    ),
    "polygon-format": lazy_gettext(
        "Write each polygon on a line of its own as latitude,longitude pairs "
        "separated by spaces, such as -0.90,100.38 -0.90,100.42 -0.94,100.42 "
        "-0.90,100.38."
    ),
    "circle-format": lazy_gettext(
        "Write each circle on a line of its own as latitude,longitude and the "
        "radius in km, such as -0.95,100.35 2."
    ),
    "polygon-too-few-points": lazy_gettext(
        "A polygon needs at least four points, the last the same as the first; "
        "add points or finish the shape where it started."
    ),
    "polygon-not-closed": lazy_gettext(
        "A polygon must end where it starts; repeat the first point at the end."
    ),
    "coordinate-out-of-range": lazy_gettext(
        "A point lies outside the earth: latitude goes from -90 to 90 and "
        "longitude from -180 to 180; check the order latitude,longitude."
    ),
    "circle-radius-negative": lazy_gettext("A circle's radius must be 0 km or more."),
    "drill-group-required": lazy_gettext(
        "An Exercise or Test alert reaches only a drill group; name the group, "
        "or choose Actual."
    ),
    "web-not-absolute": lazy_gettext(
        "Write the web address in full, starting with https://."
    ),
    "headline-too-long": lazy_gettext(
        "The headline is longer than 160 characters; shorten it so it fits a "
        "text message."
    ),
    "restricted-characters": lazy_gettext(
        "Remove the characters < > & and quotes here; CAP does not allow them "
        "in this field."
    ),
}


@dataclass(frozen=True, slots=True)
class ShownProblem:
    """A problem as the page shows it: the field (None: the whole alert), the
    sentence, and whether it stops the alert or only warns."""

    field: str | None
    text: str
    is_error: bool = True


def form_problems(found: list[FormProblem]) -> list[ShownProblem]:
    return [ShownProblem(item.field, str(MESSAGES[item.code])) for item in found]


def draft_problems(found: list[Problem], built: BuiltDraft) -> list[ShownProblem]:
    """Each problem of ``check_draft`` or the lifecycle, at its field."""
    shown = []
    for problem in found:
        field, code = _place(problem, built)
        shown.append(
            ShownProblem(field, _sentence(problem, code, field), problem.is_error)
        )
    return list(dict.fromkeys(shown))


def _place(problem: Problem, built: BuiltDraft) -> tuple[str | None, str]:
    code, location = problem.code, problem.location
    required = REQUIRED_PROPERTY.search(problem.message)
    if problem.code == "draft-schema":
        code = "required" if required else _schema_code(problem)
    if location in ("/status", "/alert/status"):
        return "status", code

    pointer = POINTER_INFO.match(location)
    cap = CAP_INFO.match(location)
    if pointer:
        index, name = int(pointer.group(1)), pointer.group(2)
        area, part = pointer.group(3), pointer.group(4)
    elif cap:
        index, name = int(cap.group(1) or 1) - 1, cap.group(2)
        area, part = None, cap.group(3)
    else:
        return None, code
    if required and name is None:
        name = required.group(1)
    return _field_of(built, index, name, area, part), code


def _field_of(
    built: BuiltDraft, index: int, name: str | None, area: str | None, part: str | None
) -> str | None:
    if name is None:
        return None
    if name in TEXT_FIELDS:
        column = built.columns[index] if index < len(built.columns) else None
        return f"{column}-{name}" if column else None
    if name in SHARED_FIELDS:
        return SHARED_FIELDS[name]
    if name in ("areas", "area"):
        drawn = area is None or int(area) == built.drawn_area
        if drawn and part in SHAPE_FIELDS and built.drawn_area is not None:
            return SHAPE_FIELDS[part]
        return "areas"
    return None


def _schema_code(problem: Problem) -> str:
    message = problem.message
    if "/polygons/" in problem.location and "is too short" in message:
        return "polygon-too-few-points"
    if "is too long" in message:
        return "too-long"
    if "is too short" in message or "should be non-empty" in message:
        return "required"
    return "draft-schema"


def _sentence(problem: Problem, code: str, field: str | None) -> str:
    if code == "too-long" and field:
        limit = LONG_TEXT_LIMIT if field.endswith(LONG_TEXTS) else TEXT_LIMIT
        return str(
            gettext(
                "This text is too long; shorten it to at most %(limit)d characters.",
                limit=limit,
            )
        )
    if code in MESSAGES:
        return str(MESSAGES[code])
    return str(problem.message)
