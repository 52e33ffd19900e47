"""Hazard templates: the office's protocol for each hazard as a pre-filled
alert draft, in every language the office writes in.

A template fixes what the protocol decides (status, categories, response,
urgency, severity, certainty, how long the alert stands) and gives the words
per language, with ``{area}`` standing for the area's name. ``build_draft``
turns one into the JSON draft the API and the console check and publish; staff
may change every field afterwards. The shipped protocols are in
``defaults.json``; an office loads its own with ``load_templates``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from gateway.residents.targeting import DRILL_GROUP_PARAMETER

TEXT_FIELDS = ("event", "headline", "description", "instruction")
REQUIRED_FIELDS = (
    "key",
    "names",
    "status",
    "categories",
    "responseTypes",
    "urgency",
    "severity",
    "certainty",
    "expiresHours",
    "texts",
)
AREA_PLACEHOLDER = "{area}"
LONGEST_HOURS = 24 * 14


class TemplateError(ValueError):
    """A template file is malformed; the message names the place."""


@dataclass(frozen=True, slots=True)
class ProtocolTemplate:
    key: str
    names: dict[str, str]
    status: str
    categories: tuple[str, ...]
    response_types: tuple[str, ...]
    urgency: str
    severity: str
    certainty: str
    expires_hours: float
    texts: dict[str, dict[str, str]]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.texts)

    def name(self, locale: str) -> str:
        """The template's name in a UI locale (``id``, ``en``), else its key."""
        return self.names.get(locale.split("-")[0], self.key)


@cache
def default_templates() -> tuple[ProtocolTemplate, ...]:
    """The protocols shipped with the gateway."""
    text = resources.files(__package__).joinpath("defaults.json").read_text("utf-8")
    return load_templates(json.loads(text))


def find_template(key: str) -> ProtocolTemplate | None:
    return next((found for found in default_templates() if found.key == key), None)


def load_templates(document: Any) -> tuple[ProtocolTemplate, ...]:
    """Templates from a parsed template file; ``TemplateError`` if malformed."""
    if not isinstance(document, dict) or not isinstance(
        document.get("templates"), list
    ):
        raise TemplateError('A template file is an object with a "templates" list.')
    loaded = [
        _template(item, index) for index, item in enumerate(document["templates"])
    ]
    keys = [template.key for template in loaded]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise TemplateError(f"Template keys must be unique; repeated: {repeated}.")
    return tuple(loaded)


def build_draft(
    template: ProtocolTemplate,
    *,
    area: dict[str, Any],
    now: datetime,
    contact: str | None = None,
    web: str | None = None,
    drill_group: str | None = None,
) -> dict[str, Any]:
    """The alert draft the template gives for ``area`` (a draft area object,
    whose ``areaDesc`` fills ``{area}``), one info block per language."""
    if now.utcoffset() is None:
        raise ValueError("build_draft needs an aware time, in the office's zone")
    expires = (now + timedelta(hours=template.expires_hours)).replace(microsecond=0)
    area_name = str(area.get("areaDesc", ""))
    infos = []
    for language, words in template.texts.items():
        info: dict[str, Any] = {
            "language": language,
            "categories": list(template.categories),
            "event": words["event"],
            "responseTypes": list(template.response_types),
            "urgency": template.urgency,
            "severity": template.severity,
            "certainty": template.certainty,
            "expires": expires.isoformat(),
            **{
                field: words[field].replace(AREA_PLACEHOLDER, area_name)
                for field in ("headline", "description", "instruction")
            },
            "areas": [area],
        }
        if contact:
            info["contact"] = contact
        if web:
            info["web"] = web
        if drill_group:
            info["parameters"] = [
                {"valueName": DRILL_GROUP_PARAMETER, "value": drill_group}
            ]
        infos.append(info)
    return {"status": template.status, "scope": "Public", "infos": infos}


def _template(item: Any, index: int) -> ProtocolTemplate:
    where = f"templates[{index}]"
    if not isinstance(item, dict):
        raise TemplateError(f"{where} must be an object.")
    missing = [name for name in REQUIRED_FIELDS if name not in item]
    if missing:
        raise TemplateError(f"{where} lacks {', '.join(missing)}.")
    hours = item["expiresHours"]
    if not isinstance(hours, int | float) or not 0 < hours <= LONGEST_HOURS:
        raise TemplateError(
            f"{where}.expiresHours must be a number of hours above 0 and at most "
            f"{LONGEST_HOURS}."
        )
    return ProtocolTemplate(
        key=_text(item["key"], f"{where}.key"),
        names=_words(item["names"], f"{where}.names"),
        status=_text(item["status"], f"{where}.status"),
        categories=_texts(item["categories"], f"{where}.categories"),
        response_types=_texts(item["responseTypes"], f"{where}.responseTypes"),
        urgency=_text(item["urgency"], f"{where}.urgency"),
        severity=_text(item["severity"], f"{where}.severity"),
        certainty=_text(item["certainty"], f"{where}.certainty"),
        expires_hours=float(hours),
        texts=_languages(item["texts"], f"{where}.texts"),
    )


def _languages(value: Any, where: str) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict) or not value:
        raise TemplateError(f"{where} must map language tags to their words.")
    languages = {}
    for language, words in value.items():
        found = _words(words, f"{where}.{language}")
        missing = [name for name in TEXT_FIELDS if name not in found]
        if missing:
            raise TemplateError(f"{where}.{language} lacks {', '.join(missing)}.")
        languages[str(language)] = found
    return languages


def _words(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TemplateError(f"{where} must be an object of texts.")
    return {str(name): _text(text, f"{where}.{name}") for name, text in value.items()}


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise TemplateError(f"{where} must be a non-empty list of texts.")
    return tuple(_text(item, f"{where}[{n}]") for n, item in enumerate(value))


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(f"{where} must be a non-empty text.")
    return value
