"""Identifiers for the alerts this gateway writes.

Shape: ``<prefix>.<year>.<month>.<day>.<hour>.<minute>.<second>.<serial>`` in
UTC, numbers without leading zeros so the whole stays a valid OID, where the
prefix is configurable (a WMO-style ``urn:oid:`` register entry by default)
and ``serial`` combines a per-process counter with 40 random bits, so many
alerts in one second, in many processes, do not collide.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from datetime import UTC, datetime

DEFAULT_PREFIX = "urn:oid:2.49.0.0.360.0"
PREFIX_SHAPE = re.compile(r"[^\s,<&]+")
_counter = itertools.count(1)
_lock = threading.Lock()


def new_identifier(prefix: str = DEFAULT_PREFIX, now: datetime | None = None) -> str:
    """A fresh CAP identifier under ``prefix``."""
    if not PREFIX_SHAPE.fullmatch(prefix):
        raise ValueError(
            f"Identifier prefix '{prefix}' must not be empty or contain spaces, "
            "commas, '<' or '&'"
        )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with _lock:
        count = next(_counter) % 1_000_000 or 1_000_000
    serial = f"{count}{secrets.randbits(40):013d}"
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute)
    return f"{prefix}.{'.'.join(map(str, stamp))}.{moment.second}.{serial}"
