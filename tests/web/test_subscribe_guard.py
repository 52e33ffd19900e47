"""The self-subscription abuse guard: per client, per address, per office."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from gateway import create_app
from gateway.config import ConfigError
from gateway.web.subscribe_guard import SubscribeGuard
from tests.redis_keys import REDIS_URL


def guard_app(**settings: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "sqlite://",
            "SUBSCRIBE_CLIENT_LIMIT": "2 per hour",
            "SUBSCRIBE_ADDRESS_LIMIT": "1 per hour",
            "SUBSCRIBE_DAILY_LIMIT": "3 per day",
            **settings,
        }
    )


def test_a_client_is_refused_after_its_attempts() -> None:
    guard = SubscribeGuard(guard_app())

    taken = [guard.take_client("192.0.2.1") for _ in range(3)]

    assert taken[:2] == [0, 0]
    assert 3500 < taken[2] <= 3600
    assert guard.take_client("192.0.2.2") == 0


def test_one_address_gets_one_message_and_others_still_theirs() -> None:
    guard = SubscribeGuard(guard_app())

    first = guard.take_message("sms", "+6281234567890")
    again = guard.take_message("sms", "+6281234567890")
    other = guard.take_message("sms", "+6281234567891")

    assert (first, other) == (0, 0)
    assert again > 0


def test_a_refused_address_does_not_spend_the_office_budget() -> None:
    guard = SubscribeGuard(guard_app())
    guard.take_message("email", "a@example.org")

    for _ in range(5):
        guard.take_message("email", "A@example.org ")
    budget_left = [guard.take_message("email", f"{n}@example.org") for n in range(3)]

    assert budget_left[:2] == [0, 0]
    assert budget_left[2] > 0


def test_redis_counts_are_shared_between_apps(redis_prefix: str) -> None:
    settings = {"REDIS_URL": REDIS_URL, "RATE_LIMIT_PREFIX": redis_prefix}
    first = SubscribeGuard(guard_app(**settings))
    second = SubscribeGuard(guard_app(**settings))

    assert first.take_message("sms", "+6281234567890") == 0
    assert second.take_message("sms", "+6281234567890") > 0


def test_a_malformed_limit_names_its_variable() -> None:
    with pytest.raises(ConfigError, match="KENTONGAN_SUBSCRIBE_ADDRESS_LIMIT"):
        guard_app(SUBSCRIBE_ADDRESS_LIMIT="often")
