"""Demo places for a small, made-up city around Padang, West Sumatra.

Every boundary, shelter and route here is fictional, hand-drawn for the demo
(each feature says so in its ``source``); none is real data. The areas use
BPS-style codes (the city 1371, its districts 1371010 to 1371050).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from gateway.places.importer import (
    ImportReport,
    import_areas_file,
    import_shelters_file,
)

logger = logging.getLogger(__name__)

DEMO = Path(__file__).parent
AREAS_FILE = DEMO / "areas.geojson"
SHELTERS_FILE = DEMO / "shelters.geojson"


def seed_demo_places(sessions: sessionmaker[Session]) -> list[ImportReport]:
    """Import the demo areas, then shelters and routes; running it again changes
    nothing."""
    reports = [
        import_areas_file(sessions, AREAS_FILE),
        import_shelters_file(sessions, SHELTERS_FILE),
    ]
    for report in reports:
        for rejection in report.rejections:
            logger.error(
                "demo place rejected index=%d code=%s",
                rejection.index,
                rejection.code,
            )
    return reports
