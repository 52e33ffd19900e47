"""CAP dateTime text: ``YYYY-MM-DDThh:mm:ss±hh:mm``, always with an offset.

CAP 1.2 writes UTC as ``-00:00``. Many publishers write ``+00:00``, which we
accept and flag; ``Z`` and fractional seconds are not CAP and are refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

CAP_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})"
    r"(?P<sign>[-+])(?P<hours>\d{2}):(?P<minutes>\d{2})"
)


class CapTimeError(Exception):
    """Text that is not a CAP dateTime; the message says what is expected."""


@lru_cache(maxsize=4096)
def parse_cap_time(text: str) -> datetime:
    """Read a CAP dateTime into an aware datetime, refusing anything else.

    Cached: the rules and the model read the same times of a message.
    """
    match = CAP_DATETIME.fullmatch(text)
    if match is None:
        raise CapTimeError(
            f"'{text}' is not a CAP date and time: write it as "
            "YYYY-MM-DDThh:mm:ss with an offset such as +07:00 (UTC is -00:00)"
        )

    hours, minutes = int(match["hours"]), int(match["minutes"])
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        raise CapTimeError(f"'{text}' has an offset outside -14:00 to +14:00")
    offset = timedelta(hours=hours, minutes=minutes)
    if match["sign"] == "-":
        offset = -offset

    try:
        naive = datetime.fromisoformat(f"{match['date']}T{match['time']}")
    except ValueError as exc:
        raise CapTimeError(f"'{text}' is not a real date and time: {exc}") from exc
    moment = naive.replace(tzinfo=UTC if not offset else timezone(offset))
    try:
        moment.astimezone(UTC)
    except OverflowError as exc:
        raise CapTimeError(
            f"'{text}' is not a date and time that exists in UTC; keep it within "
            "the years 0001 to 9999 there"
        ) from exc
    return moment


def format_cap_time(value: datetime) -> str:
    """Write an aware datetime as CAP text, UTC as ``-00:00``, seconds only."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("CAP times must be timezone-aware")

    stamp = value.replace(microsecond=0, tzinfo=None).isoformat()
    if not offset:
        return f"{stamp}-00:00"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{stamp}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def is_explicit_utc_plus(text: str) -> bool:
    """True for ``+00:00``, which CAP 1.2 asks to be written ``-00:00``."""
    return text.endswith("+00:00")


def cap_now() -> datetime:
    """The current time in UTC, truncated to whole seconds as CAP writes it."""
    return datetime.now(UTC).replace(microsecond=0)
