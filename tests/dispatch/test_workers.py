"""The Redis dispatcher with real ``kentongan worker`` processes (Dramatiq on a
real Redis, PostgreSQL as the record): a fan-out sent exactly once, a worker
killed with SIGKILL halfway, Redis losing every message, and a provider that
fails and then recovers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from gateway.db import transaction
from gateway.dispatch.models import Delivery
from gateway.runtime import runtime
from tests.conftest import build_app
from tests.dispatch.test_fanout import INSIDE_POLYGON, subscribe
from tests.factories import add_partner, partner_cap, post_cap
from tests.loopback import Answer, LoopbackServer, loopback_server
from tests.redis_keys import REDIS_URL, delete_keys, reachable_redis
from tests.residents.factories import csv_row

RESIDENTS = 300
LEASE_SECONDS = 3
SETTLE_SECONDS = 90
KENTONGAN = Path(sys.executable).with_name("kentongan")


@pytest.fixture
def provider() -> Iterator[LoopbackServer]:
    accepted = Answer(202, {"Content-Type": "application/json"}, b'{"id": "op"}')
    with loopback_server(accepted) as server:
        yield server


@pytest.fixture
def settings(
    postgres_database: str, redis_prefix: str, provider: LoopbackServer, tmp_path: Path
) -> dict[str, Any]:
    from tests import databases

    databases.empty_postgres_database(postgres_database)
    return {
        "DATABASE_URL": postgres_database,
        "DISPATCHER": "redis",
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": redis_prefix,
        "SMS_PROVIDER": "http-json",
        "SMS_URL": provider.url("/sms"),
        "DELIVERY_LEASE_SECONDS": LEASE_SECONDS,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SENDER": "bpbd@padang.go.id",
        "FEEDS_DIR": str(tmp_path / "feeds"),
    }


@pytest.fixture
def gateway(settings: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    app = build_app(settings["DATABASE_URL"], tmp_path, **settings)
    subscribe(
        app,
        *(csv_row(address=f"0812{n:08d}", **INSIDE_POLYGON) for n in range(RESIDENTS)),
    )
    yield app
    runtime(app).dispatcher.shutdown()
    runtime(app).engine.dispose()


class Workers:
    """``kentongan worker`` processes started with the test's settings."""

    def __init__(self, settings: dict[str, Any], folder: Path) -> None:
        self.env = {
            **os.environ,
            **{f"KENTONGAN_{name}": str(value) for name, value in settings.items()},
        }
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, threads: int = 4) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [str(KENTONGAN), "worker", "--threads", str(threads)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in sorted(self.folder.glob("worker-*.log"))
        )


@pytest.fixture
def workers(settings: dict[str, Any], tmp_path: Path) -> Iterator[Workers]:
    started = Workers(settings, tmp_path)
    yield started
    started.stop_all()


def publish_alert(app: Flask) -> str:
    partner = add_partner(app, "publish")
    response = post_cap(app.test_client(), partner, partner_cap())
    assert response.status_code == 201, response.get_json()
    alert_id: str = response.get_json()["id"]
    return alert_id


def statuses(app: Flask, alert_id: str) -> Counter[str]:
    with transaction(runtime(app).sessions) as session:
        rows = session.execute(
            select(Delivery.status, func.count())
            .where(Delivery.alert_id == alert_id)
            .group_by(Delivery.status)
        )
        return Counter({str(status): int(count) for status, count in rows})


def settle(app: Flask, alert_id: str, workers: Workers) -> Counter[str]:
    """Run the sweeper as the scheduler would until every row is final."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        runtime(app).dispatcher.sweep()
        found = statuses(app, alert_id)
        if sum(found.values()) == RESIDENTS and set(found) <= {"sent", "failed"}:
            return found
        time.sleep(0.5)
    pytest.fail(f"deliveries not final: {dict(found)}\n{workers.logs()[-4000:]}")


def wait_for_requests(provider: LoopbackServer, count: int) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while len(provider.received) < count:
        assert time.monotonic() < deadline, f"only {len(provider.received)} sends"
        time.sleep(0.02)


def references(provider: LoopbackServer) -> Counter[str]:
    return Counter(
        json.loads(request.body)["reference"] for request in provider.received
    )


def test_two_workers_send_every_delivery_exactly_once(
    gateway: Flask, workers: Workers, provider: LoopbackServer
) -> None:
    workers.start()
    workers.start()

    alert_id = publish_alert(gateway)
    found = settle(gateway, alert_id, workers)

    sent = references(provider)
    assert found == Counter({"sent": RESIDENTS})
    assert len(sent) == RESIDENTS
    assert max(sent.values()) == 1


def test_a_worker_killed_halfway_loses_nothing(
    gateway: Flask, workers: Workers, provider: LoopbackServer
) -> None:
    provider.delay = 0.01
    doomed = workers.start(threads=2)
    alert_id = publish_alert(gateway)
    wait_for_requests(provider, RESIDENTS // 3)

    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    in_flight = statuses(gateway, alert_id)["sending"]
    received_before = len(provider.received)
    workers.start()
    found = settle(gateway, alert_id, workers)

    sent = references(provider)
    duplicates = len(provider.received) - len(sent)
    assert 0 < received_before < RESIDENTS
    assert found == Counter({"sent": RESIDENTS})
    assert len(sent) == RESIDENTS
    assert duplicates <= in_flight


def test_redis_losing_every_message_is_rebuilt_from_sql(
    gateway: Flask, workers: Workers, provider: LoopbackServer, redis_prefix: str
) -> None:
    provider.delay = 0.01
    doomed = workers.start(threads=2)
    alert_id = publish_alert(gateway)
    wait_for_requests(provider, RESIDENTS // 3)

    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    lost = delete_keys(reachable_redis(), redis_prefix)
    workers.start()
    found = settle(gateway, alert_id, workers)

    assert lost > 0
    assert found == Counter({"sent": RESIDENTS})
    assert len(references(provider)) == RESIDENTS


def test_a_message_lost_before_planning_is_planned_by_the_sweeper(
    gateway: Flask, workers: Workers, provider: LoopbackServer, redis_prefix: str
) -> None:
    alert_id = publish_alert(gateway)
    lost = delete_keys(reachable_redis(), redis_prefix)

    workers.start()
    found = settle(gateway, alert_id, workers)

    assert lost > 0
    assert found == Counter({"sent": RESIDENTS})
    assert len(references(provider)) == RESIDENTS


def test_worker_refuses_to_start_without_the_redis_dispatcher(
    settings: dict[str, Any], tmp_path: Path
) -> None:
    local = {**settings, "DISPATCHER": "local"}
    env = {**os.environ, **{f"KENTONGAN_{k}": str(v) for k, v in local.items()}}

    result = subprocess.run(
        [str(KENTONGAN), "worker"], env=env, capture_output=True, timeout=60
    )

    assert result.returncode == 1
    assert b"KENTONGAN_DISPATCHER=redis" in result.stderr
