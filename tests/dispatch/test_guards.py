"""Provider guards: rate limits shared through Redis, and a breaker that
opens on a run of temporary failures and closes again after a trial."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.channels.base import PermanentFailure, Sent, TemporaryFailure
from gateway.config import ConfigError
from gateway.dispatch.guards import (
    Breaker,
    BreakerState,
    ProviderGuards,
    ProviderUnavailable,
    provider_of,
)
from tests.redis_keys import REDIS_URL


def failing() -> Sent:
    raise TemporaryFailure("the provider answered 503", code="http-503")


def refusing() -> Sent:
    raise PermanentFailure("no such number", code="bad-number")


def test_providers_are_whole_services_or_single_hosts() -> None:
    assert provider_of("sms", "+6281200000001") == "sms"
    assert provider_of("email", "warga@example.org") == "email"
    assert (
        provider_of("webpush", "https://fcm.googleapis.com/fcm/send/abc")
        == "webpush:fcm.googleapis.com"
    )
    assert (
        provider_of("webhook", "https://media.example/hook") == "webhook:media.example"
    )


def test_breaker_opens_after_a_run_of_temporary_failures() -> None:
    guards = ProviderGuards({}, breaker_failures=3, breaker_reset_seconds=60)

    for _ in range(3):
        with pytest.raises(TemporaryFailure):
            guards.call("sms", failing)

    assert guards.is_open("sms")
    with pytest.raises(ProviderUnavailable) as held:
        guards.call("sms", lambda: Sent("never called"))
    assert held.value.retry_after == pytest.approx(60, abs=1)
    assert not guards.is_open("email")


def test_permanent_failures_do_not_open_the_breaker() -> None:
    guards = ProviderGuards({}, breaker_failures=2, breaker_reset_seconds=60)

    for _ in range(5):
        with pytest.raises(PermanentFailure):
            guards.call("sms", refusing)

    assert not guards.is_open("sms")
    assert guards.call("sms", lambda: Sent("ok")) == Sent("ok")


def test_breaker_lets_a_trial_through_after_the_pause() -> None:
    guards = ProviderGuards({}, breaker_failures=1, breaker_reset_seconds=0.2)
    with pytest.raises(TemporaryFailure):
        guards.call("webhook:media.example", failing)
    assert guards.is_open("webhook:media.example")

    time.sleep(0.3)

    assert guards.call("webhook:media.example", lambda: Sent("ok")) == Sent("ok")
    assert not guards.is_open("webhook:media.example")


def test_rate_limit_is_shared_by_every_process_through_redis(
    redis_prefix: str,
) -> None:
    first = ProviderGuards(
        {"sms": "5 per 2 seconds"}, REDIS_URL, key_prefix=redis_prefix
    )
    second = ProviderGuards(
        {"sms": "5 per 2 seconds"}, REDIS_URL, key_prefix=redis_prefix
    )

    waits = [first.wait_turn("sms", "sms") for _ in range(5)]
    waited = second.wait_turn("sms", "sms")

    assert max(waits) < 0.5
    assert waited > 0.5
    assert first.wait_turn("email", "email") == 0.0


def test_a_rate_that_is_not_one_names_the_setting() -> None:
    with pytest.raises(ConfigError, match="KENTONGAN_SMS_RATE_LIMIT"):
        ProviderGuards({"sms": "fast please"})


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_half_open_breaker_lets_one_trial_through_at_a_time() -> None:
    clock = FakeClock()
    breaker = Breaker("sms", failures_to_open=2, reset_seconds=30, clock=clock)
    breaker.failed()
    breaker.failed()
    with pytest.raises(ProviderUnavailable) as early:
        breaker.before_send()

    clock.now += 30
    breaker.before_send()
    with pytest.raises(ProviderUnavailable) as second:
        breaker.before_send()
    breaker.succeeded()
    breaker.before_send()

    assert early.value.retry_after == 30
    assert second.value.retry_after == 1.0
    assert breaker.state is BreakerState.CLOSED


def test_a_failed_trial_opens_the_breaker_again() -> None:
    clock = FakeClock()
    breaker = Breaker("sms", failures_to_open=1, reset_seconds=10, clock=clock)
    breaker.failed()
    clock.now += 10
    breaker.before_send()

    breaker.failed()

    assert breaker.state is BreakerState.OPEN
    with pytest.raises(ProviderUnavailable):
        breaker.before_send()


def test_a_success_resets_the_count_of_failures_in_a_row() -> None:
    breaker = Breaker("sms", failures_to_open=3, reset_seconds=10)

    for _ in range(5):
        breaker.failed()
        breaker.failed()
        breaker.succeeded()

    assert breaker.state is BreakerState.CLOSED


def test_sends_to_one_provider_run_at_the_same_time() -> None:
    guards = ProviderGuards({})
    together = threading.Barrier(4, timeout=5)

    def send() -> Sent:
        together.wait()
        return Sent("ok")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: guards.call("sms", send), range(4)))

    assert results == [Sent("ok")] * 4
