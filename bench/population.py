"""The residents and the alert of the fan-out benchmark.

Subscribers are written with one bulk SQL insert per chunk (setup, not the
thing measured), every one of them verified and inside the alert's square
over Padang, their channel and language spread by a fixed pattern. Webhook
subscribers each get an endpoint URL of their own on the loopback provider.
The alert is a staff draft with an Indonesian and an English info block.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Table, create_engine, insert

from gateway.db import utc_now
from gateway.residents.models import Subscriber
from tests.factories import later

CHUNK = 10_000
SOUTH, NORTH, WEST, EAST = -1.00, -0.85, 100.30, 100.45
SQUARE = [[NORTH, WEST], [NORTH, EAST], [SOUTH, EAST], [SOUTH, WEST], [NORTH, WEST]]
WEBHOOK_SECRET = "bench-webhook-signing-secret-0123456789"
ENGLISH_SHARE = 0.2


def parse_mix(text: str) -> dict[str, int]:
    """``sms=70,email=15,webhook=15`` as channel weights."""
    mix: dict[str, int] = {}
    for part in text.split(","):
        channel, _, weight = part.partition("=")
        if channel.strip() not in ("sms", "email", "webhook") or not weight.isdigit():
            raise ValueError(
                f"'{part}' is not a channel weight; write sms=70,email=15,webhook=15 "
                "(channels sms, email, webhook; whole numbers)"
            )
        mix[channel.strip()] = int(weight)
    if sum(mix.values()) == 0:
        raise ValueError("the channel weights add up to nothing")
    return mix


def seed_subscribers(
    database_url: str, count: int, mix: dict[str, int], endpoint: str
) -> dict[str, int]:
    """Insert ``count`` subscribers inside the alert's area; how many per channel."""
    engine = create_engine(database_url)
    table = Subscriber.__table__
    assert isinstance(table, Table)
    per_channel = dict.fromkeys(mix, 0)
    rows = subscriber_rows(count, mix, endpoint)
    with engine.begin() as connection:
        while chunk := list(islice(rows, CHUNK)):
            connection.execute(insert(table), chunk)
            for row in chunk:
                per_channel[row["channel"]] += 1
    engine.dispose()
    return per_channel


def subscriber_rows(
    count: int, mix: dict[str, int], endpoint: str
) -> Iterator[dict[str, Any]]:
    rng = random.Random(2026)
    pattern = [channel for channel, weight in mix.items() for _ in range(weight)]
    now = utc_now()
    for number in range(count):
        channel = pattern[number % len(pattern)]
        yield {
            "channel": channel,
            "address": _address(channel, number, endpoint),
            "push_keys": None,
            "webhook_secret": WEBHOOK_SECRET if channel == "webhook" else None,
            "language": "en-US" if rng.random() < ENGLISH_SHARE else "id-ID",
            "lat": rng.uniform(SOUTH + 0.001, NORTH - 0.001),
            "lon": rng.uniform(WEST + 0.001, EAST - 0.001),
            "verified": True,
            "created_at": now,
            "updated_at": now,
        }


def _address(channel: str, number: int, endpoint: str) -> str:
    if channel == "sms":
        return f"+62812{number:08d}"
    if channel == "email":
        return f"warga{number}@example.org"
    return f"{endpoint}/hooks/{number}"


def draft_content() -> dict[str, Any]:
    """A flood warning over the whole square, in Indonesian and English."""
    area = {"areaDesc": "Kota Padang", "polygons": [SQUARE]}
    common = {
        "categories": ["Met"],
        "event": "Banjir",
        "responseTypes": ["Evacuate"],
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "expires": later(),
        "areas": [area],
    }
    infos = [
        {
            **common,
            "language": "id-ID",
            "headline": "Peringatan banjir Batang Kuranji",
            "instruction": "Pindahkan keluarga ke tempat yang lebih tinggi.",
        },
        {
            **common,
            "language": "en-US",
            "headline": "Flood warning, Batang Kuranji river",
            "instruction": "Move your family to higher ground.",
        },
    ]
    return {"status": "Actual", "scope": "Public", "infos": infos}
