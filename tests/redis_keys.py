"""A real Redis for tests, with a key prefix of each test's own."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
import redis

IN_CI = os.environ.get("CI") == "true"
REDIS_URL = os.environ.get("KENTONGAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable_redis() -> redis.Redis:
    """A client of the test Redis; skips (fails in CI) when it is not up."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return client


def delete_keys(client: redis.Redis, prefix: str) -> int:
    """Delete this test's keys, and only those; how many there were."""
    keys = list(client.scan_iter(f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    return len(keys)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own, removed afterwards."""
    client = reachable_redis()
    prefix = f"kentongan-test-{secrets.token_hex(4)}"
    yield prefix
    delete_keys(client, prefix)
    client.close()
