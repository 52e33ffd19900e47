"""Factories for subscriber addresses, CSV files and stored subscribers."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask

from gateway.db import transaction
from gateway.residents.importer import COLUMNS, import_subscribers
from gateway.runtime import runtime


def push_key(size: int, fill: int = 7) -> str:
    raw = bytes([4]) + bytes([fill]) * (size - 1)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def push_subscription(
    endpoint: str = "https://push.example.net/send/abc123", **keys: str
) -> str:
    document = {
        "endpoint": endpoint,
        "keys": {"p256dh": push_key(65), "auth": push_key(16), **keys},
    }
    return json.dumps(document)


def csv_row(**values: Any) -> dict[str, str]:
    """A subscriber row: an SMS number in Padang unless overridden."""
    row = {
        "channel": "sms",
        "address": "081234567890",
        "language": "id-ID",
        "lat": "-0.92",
        "lon": "100.40",
        "areas": "",
        "groups": "",
    }
    row.update({name: str(value) for name, value in values.items()})
    return row


def csv_text(rows: Iterable[dict[str, str]], header: Iterable[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


def add_subscribers(app: Flask, rows: Iterable[dict[str, str]]) -> None:
    """Store ``rows`` as an import would, failing on any rejected row."""
    numbered = [(number, row) for number, row in enumerate(rows, start=2)]
    report = import_subscribers(runtime(app).sessions, numbered, region="ID")
    assert report.rejections == []


def opt_out(app: Flask, address: str) -> None:
    from sqlalchemy import update

    from gateway.db import utc_now
    from gateway.residents.models import Subscriber

    with transaction(runtime(app).sessions) as session:
        session.execute(
            update(Subscriber)
            .where(Subscriber.address == address)
            .values(opted_out_at=utc_now())
        )
