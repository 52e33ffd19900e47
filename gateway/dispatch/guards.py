"""What stands between a worker and a provider: a rate limit and a circuit
breaker per provider.

A provider is the SMS gateway or the SMTP relay as a whole, and each push
service or webhook host on its own, so one broken host does not hold up the
rest. Rate limits (``KENTONGAN_SMS_RATE_LIMIT="50 per second"`` and the like)
are counted with the ``limits`` library: in memory with the local dispatcher,
in Redis with the Redis one, so every worker process on every machine shares
one budget. The breaker (``pybreaker``) opens after a run of temporary
failures and lets one trial through after a pause; while it is open, rows go
back to the queue for later without spending an attempt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pybreaker
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gateway.channels.base import PermanentFailure
from gateway.config import ConfigError

logger = logging.getLogger(__name__)

RATE_SETTINGS = {
    "sms": "SMS_RATE_LIMIT",
    "email": "EMAIL_RATE_LIMIT",
    "webpush": "WEBPUSH_RATE_LIMIT",
    "webhook": "WEBHOOK_RATE_LIMIT",
}
PER_HOST_CHANNELS = ("webpush", "webhook")
LONGEST_NAP_SECONDS = 1.0
SHORTEST_NAP_SECONDS = 0.005

T = TypeVar("T")


class ProviderUnavailable(Exception):
    """The provider's breaker is open: try again after ``retry_after`` seconds."""

    def __init__(self, provider: str, retry_after: float) -> None:
        super().__init__(f"{provider} is failing; its circuit breaker is open")
        self.provider = provider
        self.retry_after = retry_after


def provider_of(channel: str, address: str) -> str:
    """The name a rate limit and a breaker are kept under."""
    if channel in PER_HOST_CHANNELS:
        host = urlsplit(address).hostname or "unknown-host"
        return f"{channel}:{host}"
    return channel


class ProviderGuards:
    """Rate limits and breakers for every provider a process talks to."""

    def __init__(
        self,
        rates: Mapping[str, str],
        storage_uri: str = "memory://",
        breaker_failures: int = 5,
        breaker_reset_seconds: float = 30,
        key_prefix: str = "kentongan",
    ) -> None:
        self._rates = {channel: _rate(channel, text) for channel, text in rates.items()}
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._key = f"{key_prefix}:provider-rate"
        self._breaker_failures = breaker_failures
        self._breaker_reset_seconds = breaker_reset_seconds
        self._breakers: dict[str, pybreaker.CircuitBreaker] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, config: Any) -> ProviderGuards:
        """Guards from the ``*_RATE_LIMIT`` and ``BREAKER_*`` settings; the rate
        counts live in Redis when the Redis dispatcher is chosen."""
        rates = {
            channel: str(config[name])
            for channel, name in RATE_SETTINGS.items()
            if config.get(name)
        }
        storage = "memory://"
        if config.get("DISPATCHER") == "redis":
            storage = str(config["REDIS_URL"])
        return cls(
            rates,
            storage,
            int(config["BREAKER_FAILURES"]),
            float(config["BREAKER_RESET_SECONDS"]),
            str(config["REDIS_PREFIX"]),
        )

    def wait_turn(self, channel: str, provider: str) -> float:
        """Block until the provider's rate limit allows one more send; the
        seconds waited."""
        rate = self._rates.get(channel)
        if rate is None:
            return 0.0
        started = time.monotonic()
        while not self._limiter.hit(rate, self._key, provider):
            reset_at = self._limiter.get_window_stats(
                rate, self._key, provider
            ).reset_time
            nap = min(
                LONGEST_NAP_SECONDS, max(SHORTEST_NAP_SECONDS, reset_at - time.time())
            )
            time.sleep(nap)
        return time.monotonic() - started

    def call(self, provider: str, send: Callable[[], T]) -> T:
        """Run ``send`` through the provider's breaker.

        Temporary failures count against the provider; permanent ones are the
        recipient's and do not. Raises ``ProviderUnavailable`` while open.
        """
        breaker = self._breaker(provider)
        try:
            return breaker.call(send)
        except pybreaker.CircuitBreakerError as exc:
            raise ProviderUnavailable(provider, self._breaker_reset_seconds) from exc

    def is_open(self, provider: str) -> bool:
        return self._breaker(provider).current_state == pybreaker.STATE_OPEN

    def _breaker(self, provider: str) -> pybreaker.CircuitBreaker:
        with self._lock:
            breaker = self._breakers.get(provider)
            if breaker is None:
                breaker = pybreaker.CircuitBreaker(
                    fail_max=self._breaker_failures,
                    reset_timeout=self._breaker_reset_seconds,
                    exclude=[PermanentFailure],
                    listeners=[_BreakerLog()],
                    name=provider,
                    throw_new_error_on_trip=False,
                )
                self._breakers[provider] = breaker
            return breaker


class _BreakerLog(pybreaker.CircuitBreakerListener):
    def state_change(self, breaker: Any, old: Any, new: Any) -> None:
        log = logger.error if new.name == pybreaker.STATE_OPEN else logger.warning
        log(
            "provider breaker changed provider=%s from=%s to=%s",
            breaker.name,
            old.name if old else None,
            new.name,
        )


def _rate(channel: str, text: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError as exc:
        raise ConfigError(
            f"KENTONGAN_{RATE_SETTINGS[channel]} '{text}' is not a rate; write it "
            "like '50 per second' or '3000 per minute'"
        ) from exc
