"""What stands between a worker and a provider: a rate limit and a circuit
breaker per provider.

A provider is the SMS gateway or the SMTP relay as a whole, and each push
service or webhook host on its own, so one broken host does not hold up the
rest. Rate limits (``KENTONGAN_SMS_RATE_LIMIT="50 per second"`` and the like)
are counted with the ``limits`` library: in memory with the local dispatcher,
in Redis with the Redis one, so every worker process on every machine shares
one budget. The breaker opens after a run of temporary failures and lets one
trial through after a pause; while it is open, rows go back to the queue for
later without spending an attempt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gateway.channels.base import PermanentFailure, TemporaryFailure
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

# While a half-open breaker's trial is out, other sends wait this long.
TRIAL_WAIT_SECONDS = 1.0

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
        self._breakers: dict[str, Breaker] = {}
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

        Temporary failures count against the provider; a permanent one is the
        recipient's and shows the provider works. Raises
        ``ProviderUnavailable`` while the breaker is open.
        """
        breaker = self._breaker(provider)
        breaker.before_send()
        try:
            sent = send()
        except TemporaryFailure:
            breaker.failed()
            raise
        except PermanentFailure:
            breaker.succeeded()
            raise
        breaker.succeeded()
        return sent

    def is_open(self, provider: str) -> bool:
        return self._breaker(provider).state is BreakerState.OPEN

    def _breaker(self, provider: str) -> Breaker:
        with self._lock:
            breaker = self._breakers.get(provider)
            if breaker is None:
                breaker = self._breakers[provider] = Breaker(
                    provider, self._breaker_failures, self._breaker_reset_seconds
                )
            return breaker


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class Breaker:
    """One provider's circuit breaker. Sends run outside its lock, so any
    number go to a healthy provider at once; the lock guards the state only.

    Closed: sends pass, temporary failures in a row are counted. Open (after
    ``failures_to_open`` of them): sends are refused for ``reset_seconds``.
    Half-open: one trial send passes; its success closes the breaker, its
    failure opens it again.
    """

    def __init__(
        self,
        provider: str,
        failures_to_open: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.failures_to_open = failures_to_open
        self.reset_seconds = reset_seconds
        self.state = BreakerState.CLOSED
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False
        self._lock = threading.Lock()

    def before_send(self) -> None:
        """Let a send pass, or raise ``ProviderUnavailable``."""
        with self._lock:
            if self.state is BreakerState.CLOSED:
                return
            waited = self._clock() - self._opened_at
            if self.state is BreakerState.OPEN and waited >= self.reset_seconds:
                self._change(BreakerState.HALF_OPEN)
            if self.state is BreakerState.HALF_OPEN and not self._trial_running:
                self._trial_running = True
                return
            retry_after = max(self.reset_seconds - waited, TRIAL_WAIT_SECONDS)
        raise ProviderUnavailable(self.provider, retry_after)

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._trial_running = False
            if self.state is not BreakerState.CLOSED:
                self._change(BreakerState.CLOSED)

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            trial_failed = self.state is BreakerState.HALF_OPEN
            self._trial_running = False
            if trial_failed or (
                self.state is BreakerState.CLOSED
                and self._failures >= self.failures_to_open
            ):
                self._opened_at = self._clock()
                self._change(BreakerState.OPEN)

    def _change(self, state: BreakerState) -> None:
        log = logger.error if state is BreakerState.OPEN else logger.warning
        log(
            "provider breaker changed provider=%s from=%s to=%s",
            self.provider,
            self.state,
            state,
        )
        self.state = state


def _rate(channel: str, text: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError as exc:
        raise ConfigError(
            f"KENTONGAN_{RATE_SETTINGS[channel]} '{text}' is not a rate; write it "
            "like '50 per second' or '3000 per minute'"
        ) from exc
