"""Hazard templates: every shipped protocol gives a draft that passes the
draft schema and the CAP 1.2 rules, in Indonesian and English, and publishes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from gateway.alerts.drafts import check_draft
from gateway.protocols.templates import (
    TemplateError,
    build_draft,
    default_templates,
    find_template,
    load_templates,
)
from tests.factories import add_staff, publish_draft

# Drafts are checked against the real clock (their sent time is now), so the
# templates are filled in at the real time too, to the whole minute.
NOW = datetime.now(ZoneInfo("Asia/Jakarta")).replace(second=0, microsecond=0)
AREA = {
    "areaDesc": "Kecamatan Padang Barat",
    "polygons": [[[-0.93, 100.34], [-0.93, 100.37], [-0.96, 100.37], [-0.93, 100.34]]],
}
HAZARDS = {
    "earthquake",
    "tsunami",
    "flood",
    "landslide",
    "fire",
    "volcano",
    "extreme-weather",
    "disease-outbreak",
    "evacuation-drill",
}


def test_every_hazard_the_office_plans_for_has_a_template() -> None:
    assert {template.key for template in default_templates()} == HAZARDS


@pytest.mark.parametrize("key", sorted(HAZARDS))
def test_template_draft_passes_the_schema_and_cap_rules(key: str) -> None:
    template = find_template(key)
    assert template is not None

    draft = build_draft(
        template,
        area=AREA,
        now=NOW,
        contact="Pusdalops BPBD Kota Padang, 112",
        web="https://peringatan.padang.go.id",
        drill_group="latihan-rw05" if template.status == "Exercise" else None,
    )

    assert check_draft(draft) == []
    assert [info["language"] for info in draft["infos"]] == ["id-ID", "en-US"]
    indonesian, english = draft["infos"]
    assert indonesian["headline"] != english["headline"]
    assert "Kecamatan Padang Barat" in indonesian["headline"]
    assert "{area}" not in str(draft)
    assert indonesian["expires"] == english["expires"]
    assert datetime.fromisoformat(indonesian["expires"]) > NOW


def test_drill_template_is_an_exercise_for_its_drill_group() -> None:
    template = find_template("evacuation-drill")
    assert template is not None

    draft = build_draft(template, area=AREA, now=NOW, drill_group="latihan-rw05")

    assert draft["status"] == "Exercise"
    assert all(
        info["parameters"] == [{"valueName": "drillGroup", "value": "latihan-rw05"}]
        for info in draft["infos"]
    )
    assert all(
        info["headline"].startswith(("LATIHAN", "DRILL")) for info in draft["infos"]
    )


def test_expiry_follows_the_protocol() -> None:
    template = find_template("tsunami")
    assert template is not None

    draft = build_draft(template, area=AREA, now=NOW)

    expires = datetime.fromisoformat(draft["infos"][0]["expires"])
    assert expires - NOW == timedelta(hours=3)
    assert expires.utcoffset() == timedelta(hours=7)


def test_template_names_follow_the_interface_language() -> None:
    template = find_template("flood")
    assert template is not None

    assert (template.name("id"), template.name("en")) == ("Banjir", "Flood")
    assert template.name("fr") == "flood"


def test_template_draft_publishes_through_the_api(app: Flask) -> None:
    template = find_template("earthquake")
    assert template is not None
    author, approver = add_staff(app, "author"), add_staff(app, "approver")
    draft = build_draft(template, area=AREA, now=datetime.now(ZoneInfo("Asia/Jakarta")))

    published = publish_draft(app.test_client(), author, approver, draft)

    assert published["state"] == "published"


def minimal(**changes: Any) -> dict[str, Any]:
    template: dict[str, Any] = {
        "key": "storm",
        "names": {"id": "Badai", "en": "Storm"},
        "status": "Actual",
        "categories": ["Met"],
        "responseTypes": ["Shelter"],
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "expiresHours": 6,
        "texts": {
            "id-ID": {
                "event": "Badai",
                "headline": "Badai di {area}",
                "description": "Angin kencang.",
                "instruction": "Tetap di dalam rumah.",
            }
        },
    }
    template.update(changes)
    return template


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "templates"),
        ({"templates": [minimal(), minimal()]}, "repeated: ['storm']"),
        ({"templates": [minimal(expiresHours=0)]}, "expiresHours"),
        ({"templates": [minimal(expiresHours="six")]}, "expiresHours"),
        ({"templates": [minimal(categories=[])]}, "categories"),
        ({"templates": [minimal(key=" ")]}, "templates[0].key"),
        (
            {"templates": [minimal(texts={"id-ID": {"event": "Badai"}})]},
            "lacks headline, description, instruction",
        ),
        ({"templates": ["storm"]}, "templates[0] must be an object"),
    ],
)
def test_malformed_template_files_say_where(document: Any, message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("[", r"\[")):
        load_templates(document)


def test_a_naive_time_is_refused() -> None:
    template = load_templates({"templates": [minimal()]})[0]

    with pytest.raises(ValueError, match="aware"):
        build_draft(template, area=AREA, now=datetime(2026, 12, 4, 9, 15))  # noqa: DTZ001
