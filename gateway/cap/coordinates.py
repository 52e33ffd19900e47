"""Reading CAP coordinate text: ``lat,lon`` pairs of plain decimals.

One regular expression checks a whole polygon at once and ``float`` converts
every number in one pass, so a polygon of hundreds of points stays cheap.
Results are cached by text: the rules and the model read the same polygons,
and an office's predefined areas recur from alert to alert.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import starmap

from gateway.cap.model import Point

PLAIN_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
PAIR = rf"{PLAIN_DECIMAL},{PLAIN_DECIMAL}"
POLYGON_TEXT = re.compile(rf"\s*{PAIR}(?:\s+{PAIR})*\s*", re.ASCII)
CACHED_POLYGONS = 1024


@lru_cache(maxsize=CACHED_POLYGONS)
def read_polygon_points(text: str) -> tuple[Point, ...] | None:
    """The points of a polygon's text, or None if it is not only ``lat,lon`` pairs."""
    if not POLYGON_TEXT.fullmatch(text):
        return None
    numbers = map(float, text.replace(",", " ").split())
    return tuple(starmap(Point, zip(numbers, numbers, strict=True)))


def is_in_range(point: Point) -> bool:
    """Latitude within -90..90 and longitude within -180..180."""
    return -90.0 <= point.lat <= 90.0 and -180.0 <= point.lon <= 180.0
