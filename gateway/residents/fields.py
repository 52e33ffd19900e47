"""The fields of a subscription beside its address: language, point, area
codes and drill groups, checked and brought to canonical form.

The CSV importer reads them from text (``parse_*``); the API gets JSON values
(``check_*``). Both end in the same checks, so a subscriber is the same
whichever way it arrived.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from gateway.residents.errors import InvalidSubscription

MAX_LANGUAGE_LENGTH = 35
MAX_TAG_LENGTH = 200
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")
GROUP_NAME = re.compile(r"[A-Za-z0-9_.:-]+")
# White space or a control character: a tag is one word of visible text.
NOT_IN_TAG = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def normalise_language(raw: str) -> str | None:
    """A BCP 47 tag in its usual case (``en-us`` → ``en-US``); empty is none."""
    text = raw.strip().replace("_", "-")
    if not text:
        return None
    if len(text) > MAX_LANGUAGE_LENGTH or LANGUAGE_TAG.fullmatch(text.lower()) is None:
        raise InvalidSubscription(
            f"Language '{raw[:40]}' is not a language tag; write it like id-ID or en.",
            code="invalid-language",
            location="/language",
        )
    primary, *rest = text.lower().split("-")
    return "-".join([primary, *(_subtag_case(part) for part in rest)])


def parse_point(raw_lat: str, raw_lon: str) -> tuple[float | None, float | None]:
    """Latitude and longitude in WGS 84 degrees from text, both or neither."""
    lat_text, lon_text = raw_lat.strip(), raw_lon.strip()
    return check_point(
        _number(lat_text) if lat_text else None,
        _number(lon_text) if lon_text else None,
        shown=(lat_text, lon_text),
    )


def check_point(
    lat: float | None,
    lon: float | None,
    *,
    shown: tuple[str, str] | None = None,
) -> tuple[float | None, float | None]:
    """Latitude and longitude in WGS 84 degrees, both or neither.

    ``shown`` is how the values were written, for the message.
    """
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise InvalidSubscription(
            "Give both lat and lon, or neither.",
            code="incomplete-location",
            location="/lat" if lat is None else "/lon",
        )
    lat_shown, lon_shown = shown or (f"{lat:g}", f"{lon:g}")
    return (
        _degrees(lat, lat_shown, "lat", 90.0),
        _degrees(lon, lon_shown, "lon", 180.0),
    )


def parse_tags(raw: str, what: str) -> tuple[str, ...]:
    """Space-separated values, each once, in the order given."""
    return check_tags(raw.split(), what)


def check_tags(values: Iterable[str], what: str) -> tuple[str, ...]:
    """Each value once, in the order given; each one word of at most 200."""
    location = "/groups" if what == "drill group" else "/areas"
    tags = tuple(dict.fromkeys(values))
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidSubscription(
                f"The {what} '{tag[:20]}…' is longer than {MAX_TAG_LENGTH} characters.",
                code="tag-too-long",
                location=location,
            )
        if not tag or NOT_IN_TAG.search(tag):
            raise InvalidSubscription(
                f"The {what} {tag[:20]!r} must be one word with no spaces or "
                f"control characters; give each {what} separately.",
                code="invalid-tag",
                location=location,
            )
    return tags


def parse_groups(raw: str) -> tuple[str, ...]:
    return check_groups(raw.split())


def check_groups(values: Iterable[str]) -> tuple[str, ...]:
    """Drill group names: letters, digits and ``. _ : -``, each once."""
    groups = check_tags(values, "drill group")
    for group in groups:
        if GROUP_NAME.fullmatch(group) is None:
            raise InvalidSubscription(
                f"Drill group '{group}' may hold only letters, digits and . _ : -",
                code="invalid-group",
                location="/groups",
            )
    return groups


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _degrees(value: float, shown: str, name: str, limit: float) -> float:
    if not math.isfinite(value) or abs(value) > limit:
        raise InvalidSubscription(
            f"{name} '{shown[:40]}' must be a number of degrees from -{limit:g} to "
            f"{limit:g}.",
            code="invalid-location",
            location=f"/{name}",
        )
    return float(value)


def _subtag_case(part: str) -> str:
    if len(part) == 2 and part.isalpha():
        return part.upper()
    if len(part) == 4 and part.isalpha():
        return part.title()
    return part
