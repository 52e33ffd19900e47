"""The areas of the listed alerts as one GeoJSON FeatureCollection, for the
map of the front page and of the drills page.

Each area feature (``kind`` ``area``) names its alert's headline, severity
and page, so the map can colour it and link it; the pages list the same
alerts as text, and the map is only an enhancement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from gateway.web.public_alerts import AlertLine
from gateway.web.public_places import area_features


def overview_geojson(
    session: Session, lines: Sequence[AlertLine], page_of: Callable[[str], str]
) -> dict[str, Any]:
    """Every area of ``lines``, each linked to its alert's page by ``page_of``."""
    features = []
    for line in lines:
        if line.info is None:
            continue
        about = {
            "alert": line.info.headline or line.info.event,
            "severity": line.severity,
            "url": page_of(line.alert_id),
        }
        for feature in area_features(session, line.info.areas):
            feature["properties"].update(about)
            features.append(feature)
    return {"type": "FeatureCollection", "features": features}
