"""Factories for CAP model objects, with defaults a test can override."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from gateway.cap import model

WIB = timezone(timedelta(hours=7))
SENT = datetime(2026, 12, 3, 9, 15, 0, tzinfo=WIB)


def make_area(**overrides: Any) -> model.Area:
    fields: dict[str, Any] = {
        "area_desc": "Kota Padang, Kecamatan Koto Tangah",
        "polygons": (
            model.Polygon(
                (
                    model.Point(-0.80, 100.30),
                    model.Point(-0.80, 100.40),
                    model.Point(-0.90, 100.40),
                    model.Point(-0.80, 100.30),
                )
            ),
        ),
        "circles": (model.Circle(model.Point(-0.95, 100.35), 10.0),),
        "geocodes": (model.NamedValue("BPS", "1371"),),
    }
    fields.update(overrides)
    return model.Area(**fields)


def make_info(**overrides: Any) -> model.Info:
    fields: dict[str, Any] = {
        "language": "id-ID",
        "categories": (model.Category.GEO,),
        "event": "Gempa bumi",
        "response_types": (model.ResponseType.EVACUATE,),
        "urgency": model.Urgency.IMMEDIATE,
        "severity": model.Severity.SEVERE,
        "certainty": model.Certainty.OBSERVED,
        "effective": SENT,
        "expires": SENT + timedelta(hours=6),
        "sender_name": "BPBD Kota Padang",
        "headline": "Gempa M6,8 — waspada tsunami, menjauh dari pantai",
        "description": "Gempa bumi berkekuatan 6,8 di barat daya Kota Padang.",
        "instruction": "Segera menuju tempat evakuasi terdekat.",
        "web": "https://bpbd.padang.go.id/peringatan",
        "areas": (make_area(),),
    }
    fields.update(overrides)
    return model.Info(**fields)


def make_alert(**overrides: Any) -> model.Alert:
    fields: dict[str, Any] = {
        "identifier": "urn:oid:2.49.0.0.360.0.2026.12.3.2.15.0.1",
        "sender": "bpbd@padang.go.id",
        "sent": SENT,
        "status": model.Status.ACTUAL,
        "msg_type": model.MsgType.ALERT,
        "scope": model.Scope.PUBLIC,
        "infos": (make_info(),),
    }
    fields.update(overrides)
    return model.Alert(**fields)
