"""The abuse guard of residents' self-subscription, with no CAPTCHA: counts per
client address, per resident address and for the whole office.

Each count is a ``limits`` moving window, in Redis when ``KENTONGAN_REDIS_URL``
is set (so every process shares it) and in memory otherwise:

- ``KENTONGAN_SUBSCRIBE_CLIENT_LIMIT``: subscription attempts from one client
  address (the form, a code typed, a browser's push subscription);
- ``KENTONGAN_SUBSCRIBE_ADDRESS_LIMIT``: confirmation messages to one phone
  number or email address, so nobody can use the form to flood someone else;
- ``KENTONGAN_SUBSCRIBE_DAILY_LIMIT``: confirmation messages in all, a ceiling
  on what a crowd of addresses can cost the office in SMS.

Resident addresses are counted by a digest, never written to Redis as typed.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gateway.config import ConfigError

KEY_PREFIX = "kentongan:limits"
EXTENSION = "kentongan.subscribe_guard"


# Known gap: behind a reverse proxy every client shares the proxy's address
# (there is no ProxyFix), so raise KENTONGAN_SUBSCRIBE_CLIENT_LIMIT there.
class SubscribeGuard:
    """The three counts of one app and the storage that holds them."""

    def __init__(self, app: Flask) -> None:
        storage = storage_from_string(app.config.get("REDIS_URL") or "memory://")
        self.counter = MovingWindowRateLimiter(storage)
        self.prefix = app.config.get("RATE_LIMIT_PREFIX", KEY_PREFIX)
        self.per_client = _limit(app, "SUBSCRIBE_CLIENT_LIMIT")
        self.per_address = _limit(app, "SUBSCRIBE_ADDRESS_LIMIT")
        self.per_office = _limit(app, "SUBSCRIBE_DAILY_LIMIT")

    def take_client(self, client: str) -> int:
        """Count one attempt from ``client``: 0 when allowed, else the seconds
        until the next one is."""
        return self._take(self.per_client, "subscribe-client", client)

    def take_message(self, channel: str, address: str) -> int:
        """Count one confirmation message to ``address`` and to the office's
        budget: 0 when allowed, else the seconds until one would be."""
        key = _address_key(channel, address)
        waiting = self._wait(self.per_address, "subscribe-address", key)
        if waiting:
            return waiting
        waiting = self._take(self.per_office, "subscribe-office", "all")
        if waiting:
            return waiting
        return self._take(self.per_address, "subscribe-address", key)

    def _take(self, limit: RateLimitItem, scope: str, key: str) -> int:
        if self.counter.hit(limit, self.prefix, scope, key):
            return 0
        return self._seconds_left(limit, scope, key)

    def _wait(self, limit: RateLimitItem, scope: str, key: str) -> int:
        if self.counter.test(limit, self.prefix, scope, key):
            return 0
        return self._seconds_left(limit, scope, key)

    def _seconds_left(self, limit: RateLimitItem, scope: str, key: str) -> int:
        stats = self.counter.get_window_stats(limit, self.prefix, scope, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def install_subscribe_guard(app: Flask) -> None:
    app.extensions[EXTENSION] = SubscribeGuard(app)


def subscribe_guard() -> SubscribeGuard:
    found: SubscribeGuard = current_app.extensions[EXTENSION]
    return found


def _limit(app: Flask, name: str) -> RateLimitItem:
    try:
        return parse(str(app.config[name]))
    except ValueError as exc:
        raise ConfigError(
            f"KENTONGAN_{name} must read like '3 per hour', got '{app.config[name]}'"
        ) from exc


def _address_key(channel: str, address: str) -> str:
    text = f"{channel}:{address.strip().lower()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]
