"""Moving-window counts with the ``limits`` library, as the API's rate limits,
the console's sign-in lockout and the subscribe guard keep them: in Redis when
``KENTONGAN_REDIS_URL`` is set, so every process shares them, and in memory
otherwise, under the key prefix ``RATE_LIMIT_PREFIX`` (tests set their own).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gateway.config import ConfigError

KEY_PREFIX = "kentongan:limits"


@dataclass(frozen=True, slots=True)
class Windows:
    """A counter and the prefix of its keys."""

    counter: MovingWindowRateLimiter
    prefix: str

    def hit(self, limit: RateLimitItem, scope: str, key: str) -> bool:
        """Count one; False when the window was already full."""
        return bool(self.counter.hit(limit, self.prefix, scope, key))

    def test(self, limit: RateLimitItem, scope: str, key: str) -> bool:
        """Whether one more would still fit, counting nothing."""
        return bool(self.counter.test(limit, self.prefix, scope, key))

    def clear(self, limit: RateLimitItem, scope: str, key: str) -> None:
        self.counter.clear(limit, self.prefix, scope, key)

    def seconds_left(self, limit: RateLimitItem, scope: str, key: str) -> int:
        """Whole seconds, at least one, until the oldest count leaves the window."""
        stats = self.counter.get_window_stats(limit, self.prefix, scope, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def open_windows(config: Mapping[str, Any]) -> Windows:
    """The counter of these settings: Redis when configured, else memory."""
    storage = storage_from_string(config.get("REDIS_URL") or "memory://")
    prefix = str(config.get("RATE_LIMIT_PREFIX") or KEY_PREFIX)
    return Windows(MovingWindowRateLimiter(storage), prefix)


def read_limit(config: Mapping[str, Any], name: str) -> RateLimitItem:
    """The limit of setting ``name``, or a ``ConfigError`` naming its variable."""
    try:
        return parse(str(config[name]))
    except ValueError as exc:
        raise ConfigError(
            f"KENTONGAN_{name} must read like '5 per 15 minutes', got '{config[name]}'"
        ) from exc
